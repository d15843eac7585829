/**
 * Default bucket encryption (PutBucketEncryption, GetBucketEncryption, DeleteBucketEncryption)
 * against the real origin, with the AWS SDK v3 and signed raw requests; loadBucketEncryption
 * over the store an origin writes to. Expectations follow the AWS API reference and the
 * bucket_encryption tests of ceph/s3-tests (docs/encryption.md#default-bucket-encryption).
 */
import { createHash } from 'node:crypto';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketEncryptionCommand,
  GetBucketEncryptionCommand,
  PutBucketEncryptionCommand,
  S3Client,
  type ServerSideEncryptionConfiguration,
} from '@aws-sdk/client-s3';
import { signRequest } from '@bucketfront/sigv4';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBucketEncryption } from '../src/bucket-documents.js';
import { startS3Backend, type S3Backend } from './s3-backend.js';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';
import { s3ErrorOf } from '@bucketfront/test-support';

const SSE_S3: ServerSideEncryptionConfiguration = { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] };
const SSE_KMS: ServerSideEncryptionConfiguration = {
  Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd' }, BucketKeyEnabled: true }],
};

describe('default bucket encryption over the SDK', () => {
  let origin: TestOrigin;
  let s3: S3Client;
  const bucket = 'enc-sdk';
  const get = (Bucket = bucket) => s3.send(new GetBucketEncryptionCommand({ Bucket }));
  const put = (ServerSideEncryptionConfiguration: ServerSideEncryptionConfiguration, Bucket = bucket) => s3.send(new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration }));

  /** A signed raw request (a body the SDK would never build). */
  async function signed(method: 'PUT' | 'GET' | 'DELETE', body?: string, headers: Record<string, string> = {}) {
    const url = `${origin.url}/${bucket}?encryption`;
    const auth = signRequest({ method, url, headers, body: body ?? '', credentials: origin.credentials, region: 'us-east-1', service: 's3' });
    const res = await request(url, { method, headers: { ...headers, ...auth }, body });
    return { status: res.statusCode, text: await res.body.text() };
  }

  beforeAll(async () => {
    origin = await startTestOrigin();
    s3 = origin.s3;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    await origin?.stop();
  });

  it('Get before any Put → 404 ServerSideEncryptionConfigurationNotFoundError', async () => {
    const none = await s3ErrorOf(get());
    expect(none.name).toBe('ServerSideEncryptionConfigurationNotFoundError');
    expect(none.message).toBe('The server side encryption configuration was not found');
    expect(none.$metadata.httpStatusCode).toBe(404);
  });

  it('Put → 200; Get gives it back (BucketKeyEnabled false when not sent); a second Put replaces it', async () => {
    expect((await put(SSE_S3)).$metadata.httpStatusCode).toBe(200);
    const got = await get();
    expect(got.$metadata.httpStatusCode).toBe(200);
    expect(got.ServerSideEncryptionConfiguration).toEqual({ Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }] });

    expect((await put(SSE_KMS)).$metadata.httpStatusCode).toBe(200);
    expect((await get()).ServerSideEncryptionConfiguration).toEqual(SSE_KMS);

    const dsse: ServerSideEncryptionConfiguration = { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms:dsse' }, BucketKeyEnabled: false }] };
    await put(dsse);
    expect((await get()).ServerSideEncryptionConfiguration).toEqual(dsse);
  });

  it('Delete → 204, then Get → 404; Delete again is still 204', async () => {
    await put(SSE_S3);
    expect((await s3.send(new DeleteBucketEncryptionCommand({ Bucket: bucket }))).$metadata.httpStatusCode).toBe(204);
    const none = await s3ErrorOf(get());
    expect(none.name).toBe('ServerSideEncryptionConfigurationNotFoundError');
    expect(none.$metadata.httpStatusCode).toBe(404);
    expect((await s3.send(new DeleteBucketEncryptionCommand({ Bucket: bucket }))).$metadata.httpStatusCode).toBe(204);
  });

  it('invalid configurations are refused with S3 codes and change nothing', async () => {
    await put(SSE_KMS);
    const cases: [ServerSideEncryptionConfiguration, string][] = [
      [{ Rules: [] }, 'MalformedXML'],
      [{ Rules: [...(SSE_S3.Rules ?? []), ...(SSE_KMS.Rules ?? [])] }, 'MalformedXML'],
      [{ Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES512' as 'AES256' } }] }, 'MalformedXML'],
      [{ Rules: [{ BucketKeyEnabled: true }] }, 'MalformedXML'],
      [{ Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256', KMSMasterKeyID: 'k' } }] }, 'InvalidArgument'],
    ];
    for (const [config, code] of cases) {
      const err = await s3ErrorOf(put(config));
      expect(err.name, JSON.stringify(config)).toBe(code);
      expect(err.$metadata.httpStatusCode).toBe(400);
    }
    expect((await get()).ServerSideEncryptionConfiguration).toEqual(SSE_KMS);
  });

  it('malformed XML → 400 MalformedXML and nothing stored; an empty body → MissingRequestBodyError', async () => {
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: bucket }));
    const bodies = [
      '<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></Rule></ServerSideEncryptionConfiguration>',
      '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}',
      '<!DOCTYPE x [<!ENTITY a "AES256">]><ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>&a;</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>',
    ];
    for (const body of bodies) {
      const res = await signed('PUT', body);
      expect(res.status, body).toBe(400);
      expect(res.text).toContain('<Code>MalformedXML</Code>');
    }
    const empty = await signed('PUT', '');
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('<Code>MissingRequestBodyError</Code>');
    expect((await s3ErrorOf(get())).name).toBe('ServerSideEncryptionConfigurationNotFoundError');
  });

  it('Content-MD5 is checked when sent: a mismatch is BadDigest and stores nothing', async () => {
    const body =
      '<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>';
    const md5 = (s: string) => createHash('md5').update(s).digest('base64');
    const bad = await signed('PUT', body, { 'content-md5': md5('something else') });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('<Code>BadDigest</Code>');
    expect((await s3ErrorOf(get())).name).toBe('ServerSideEncryptionConfigurationNotFoundError');
    const good = await signed('PUT', body, { 'content-md5': md5(body) });
    expect(good.status).toBe(200);
    const got = await signed('GET');
    expect(got.status).toBe(200);
    expect(got.text).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>',
    );
  });

  it('anonymous callers get 403 AccessDenied for all three, and change nothing', async () => {
    await put(SSE_S3);
    for (const [method, body] of [
      ['GET', undefined],
      [
        'PUT',
        '<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>',
      ],
      ['DELETE', undefined],
    ] as const) {
      const res = await request(`${origin.url}/${bucket}?encryption`, { method, body });
      expect(res.statusCode, method).toBe(403);
      expect(await res.body.text()).toContain('<Code>AccessDenied</Code>');
    }
    expect((await get()).ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('AES256');
  });

  it('a missing bucket is NoSuchBucket for all three (before the body is validated)', async () => {
    expect((await s3ErrorOf(get('enc-missing'))).name).toBe('NoSuchBucket');
    expect((await s3ErrorOf(put({ Rules: [] }, 'enc-missing'))).name).toBe('NoSuchBucket');
    expect((await s3ErrorOf(s3.send(new DeleteBucketEncryptionCommand({ Bucket: 'enc-missing' })))).name).toBe('NoSuchBucket');
  });

  it('goes with the bucket: a bucket deleted and created again has none', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'enc-reborn' }));
    await put(SSE_KMS, 'enc-reborn');
    await s3.send(new DeleteBucketCommand({ Bucket: 'enc-reborn' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'enc-reborn' }));
    expect((await s3ErrorOf(get('enc-reborn'))).name).toBe('ServerSideEncryptionConfigurationNotFoundError');
  });
});

describe('loadBucketEncryption', () => {
  let backend: S3Backend;
  let s3: S3Client;
  beforeAll(async () => {
    backend = await startS3Backend();
    s3 = new S3Client({ endpoint: backend.endpoint, region: 'us-east-1', credentials: backend.credentials, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'enc-load' }));
  });
  afterAll(async () => {
    s3?.destroy();
    await backend?.close();
  });

  it('null without a configuration, the rule PutBucketEncryption stored, null again after Delete', async () => {
    expect(await loadBucketEncryption(backend.store, 'enc-load')).toBeNull();
    await s3.send(new PutBucketEncryptionCommand({ Bucket: 'enc-load', ServerSideEncryptionConfiguration: SSE_KMS }));
    expect(await loadBucketEncryption(backend.store, 'enc-load')).toEqual({ sseAlgorithm: 'aws:kms', kmsMasterKeyId: 'arn:aws:kms:us-east-1:111122223333:key/1234abcd', bucketKeyEnabled: true });
    await s3.send(new PutBucketEncryptionCommand({ Bucket: 'enc-load', ServerSideEncryptionConfiguration: SSE_S3 }));
    expect(await loadBucketEncryption(backend.store, 'enc-load')).toEqual({ sseAlgorithm: 'AES256', bucketKeyEnabled: false });
    await s3.send(new DeleteBucketEncryptionCommand({ Bucket: 'enc-load' }));
    expect(await loadBucketEncryption(backend.store, 'enc-load')).toBeNull();
  });

  it('fails closed on a stored document that no longer parses; NoSuchBucket for a missing bucket', async () => {
    await backend.store.putBucketConfig('enc-load', 'encryption', '<ServerSideEncryptionConfiguration/>');
    await expect(loadBucketEncryption(backend.store, 'enc-load')).rejects.toMatchObject({ code: 'InternalError' });
    await backend.store.putBucketConfig('enc-load', 'encryption', null);
    await expect(loadBucketEncryption(backend.store, 'enc-missing')).rejects.toMatchObject({ code: 'NoSuchBucket' });
  });
});
