import { describe, expect, it } from 'vitest';
import { buildEventRecord, decodeEventKey, encodeEventKey, eventMatches, nextSequencer, ruleMatches } from '../src/index.js';

describe('encodeEventKey: the key as S3 writes it into a record (form encoding, / kept)', () => {
  it.each([
    ['hello world.jpg', 'hello+world.jpg'],
    ['a+b.txt', 'a%2Bb.txt'],
    ['dir/sub/file.txt', 'dir/sub/file.txt'],
    ['é.txt', '%C3%A9.txt'],
    ["k=v&x;y:z,(1)!'~*", 'k%3Dv%26x%3By%3Az%2C%281%29%21%27%7E*'],
    ['%41', '%2541'],
  ])('%s → %s', (key, encoded) => {
    expect(encodeEventKey(key)).toBe(encoded);
    expect(decodeEventKey(encoded)).toBe(key);
  });
});

describe('nextSequencer', () => {
  it('is fixed-width hex and strictly increasing, within one ms and when the clock steps back', () => {
    const seen = [nextSequencer(5_000_000), nextSequencer(5_000_000), nextSequencer(5_000_000), nextSequencer(4_000_000), nextSequencer(6_000_000)];
    for (const s of seen) expect(s).toMatch(/^[0-9A-F]{18}$/);
    expect([...seen].sort()).toEqual(seen);
    expect(new Set(seen).size).toBe(seen.length);
  });
});

describe('buildEventRecord', () => {
  const event = { bucket: 'photos', key: 'a b.jpg', size: 5, eTag: '"5d41402abc4b2a76b9719d911017c592"', principalId: 'AWS:AK', sourceIp: '127.0.0.1', requestId: 'R1', hostId: 'H1' };
  const ctx = { region: 'us-east-1', ownerId: 'owner', configurationId: 'cfg', eventTime: '2026-01-02T03:04:05.678Z', sequencer: '0000000000AA000001' };

  it('shapes an ObjectCreated record as AWS does (eTag without quotes, bucket ARN, encoded key)', () => {
    expect(buildEventRecord({ ...event, eventName: 'ObjectCreated:Put' }, ctx)).toEqual({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: '2026-01-02T03:04:05.678Z',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:AK' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: { 'x-amz-request-id': 'R1', 'x-amz-id-2': 'H1' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'cfg',
        bucket: { name: 'photos', ownerIdentity: { principalId: 'owner' }, arn: 'arn:aws:s3:::photos' },
        object: { key: 'a+b.jpg', size: 5, eTag: '5d41402abc4b2a76b9719d911017c592', sequencer: '0000000000AA000001' },
      },
    });
  });

  it('an ObjectRemoved record has no size or eTag', () => {
    expect(buildEventRecord({ ...event, eventName: 'ObjectRemoved:Delete' }, ctx).s3.object).toEqual({ key: 'a+b.jpg', sequencer: '0000000000AA000001' });
  });
});

describe('matching', () => {
  it('exact names and wildcards', () => {
    expect(eventMatches(['s3:ObjectCreated:*'], 'ObjectCreated:CompleteMultipartUpload')).toBe(true);
    expect(eventMatches(['s3:ObjectCreated:Put'], 'ObjectCreated:Post')).toBe(false);
    expect(eventMatches(['s3:ObjectRemoved:*'], 'ObjectCreated:Put')).toBe(false);
  });
  it('prefix and suffix on the decoded key', () => {
    const rule = { id: 'r', arn: 'a', events: ['s3:ObjectCreated:*'], prefix: 'in box/', suffix: '.jpg' };
    expect(ruleMatches(rule, 'ObjectCreated:Put', 'in box/a.jpg')).toBe(true);
    expect(ruleMatches(rule, 'ObjectCreated:Put', 'in+box/a.jpg')).toBe(false);
    expect(ruleMatches(rule, 'ObjectCreated:Put', 'in box/a.png')).toBe(false);
  });
});
