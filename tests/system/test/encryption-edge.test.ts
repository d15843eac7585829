/**
 * Encrypted objects through the whole stack: the origin's website endpoint decrypts SSE-S3 and
 * SSE-KMS objects and the edge caches them like any other (docs/encryption.md#website-and-edge);
 * a KMS key disabled later stops what the edge has not cached yet.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { openKeyService } from '@bucketfront/object-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SITE, http, startStack, type Stack } from './fixture.js';

describe('encrypted objects through the website endpoint and the edge', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.close();
  });

  it('SSE-S3 and SSE-KMS objects are served decrypted, then from the edge cache', async () => {
    const body = 'encrypted at rest, plain on the wire. '.repeat(2000);
    await stack.s3.send(new PutObjectCommand({ Bucket: SITE, Key: 'sse-s3.txt', Body: body, ContentType: 'text/plain', ServerSideEncryption: 'AES256' }));
    await stack.s3.send(new PutObjectCommand({ Bucket: SITE, Key: 'sse-kms.txt', Body: body, ContentType: 'text/plain', ServerSideEncryption: 'aws:kms' }));
    for (const key of ['sse-s3.txt', 'sse-kms.txt']) {
      const first = await http(`${stack.edgeUrl}/${key}`);
      expect([first.status, first.body === body, first.headers['x-cache']]).toEqual([200, true, 'Miss from cloudfront']);
      const second = await http(`${stack.edgeUrl}/${key}`);
      expect([second.status, second.body === body, second.headers['x-cache']]).toEqual([200, true, 'Hit from cloudfront']);
    }
  });

  it('an object under a disabled KMS key is not served (the edge gets the origin error, not bytes)', async () => {
    const svc = await openKeyService(`fs:${stack.dataDir}`);
    const key = await svc.keys.createKey({ alias: 'alias/edge-test' });
    await stack.s3.send(new PutObjectCommand({ Bucket: SITE, Key: 'disabled.txt', Body: 'soon unreadable', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key.keyId }));
    await svc.keys.setKeyState(key.keyId, 'Disabled');
    // Another process disabled it: the origin notices within its 2 s key-store refresh.
    await new Promise((r) => setTimeout(r, 2100));
    const res = await http(`${stack.edgeUrl}/disabled.txt`);
    expect(res.status).toBe(403);
    expect(res.body).not.toContain('soon unreadable');
    await svc.close();
  });
});
