import { describe, expect, it } from 'vitest';
import { allowPublicPolicy } from './block-public-access.js';
import { PUBLIC_READ_SID, publicReadStatement, withPublicRead, withoutPublicRead } from './public-read.js';

const policy = (...Statement: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const statements = (json: string) => (JSON.parse(json) as { Statement: unknown[] }).Statement;

describe('withPublicRead', () => {
  it('no policy → a policy with only s3:GetObject on every object, to everyone', () => {
    const r = withPublicRead(null, 'b');
    expect(r.changed).toBe(true);
    if (r.changed) {
      expect(JSON.parse(r.policy)).toEqual({
        Version: '2012-10-17',
        Statement: [{ Sid: PUBLIC_READ_SID, Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }],
      });
    }
  });

  it('is idempotent, and recognises the same grant written by hand (README, S3 guide)', () => {
    const once = withPublicRead(null, 'b');
    expect(once.changed && withPublicRead(once.policy, 'b')).toEqual({ changed: false });
    const readme = policy({ Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::b/*' });
    expect(withPublicRead(readme, 'b')).toEqual({ changed: false });
    expect(withPublicRead(policy({ Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:Get*', Resource: ['arn:aws:s3:::b/*'] }), 'b')).toEqual({ changed: false });
  });

  it('keeps other statements; a conditional, narrower or denying statement is no public grant', () => {
    const deny = { Sid: 'NoDrafts', Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/drafts/*' };
    const conditional = { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } };
    const narrow = { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/assets/*' };
    const r = withPublicRead(JSON.stringify({ Version: '2012-10-17', Id: 'mine', Statement: [deny, conditional, narrow] }), 'b');
    expect(r.changed).toBe(true);
    if (r.changed) {
      expect(JSON.parse(r.policy)).toMatchObject({ Id: 'mine', Statement: [deny, conditional, narrow, publicReadStatement('b')] });
    }
  });

  it('another bucket’s ARN is no grant for this one', () => {
    expect(withPublicRead(policy({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::other/*' }), 'b').changed).toBe(true);
  });
});

describe('withoutPublicRead', () => {
  it('undoes withPublicRead: the policy is deleted when nothing else is left; twice changes nothing', () => {
    const granted = withPublicRead(null, 'b');
    if (!granted.changed) throw new Error('expected a change');
    expect(withoutPublicRead(granted.policy, 'b')).toEqual({ changed: true, policy: null, removed: 1, stillAllowsEveryone: false });
    expect(withoutPublicRead(null, 'b')).toEqual({ changed: false, stillAllowsEveryone: false });
  });

  it('removes the same grant written by hand, keeps every other statement and says when anonymous access remains', () => {
    const list = { Sid: 'PublicList', Effect: 'Allow', Principal: '*', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::b' };
    const deny = { Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/x' };
    const demo = policy({ Sid: 'PublicReadGetObject', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }, list, deny);
    const r = withoutPublicRead(demo, 'b');
    expect(r).toMatchObject({ changed: true, removed: 1, stillAllowsEveryone: true });
    if (r.changed) expect(statements(r.policy!)).toEqual([list, deny]);
  });

  it('leaves a broader statement alone (it grants more than --public adds)', () => {
    const broad = policy({ Effect: 'Allow', Principal: '*', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::b/*', 'arn:aws:s3:::b'] });
    expect(withoutPublicRead(broad, 'b')).toEqual({ changed: false, stillAllowsEveryone: true });
  });
});

describe('allowPublicPolicy (Block Public Access)', () => {
  it('turns off only BlockPublicPolicy and RestrictPublicBuckets, keeping the ACL settings', () => {
    expect(allowPublicPolicy({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true })).toEqual({
      config: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false },
      turnedOff: ['BlockPublicPolicy', 'RestrictPublicBuckets'],
    });
    expect(allowPublicPolicy({ BlockPublicPolicy: false, RestrictPublicBuckets: true })?.turnedOff).toEqual(['RestrictPublicBuckets']);
  });

  it('nothing to do when neither blocks a public policy', () => {
    expect(allowPublicPolicy({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false })).toBeNull();
    expect(allowPublicPolicy({})).toBeNull();
  });
});
