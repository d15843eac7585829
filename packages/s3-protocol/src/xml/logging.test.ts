import { describe, expect, it } from 'vitest';
import { S3Error } from '../errors.js';
import { parseBucketLoggingStatus, serializeBucketLoggingStatus } from './logging.js';

const NS = 'xmlns="http://doc.s3.amazonaws.com/2006-03-01"';

describe('BucketLoggingStatus', () => {
  it('an empty status disables; serialised as an empty element', () => {
    expect(parseBucketLoggingStatus(`<BucketLoggingStatus ${NS}/>`)).toEqual({ loggingEnabled: null });
    expect(serializeBucketLoggingStatus({ loggingEnabled: null })).toContain(`<BucketLoggingStatus ${NS}/>`);
  });

  it('round-trips every element, grants of the three grantee kinds', () => {
    const xml = `<BucketLoggingStatus ${NS}><LoggingEnabled><TargetBucket>logs</TargetBucket><TargetGrants>
      <Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>abc</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant>
      <Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="AmazonCustomerByEmail"><EmailAddress>a@b.c</EmailAddress></Grantee><Permission>READ</Permission></Grant>
      <Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/s3/LogDelivery</URI></Grantee><Permission>WRITE</Permission></Grant>
      </TargetGrants><TargetPrefix>p/&amp;</TargetPrefix><TargetObjectKeyFormat><PartitionedPrefix/></TargetObjectKeyFormat></LoggingEnabled></BucketLoggingStatus>`;
    const parsed = parseBucketLoggingStatus(xml);
    expect(parsed).toEqual({
      loggingEnabled: {
        targetBucket: 'logs',
        targetPrefix: 'p/&',
        targetGrants: [
          { grantee: { type: 'CanonicalUser', id: 'abc' }, permission: 'FULL_CONTROL' },
          { grantee: { type: 'AmazonCustomerByEmail', emailAddress: 'a@b.c' }, permission: 'READ' },
          { grantee: { type: 'Group', uri: 'http://acs.amazonaws.com/groups/s3/LogDelivery' }, permission: 'WRITE' },
        ],
        targetObjectKeyFormat: { kind: 'PartitionedPrefix', partitionDateSource: 'DeliveryTime' },
      },
    });
    expect(parseBucketLoggingStatus(serializeBucketLoggingStatus(parsed as never))).toEqual(parsed);
  });

  it.each([
    ['not XML', '<BucketLoggingStatus'],
    ['another root', '<LoggingStatus/>'],
    ['unknown element', `<BucketLoggingStatus><Other/></BucketLoggingStatus>`],
    [
      'two LoggingEnabled',
      '<BucketLoggingStatus><LoggingEnabled><TargetBucket>a</TargetBucket><TargetPrefix/></LoggingEnabled><LoggingEnabled><TargetBucket>a</TargetBucket><TargetPrefix/></LoggingEnabled></BucketLoggingStatus>',
    ],
    ['no TargetPrefix', '<BucketLoggingStatus><LoggingEnabled><TargetBucket>a</TargetBucket></LoggingEnabled></BucketLoggingStatus>'],
    ['empty TargetBucket', '<BucketLoggingStatus><LoggingEnabled><TargetBucket></TargetBucket><TargetPrefix/></LoggingEnabled></BucketLoggingStatus>'],
    [
      'grant without grantee',
      '<BucketLoggingStatus><LoggingEnabled><TargetBucket>a</TargetBucket><TargetPrefix/><TargetGrants><Grant><Permission>READ</Permission></Grant></TargetGrants></LoggingEnabled></BucketLoggingStatus>',
    ],
    [
      'grantee with two ids',
      '<BucketLoggingStatus><LoggingEnabled><TargetBucket>a</TargetBucket><TargetPrefix/><TargetGrants><Grant><Grantee><ID>x</ID><URI>y</URI></Grantee><Permission>READ</Permission></Grant></TargetGrants></LoggingEnabled></BucketLoggingStatus>',
    ],
    [
      'ACL-only permission',
      '<BucketLoggingStatus><LoggingEnabled><TargetBucket>a</TargetBucket><TargetPrefix/><TargetGrants><Grant><Grantee><ID>x</ID></Grantee><Permission>WRITE_ACP</Permission></Grant></TargetGrants></LoggingEnabled></BucketLoggingStatus>',
    ],
    [
      'both key formats',
      '<BucketLoggingStatus><LoggingEnabled><TargetBucket>a</TargetBucket><TargetPrefix/><TargetObjectKeyFormat><SimplePrefix/><PartitionedPrefix/></TargetObjectKeyFormat></LoggingEnabled></BucketLoggingStatus>',
    ],
    ['no key format', '<BucketLoggingStatus><LoggingEnabled><TargetBucket>a</TargetBucket><TargetPrefix/><TargetObjectKeyFormat/></LoggingEnabled></BucketLoggingStatus>'],
    [
      'bad date source',
      '<BucketLoggingStatus><LoggingEnabled><TargetBucket>a</TargetBucket><TargetPrefix/><TargetObjectKeyFormat><PartitionedPrefix><PartitionDateSource>Now</PartitionDateSource></PartitionedPrefix></TargetObjectKeyFormat></LoggingEnabled></BucketLoggingStatus>',
    ],
  ])('%s: MalformedXML', (_name, xml) => {
    const r = parseBucketLoggingStatus(xml);
    expect(r).toBeInstanceOf(S3Error);
    expect((r as S3Error).code).toBe('MalformedXML');
  });
});
