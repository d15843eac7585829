/**
 * README's "Limits and deliberate deviations" names operations bucketfront does not implement and
 * what each answers (`Op` → `STATUS Code-or-description`). This test reads that list and asks a live
 * origin, with the AWS SDK v3, each operation: the list and the origin must agree. An operation in
 * the list without a request here fails the test (add one).
 */
import { readFileSync } from 'node:fs';
import {
  CreateBucketCommand,
  GetBucketAccelerateConfigurationCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketReplicationCommand,
  GetBucketRequestPaymentCommand,
  GetBucketTaggingCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  ListBucketAnalyticsConfigurationsCommand,
  ListBucketIntelligentTieringConfigurationsCommand,
  ListBucketInventoryConfigurationsCommand,
  ListBucketMetricsConfigurationsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketReplicationCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectLockConfigurationCommand,
  PutObjectRetentionCommand,
  RestoreObjectCommand,
  S3ServiceException,
  SelectObjectContentCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

const Bucket = 'deviations';
const Key = 'k';

/** One request per operation the README may name; resolves to the response's output. */
const REQUESTS: Record<string, (s3: S3Client) => Promise<object>> = {
  GetBucketTagging: (s3) => s3.send(new GetBucketTaggingCommand({ Bucket })),
  GetBucketLifecycleConfiguration: (s3) => s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket })),
  GetBucketReplication: (s3) => s3.send(new GetBucketReplicationCommand({ Bucket })),
  GetObjectLockConfiguration: (s3) => s3.send(new GetObjectLockConfigurationCommand({ Bucket })),
  GetObjectRetention: (s3) => s3.send(new GetObjectRetentionCommand({ Bucket, Key })),
  GetObjectLegalHold: (s3) => s3.send(new GetObjectLegalHoldCommand({ Bucket, Key })),
  PutObjectRetention: (s3) => s3.send(new PutObjectRetentionCommand({ Bucket, Key, Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date(Date.now() + 86_400_000) } })),
  PutObjectLegalHold: (s3) => s3.send(new PutObjectLegalHoldCommand({ Bucket, Key, LegalHold: { Status: 'ON' } })),
  GetBucketRequestPayment: (s3) => s3.send(new GetBucketRequestPaymentCommand({ Bucket })),
  GetBucketAccelerateConfiguration: (s3) => s3.send(new GetBucketAccelerateConfigurationCommand({ Bucket })),
  ListBucketAnalyticsConfigurations: (s3) => s3.send(new ListBucketAnalyticsConfigurationsCommand({ Bucket })),
  ListBucketMetricsConfigurations: (s3) => s3.send(new ListBucketMetricsConfigurationsCommand({ Bucket })),
  ListBucketInventoryConfigurations: (s3) => s3.send(new ListBucketInventoryConfigurationsCommand({ Bucket })),
  ListBucketIntelligentTieringConfigurations: (s3) => s3.send(new ListBucketIntelligentTieringConfigurationsCommand({ Bucket })),
  PutBucketTagging: (s3) => s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] } })),
  PutBucketLifecycleConfiguration: (s3) =>
    s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: [{ ID: 'r', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 1 } }] } })),
  PutBucketReplication: (s3) =>
    s3.send(
      new PutBucketReplicationCommand({ Bucket, ReplicationConfiguration: { Role: 'arn:aws:iam::1:role/r', Rules: [{ Status: 'Enabled', Destination: { Bucket: 'arn:aws:s3:::x' }, Prefix: '' }] } }),
    ),
  PutObjectLockConfiguration: (s3) => s3.send(new PutObjectLockConfigurationCommand({ Bucket, ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } })),
  SelectObjectContent: (s3) =>
    s3.send(new SelectObjectContentCommand({ Bucket, Key, Expression: 'select * from s3object', ExpressionType: 'SQL', InputSerialization: { CSV: {} }, OutputSerialization: { CSV: {} } })),
  RestoreObject: (s3) => s3.send(new RestoreObjectCommand({ Bucket, Key, RestoreRequest: { Days: 1 } })),
};

/** `Op` → `STATUS rest` pairs of the README's deviations section. */
function listedAnswers(): { op: string; status: number; rest: string }[] {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('## Limits and deliberate deviations');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const out: { op: string; status: number; rest: string }[] = [];
  for (const m of section.replace(/\s+/g, ' ').matchAll(/`([A-Z][A-Za-z]+)` → `(\d{3}) ([^`]+)`/g)) out.push({ op: m[1]!, status: Number(m[2]), rest: m[3]! });
  return out;
}

let origin: TestOrigin;
beforeAll(async () => {
  origin = await startTestOrigin();
  await origin.s3.send(new CreateBucketCommand({ Bucket }));
  await origin.s3.send(new PutObjectCommand({ Bucket, Key, Body: 'x' }));
});
afterAll(async () => {
  await origin?.stop();
});

describe("README's deviations list matches the live origin", () => {
  const entries = listedAnswers();
  it('the list names operations', () => {
    expect(entries.length).toBeGreaterThan(10);
  });
  it.each(entries)('$op → $status $rest', async ({ op, status, rest }) => {
    const send = REQUESTS[op];
    expect(send, `no request for ${op} in this test`).toBeDefined();
    let got: { status: number; code?: string; output?: object };
    try {
      const output = await send!(origin.s3);
      got = { status: 200, output };
    } catch (err) {
      if (!(err instanceof S3ServiceException)) throw err;
      got = { status: err.$metadata.httpStatusCode ?? 0, code: err.name };
    }
    expect(got.status).toBe(status);
    if (status >= 300) expect(got.code).toBe(rest);
    else if (rest === 'Payer BucketOwner') expect(got.output).toMatchObject({ Payer: 'BucketOwner' });
    else expect(rest).toBe('empty');
  });
});
