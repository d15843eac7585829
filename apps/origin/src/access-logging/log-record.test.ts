import { describe, expect, it } from 'vitest';
import { logObjectKey } from './log-keys.js';
import { formatAccessRecord, formatLogTime, operationName, type AccessRecordInput } from './log-record.js';

const base: AccessRecordInput = {
  bucket: 'b',
  timeMs: Date.UTC(2019, 1, 6, 0, 0, 38),
  remoteIp: '::ffff:192.0.2.3',
  requester: undefined,
  requestId: '3E57427F3EXAMPLE',
  operation: 'REST.GET.OBJECT',
  key: 'a b/ü',
  versionId: undefined,
  requestUri: 'GET /b/a%20b/%C3%BC HTTP/1.1',
  status: 200,
  errorCode: undefined,
  bytesSent: 0,
  objectSize: 7,
  totalTimeMs: 12.6,
  turnAroundMs: undefined,
  referer: undefined,
  userAgent: 'curl/8 "quoted"',
  hostId: 'hostid',
  signatureVersion: undefined,
  cipherSuite: undefined,
  authType: undefined,
  hostHeader: 'b.s3.localhost',
  tlsVersion: undefined,
};

describe('server access log record (LogFormat.html)', () => {
  it("AWS's time format", () => expect(formatLogTime(base.timeMs)).toBe('[06/Feb/2019:00:00:38 +0000]'));

  it('26 fields in order, dashes for absent values, quoted fields escaped', () => {
    expect(formatAccessRecord(base, 'owner')).toBe(
      'owner b [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - 3E57427F3EXAMPLE REST.GET.OBJECT a%20b/%C3%BC "GET /b/a%20b/%C3%BC HTTP/1.1" 200 - - 7 13 - "-" "curl/8 \\"quoted\\"" - hostid - - - b.s3.localhost - - -',
    );
  });

  it('the Version Id field is the request’s versionId', () => {
    const line = formatAccessRecord({ ...base, versionId: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY' }, 'owner');
    expect(line).toContain(' "curl/8 \\"quoted\\"" 3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY hostid ');
  });

  it('operation names', () => {
    expect(operationName('PutBucketVersioning', 'PUT')).toBe('REST.PUT.VERSIONING');
    expect(operationName('GetBucketVersioning', 'GET')).toBe('REST.GET.VERSIONING');
    expect(operationName('ListObjectVersions', 'GET')).toBe('REST.GET.BUCKETVERSIONS');
    expect(operationName('ListObjectsV2', 'GET')).toBe('REST.GET.BUCKET');
    expect(operationName('CompleteMultipartUpload', 'POST')).toBe('REST.POST.UPLOAD');
    expect(operationName('Website', 'HEAD')).toBe('WEBSITE.HEAD.OBJECT');
    expect(operationName('InvalidURI', 'GET')).toBe('REST.GET.UNKNOWN');
  });

  it('log object keys, simple and partitioned by event or delivery time', () => {
    const k = {
      targetPrefix: 'logs/',
      deliveryMs: Date.UTC(2024, 0, 2, 3, 4, 5),
      eventMs: Date.UTC(2023, 11, 31, 23, 0, 0),
      sourceAccountId: 'acct',
      sourceRegion: 'us-east-1',
      sourceBucket: 'src',
      unique: 'ABCDEF0123456789',
    };
    expect(logObjectKey({ ...k, format: undefined })).toBe('logs/2024-01-02-03-04-05-ABCDEF0123456789');
    expect(logObjectKey({ ...k, format: { kind: 'PartitionedPrefix', partitionDateSource: 'DeliveryTime' } })).toBe('logs/acct/us-east-1/src/2024/01/02/2024-01-02-03-04-05-ABCDEF0123456789');
    expect(logObjectKey({ ...k, format: { kind: 'PartitionedPrefix', partitionDateSource: 'EventTime' } })).toBe('logs/acct/us-east-1/src/2023/12/31/2024-01-02-03-04-05-ABCDEF0123456789');
  });
});
