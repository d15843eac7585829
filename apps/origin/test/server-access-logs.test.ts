/**
 * S3 server access logging end to end (docs/access-logs.md): Put/GetBucketLogging with the SDK
 * and bad input, then requests of mixed outcomes whose records are read back from the log
 * bucket, parsed field by field (https://docs.aws.amazon.com/AmazonS3/latest/userguide/LogFormat.html)
 * and matched to each response's request id.
 */
import { CreateBucketCommand, GetBucketLoggingCommand, GetObjectCommand, ListObjectsV2Command, PutBucketLoggingCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { signRequest } from '@bucketfront/sigv4';
import { readFsOutboxFiles } from '@bucketfront/object-store';
import { hasAwsCli, makeS3Client, makeTempDir, makeTestCredentials, runAws, type TempDir } from '@bucketfront/test-support';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOriginProcess, type OriginProcess } from './fixtures/origin-process.js';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

/** The 26 fields of LogFormat.html, in order. */
export const LOG_FIELDS = [
  'bucketOwner',
  'bucket',
  'time',
  'remoteIp',
  'requester',
  'requestId',
  'operation',
  'key',
  'requestUri',
  'status',
  'errorCode',
  'bytesSent',
  'objectSize',
  'totalTime',
  'turnAroundTime',
  'referer',
  'userAgent',
  'versionId',
  'hostId',
  'signatureVersion',
  'cipherSuite',
  'authType',
  'hostHeader',
  'tlsVersion',
  'accessPointArn',
  'aclRequired',
] as const;
export type LogRecord = Record<(typeof LOG_FIELDS)[number], string>;

/** Splits a record as AWS's documentation describes: space-separated, `[time]` and `"quoted"` fields kept whole. */
export function parseLogLine(line: string): LogRecord {
  const tokens = line.match(/\[[^\]]*\]|"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
  if (tokens.length !== LOG_FIELDS.length) throw new Error(`${tokens.length} fields, not ${LOG_FIELDS.length}: ${line}`);
  return Object.fromEntries(LOG_FIELDS.map((f, i) => [f, tokens[i]!])) as LogRecord;
}

/** Every record in the log bucket under `prefix`, parsed (`seen`: log objects already read, by key). */
export async function readLogRecords(s3: S3Client, bucket: string, prefix: string, seen = new Map<string, LogRecord[]>()): Promise<{ keys: string[]; records: LogRecord[] }> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
    for (const o of page.Contents ?? []) {
      keys.push(o.Key!);
      if (seen.has(o.Key!)) continue;
      const body = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }))).Body!.transformToString();
      seen.set(
        o.Key!,
        body
          .split('\n')
          .filter((line) => line !== '')
          .map(parseLogLine),
      );
    }
    token = page.NextContinuationToken;
  } while (token);
  return { keys, records: keys.flatMap((k) => seen.get(k)!) };
}

/** Polls the log bucket until every id in `ids` has a record (the test's own timeout bounds it). */
export async function waitForRecords(s3: S3Client, bucket: string, prefix: string, ids: Iterable<string>): Promise<{ keys: string[]; records: LogRecord[] }> {
  const wanted = new Set(ids);
  const seen = new Map<string, LogRecord[]>();
  for (;;) {
    const got = await readLogRecords(s3, bucket, prefix, seen);
    const found = new Set(got.records.map((r) => r.requestId));
    if ([...wanted].every((id) => found.has(id))) return got;
    await new Promise((r) => setTimeout(r, 200));
  }
}

const LOGGING_XML = (target: string, prefix: string, extra = ''): string =>
  `<BucketLoggingStatus xmlns="http://doc.s3.amazonaws.com/2006-03-01"><LoggingEnabled><TargetBucket>${target}</TargetBucket><TargetPrefix>${prefix}</TargetPrefix>${extra}</LoggingEnabled></BucketLoggingStatus>`;

describe('server access logging', () => {
  let origin: TestOrigin;
  beforeAll(async () => {
    origin = await startTestOrigin({ serverAccessLogs: { flushIntervalMs: 250 } });
    for (const b of ['logged', 'logs', 'other']) await origin.s3.send(new CreateBucketCommand({ Bucket: b }));
  });
  afterAll(() => origin?.stop());

  /** A signed request with undici (path-style); body optional. */
  async function signed(method: string, path: string, opts: { body?: string; headers?: Record<string, string> } = {}) {
    const url = `${origin.url}${path}`;
    const headers = {
      ...(opts.headers ?? {}),
      ...signRequest({ method, url, headers: opts.headers ?? {}, body: opts.body ?? '', credentials: origin.credentials, region: 'us-east-1', service: 's3' }),
    };
    const res = await request(url, { method: method as 'GET', headers, ...(opts.body !== undefined ? { body: opts.body } : {}) });
    const text = await res.body.text();
    return { status: res.statusCode, requestId: String(res.headers['x-amz-request-id']), text, headers: res.headers };
  }

  it('GetBucketLogging of a bucket without logging is an empty BucketLoggingStatus; Put/Get round trip; an empty status disables', async () => {
    const empty = await signed('GET', '/other?logging');
    expect(empty.status).toBe(200);
    expect(empty.text).toContain('<BucketLoggingStatus xmlns="http://doc.s3.amazonaws.com/2006-03-01"/>');
    expect((await origin.s3.send(new GetBucketLoggingCommand({ Bucket: 'other' }))).LoggingEnabled).toBeUndefined();

    await origin.s3.send(
      new PutBucketLoggingCommand({
        Bucket: 'other',
        BucketLoggingStatus: {
          LoggingEnabled: {
            TargetBucket: 'logs',
            TargetPrefix: 'other/',
            TargetGrants: [{ Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ' }],
            TargetObjectKeyFormat: { PartitionedPrefix: { PartitionDateSource: 'EventTime' } },
          },
        },
      }),
    );
    const got = await origin.s3.send(new GetBucketLoggingCommand({ Bucket: 'other' }));
    expect(got.LoggingEnabled).toEqual({
      TargetBucket: 'logs',
      TargetPrefix: 'other/',
      TargetGrants: [{ Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/global/AllUsers' }, Permission: 'READ' }],
      TargetObjectKeyFormat: { PartitionedPrefix: { PartitionDateSource: 'EventTime' } },
    });

    await origin.s3.send(new PutBucketLoggingCommand({ Bucket: 'other', BucketLoggingStatus: {} }));
    expect((await origin.s3.send(new GetBucketLoggingCommand({ Bucket: 'other' }))).LoggingEnabled).toBeUndefined();
  });

  it('bad input: malformed XML, a missing target bucket, no such bucket: AWS codes, nothing changed', async () => {
    await origin.s3.send(new PutBucketLoggingCommand({ Bucket: 'other', BucketLoggingStatus: { LoggingEnabled: { TargetBucket: 'logs', TargetPrefix: 'kept/' } } }));
    const before = (await signed('GET', '/other?logging')).text;
    const cases: Array<[string, number, string]> = [
      ['<BucketLoggingStatus><LoggingEnabled>', 400, 'MalformedXML'],
      ['<BucketLoggingStatus><LoggingEnabled><TargetPrefix>x/</TargetPrefix></LoggingEnabled></BucketLoggingStatus>', 400, 'MalformedXML'],
      ['<BucketLoggingStatus><LoggingEnabled><TargetBucket>logs</TargetBucket></LoggingEnabled></BucketLoggingStatus>', 400, 'MalformedXML'],
      [LOGGING_XML('logs', 'x/', '<Unknown>1</Unknown>'), 400, 'MalformedXML'],
      [LOGGING_XML('logs', 'x/', '<TargetGrants><Grant><Grantee><ID>abc</ID></Grantee><Permission>READ_ACP</Permission></Grant></TargetGrants>'), 400, 'MalformedXML'],
      [LOGGING_XML('logs', 'x/', '<TargetObjectKeyFormat><SimplePrefix/><PartitionedPrefix/></TargetObjectKeyFormat>'), 400, 'MalformedXML'],
      [LOGGING_XML('logs', 'x/', '<TargetObjectKeyFormat><PartitionedPrefix><PartitionDateSource>Tomorrow</PartitionDateSource></PartitionedPrefix></TargetObjectKeyFormat>'), 400, 'MalformedXML'],
      ['<NotLogging/>', 400, 'MalformedXML'],
      [LOGGING_XML('no-such-target', 'x/'), 400, 'InvalidTargetBucketForLogging'],
    ];
    for (const [body, status, code] of cases) {
      const r = await signed('PUT', '/other?logging', { body });
      expect([body, r.status]).toEqual([body, status]);
      expect(r.text).toContain(`<Code>${code}</Code>`);
    }
    const missing = await signed('PUT', '/no-such-bucket?logging', { body: LOGGING_XML('logs', 'x/') });
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('<Code>NoSuchBucket</Code>');
    expect((await signed('GET', '/other?logging')).text).toBe(before);
    await origin.s3.send(new PutBucketLoggingCommand({ Bucket: 'other', BucketLoggingStatus: {} }));
  });

  it('1,000 requests of mixed outcomes each appear once in the log bucket with the right fields', async () => {
    await origin.s3.send(new PutObjectCommand({ Bucket: 'logged', Key: 'fixed.txt', Body: '0123456789' }));
    await origin.s3.send(new PutBucketLoggingCommand({ Bucket: 'logged', BucketLoggingStatus: { LoggingEnabled: { TargetBucket: 'logs', TargetPrefix: 'mixed/' } } }));
    const fixed = await signed('HEAD', '/logged/fixed.txt');
    const etag = String(fixed.headers.etag);

    interface Expected {
      status: number;
      operation: string;
      errorCode: string;
      key: string;
      requester: 'user' | '-';
      bytesSent?: string;
      objectSize?: string;
      authType: string;
    }
    const expected = new Map<string, Expected>();
    const owner = (await signed('GET', '/logged?acl')).text.match(/<ID>([^<]+)<\/ID>/)![1]!;
    for (let i = 0; i < 1000; i++) {
      const kind = i % 10;
      const key = `obj-${i}.txt`;
      let r: { status: number; requestId: string };
      let e: Omit<Expected, 'status'>;
      switch (kind) {
        case 0:
          r = await signed('PUT', `/logged/${key}`, { body: `body ${i}` });
          e = { operation: 'REST.PUT.OBJECT', errorCode: '-', key, requester: 'user', objectSize: String(`body ${i}`.length), authType: 'AuthHeader' };
          break;
        case 1:
          r = await signed('GET', '/logged/fixed.txt');
          e = { operation: 'REST.GET.OBJECT', errorCode: '-', key: 'fixed.txt', requester: 'user', bytesSent: '10', objectSize: '10', authType: 'AuthHeader' };
          break;
        case 2:
          r = await signed('GET', '/logged/fixed.txt', { headers: { range: 'bytes=2-5' } });
          e = { operation: 'REST.GET.OBJECT', errorCode: '-', key: 'fixed.txt', requester: 'user', bytesSent: '4', objectSize: '10', authType: 'AuthHeader' };
          break;
        case 3:
          r = await signed('GET', '/logged/fixed.txt', { headers: { 'if-none-match': etag } });
          e = { operation: 'REST.GET.OBJECT', errorCode: '-', key: 'fixed.txt', requester: 'user', bytesSent: '-', authType: 'AuthHeader' };
          break;
        case 4: {
          const res = await request(`${origin.url}/logged/fixed.txt`);
          await res.body.text();
          r = { status: res.statusCode, requestId: String(res.headers['x-amz-request-id']) };
          e = { operation: 'REST.GET.OBJECT', errorCode: 'AccessDenied', key: 'fixed.txt', requester: '-', authType: '-' };
          break;
        }
        case 5:
          r = await signed('GET', `/logged/missing-${i}`);
          e = { operation: 'REST.GET.OBJECT', errorCode: 'NoSuchKey', key: `missing-${i}`, requester: 'user', authType: 'AuthHeader' };
          break;
        case 6:
          r = await signed('HEAD', '/logged/fixed.txt');
          e = { operation: 'REST.HEAD.OBJECT', errorCode: '-', key: 'fixed.txt', requester: 'user', bytesSent: '-', objectSize: '10', authType: 'AuthHeader' };
          break;
        case 7:
          r = await signed('DELETE', `/logged/obj-${i - 7}.txt`);
          e = { operation: 'REST.DELETE.OBJECT', errorCode: '-', key: `obj-${i - 7}.txt`, requester: 'user', authType: 'AuthHeader' };
          break;
        case 8: {
          // A wrong signature: 403 SignatureDoesNotMatch, logged without a requester.
          const url = `${origin.url}/logged/fixed.txt`;
          const headers = signRequest({ method: 'GET', url, body: '', credentials: { accessKeyId: origin.credentials.accessKeyId, secretAccessKey: 'wrong' }, region: 'us-east-1', service: 's3' });
          const res = await request(url, { headers });
          await res.body.text();
          r = { status: res.statusCode, requestId: String(res.headers['x-amz-request-id']) };
          e = { operation: 'REST.GET.OBJECT', errorCode: 'SignatureDoesNotMatch', key: 'fixed.txt', requester: '-', authType: '-' };
          break;
        }
        default:
          r = await signed('GET', '/logged?list-type=2&max-keys=1');
          e = { operation: 'REST.GET.BUCKET', errorCode: '-', key: '-', requester: 'user', authType: 'AuthHeader' };
      }
      expected.set(r.requestId, { ...e, status: r.status });
    }
    const statuses = new Set([...expected.values()].map((e) => e.status));
    expect([...statuses].sort()).toEqual([200, 204, 206, 304, 403, 404]);

    const { keys, records } = await waitForRecords(origin.s3, 'logs', 'mixed/', expected.keys());
    for (const k of keys) expect(k).toMatch(/^mixed\/\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9A-F]{16}$/);
    const byId = new Map(records.map((r) => [r.requestId, r]));
    // Each request exactly once.
    expect(records.filter((r) => expected.has(r.requestId)).length).toBe(1000);
    for (const [id, e] of expected) {
      const rec = byId.get(id)!;
      expect(rec.bucketOwner).toBe(owner);
      expect(rec.bucket).toBe('logged');
      expect(rec.time).toMatch(/^\[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000\]$/);
      expect(rec.remoteIp).toBe('127.0.0.1');
      expect(rec.requester).toBe(e.requester === 'user' ? owner : '-');
      expect(rec.operation).toBe(e.operation);
      expect(rec.key).toBe(e.key);
      expect(rec.requestUri).toMatch(/^"(GET|PUT|HEAD|DELETE) \/logged[^ ]* HTTP\/1\.1"$/);
      expect(Number(rec.status)).toBe(e.status);
      expect(rec.errorCode).toBe(e.errorCode);
      if (e.bytesSent !== undefined) expect(rec.bytesSent).toBe(e.bytesSent);
      if (e.objectSize !== undefined) expect([e.operation, e.status, rec.objectSize]).toEqual([e.operation, e.status, e.objectSize]);
      expect(rec.totalTime).toMatch(/^\d+$/);
      expect(rec.hostId).toBe(String(fixed.headers['x-amz-id-2']));
      expect(rec.signatureVersion).toBe(e.authType === 'AuthHeader' ? 'SigV4' : '-');
      expect(rec.authType).toBe(e.authType);
      expect(rec.hostHeader).toBe(new URL(origin.url).host);
      expect([rec.versionId, rec.cipherSuite, rec.tlsVersion, rec.accessPointArn, rec.aclRequired]).toEqual(['-', '-', '-', '-', '-']);
    }
    // Writing the log objects is not itself logged: no record names the log bucket.
    expect(records.every((r) => r.bucket === 'logged')).toBe(true);
  }, 300_000);

  it('PartitionedPrefix keys: prefix, owner, region, source bucket, date folders', async () => {
    await origin.s3.send(
      new PutBucketLoggingCommand({
        Bucket: 'other',
        BucketLoggingStatus: { LoggingEnabled: { TargetBucket: 'logs', TargetPrefix: 'part/', TargetObjectKeyFormat: { PartitionedPrefix: { PartitionDateSource: 'DeliveryTime' } } } },
      }),
    );
    const r = await signed('GET', '/other/none');
    expect(r.status).toBe(404);
    const { keys } = await waitForRecords(origin.s3, 'logs', 'part/', [r.requestId]);
    expect(keys[0]).toMatch(/^part\/[0-9a-f]{64}\/us-east-1\/other\/\d{4}\/\d{2}\/\d{2}\/\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9A-F]{16}$/);
  });
});

describe('server access logging across a crash', () => {
  const credentials = makeTestCredentials();
  const env = { BUCKETFRONT_ACCESS_KEY_ID: credentials.accessKeyId, BUCKETFRONT_SECRET_ACCESS_KEY: credentials.secretAccessKey };
  let tmp: TempDir | undefined;
  let child: OriginProcess | undefined;
  afterAll(async () => {
    await child?.kill();
    await tmp?.cleanup();
  });

  /** Request ids of the records in the spool (the fs store's outbox partition s3log.node-a, read beside the running origin). */
  async function spooledIds(dataDir: string): Promise<Set<string>> {
    const out = new Set<string>();
    for (const batch of await readFsOutboxFiles(dataDir, 's3log.node-a')) {
      for (const r of batch.records) out.add(parseLogLine((JSON.parse(r) as { l: string }).l).requestId);
    }
    return out;
  }

  it('records spooled before a SIGKILL are delivered after the restart, none lost', async () => {
    tmp = await makeTempDir('bucketfront-accesslog-crash-');
    // Delivery never runs in the first process: every record is still in the spool at the kill.
    child = await startOriginProcess(tmp.path, env, ['--server-access-logs', JSON.stringify({ nodeId: 'node-a', flushIntervalMs: 3_600_000 })]);
    let s3 = makeS3Client(child.url, credentials);
    await s3.send(new CreateBucketCommand({ Bucket: 'src' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'dst' }));
    await s3.send(new PutBucketLoggingCommand({ Bucket: 'src', BucketLoggingStatus: { LoggingEnabled: { TargetBucket: 'dst', TargetPrefix: 'crash/' } } }));
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await request(`${child.url}/src/key-${i}`);
      await res.body.text();
      expect(res.statusCode).toBe(403);
      ids.push(String(res.headers['x-amz-request-id']));
    }
    // Killed once every record is in the durable spool (the fs driver's outbox files of partition s3log.node-a).
    for (;;) {
      const spooled = await spooledIds(tmp.path);
      if (ids.every((id) => spooled.has(id))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'dst' }))).KeyCount).toBe(0);
    s3.destroy();
    await child.kill();

    child = await startOriginProcess(tmp.path, env, ['--server-access-logs', JSON.stringify({ nodeId: 'node-a', flushIntervalMs: 200 })]);
    s3 = makeS3Client(child.url, credentials);
    const { records } = await waitForRecords(s3, 'dst', 'crash/', ids);
    for (const id of ids) expect(records.filter((r) => r.requestId === id)).toHaveLength(1);
    expect(records.filter((r) => ids.includes(r.requestId)).every((r) => r.status === '403' && r.errorCode === 'AccessDenied' && r.requester === '-')).toBe(true);
    s3.destroy();
  }, 300_000);
});

describe.skipIf(!hasAwsCli())('aws s3api put-bucket-logging / get-bucket-logging', () => {
  let origin: TestOrigin;
  beforeAll(async () => {
    origin = await startTestOrigin({ serverAccessLogs: { flushIntervalMs: 200 } });
  });
  afterAll(() => origin?.stop());
  const aws = (args: string[]) => runAws(args, { endpointUrl: origin.url, credentials: origin.credentials, timeoutMs: 120_000 });

  it('enables, reads back, logs a listing, rejects a missing target, disables', async () => {
    for (const b of ['cli-src', 'cli-logs']) expect((await aws(['s3api', 'create-bucket', '--bucket', b])).code).toBe(0);
    const status = JSON.stringify({ LoggingEnabled: { TargetBucket: 'cli-logs', TargetPrefix: 'cli/', TargetObjectKeyFormat: { SimplePrefix: {} } } });
    const put = await aws(['s3api', 'put-bucket-logging', '--bucket', 'cli-src', '--bucket-logging-status', status]);
    expect(put.stderr).toBe('');
    const got = await aws(['s3api', 'get-bucket-logging', '--bucket', 'cli-src']);
    expect(JSON.parse(got.stdout)).toEqual({ LoggingEnabled: { TargetBucket: 'cli-logs', TargetPrefix: 'cli/', TargetObjectKeyFormat: { SimplePrefix: {} } } });

    const ls = await aws(['s3api', 'list-objects-v2', '--bucket', 'cli-src', '--debug']);
    expect(ls.code).toBe(0);
    const id = /x-amz-request-id['"]?: ['"]?([0-9A-F]{16})/.exec(ls.stderr)![1]!;
    const { records } = await waitForRecords(origin.s3, 'cli-logs', 'cli/', [id]);
    const rec = records.find((r) => r.requestId === id)!;
    expect([rec.operation, rec.status, rec.userAgent.startsWith('"aws-cli/')]).toEqual(['REST.GET.BUCKET', '200', true]);

    const bad = await aws(['s3api', 'put-bucket-logging', '--bucket', 'cli-src', '--bucket-logging-status', JSON.stringify({ LoggingEnabled: { TargetBucket: 'nope', TargetPrefix: 'x/' } })]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('InvalidTargetBucketForLogging');

    expect((await aws(['s3api', 'put-bucket-logging', '--bucket', 'cli-src', '--bucket-logging-status', '{}'])).code).toBe(0);
    expect((await aws(['s3api', 'get-bucket-logging', '--bucket', 'cli-src'])).stdout.trim()).toBe('');
  }, 300_000);
});
