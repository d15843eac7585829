/**
 * A lean PutObject for small bodies against an explicit S3 endpoint (path-style):
 * one SigV4-signed `PUT /bucket/key` over the keep-alive agent.
 *
 * Why: the SDK's middleware stack costs ~2 ms of CPU per request, a raw signed request
 * ~0.5 ms (measured with 500 × 2.5 KB PUTs against our origin). For thousands of small
 * files on a machine shared with the server, that CPU is the difference.
 * Anything but a 2xx answer is retried once through the SDK, which then reports the
 * error (with its code) or handles whatever the fast path does not (redirects…).
 * Real AWS (no --endpoint-url) always goes through the SDK.
 */
import http from 'node:http';
import https from 'node:https';
import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { signRequest } from '@bucketfront/sigv4';

export interface FastPutParams {
  bucket: string;
  key: string;
  body: Buffer;
  md5: Buffer;
  contentType?: string;
  cacheControl?: string;
  acl?: string;
}

export type FastPut = (p: FastPutParams) => Promise<'ok' | 'fallback'>;

/** RFC 3986 encoding of each key segment, as the SDK sends S3 keys. */
export function encodeS3Key(key: string): string {
  return key
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

export function makeFastPut(s3: S3Client, endpoint: string, maxSockets: number): FastPut {
  const base = new URL(endpoint);
  const isHttps = base.protocol === 'https:';
  const agent = isHttps ? new https.Agent({ keepAlive: true, maxSockets }) : new http.Agent({ keepAlive: true, maxSockets });
  const basePath = base.pathname.replace(/\/+$/, '');
  const origin = `${base.protocol}//${base.host}`;
  const request = isHttps ? https.request : http.request;

  return async (p) => {
    const credentials = await s3.config.credentials();
    const region = await s3.config.region();
    const path = `${basePath}/${p.bucket}/${encodeS3Key(p.key)}`;
    const url = `${origin}${path}`;
    const headers: Record<string, string> = {
      'content-length': String(p.body.length),
      'content-md5': p.md5.toString('base64'),
      'content-type': p.contentType ?? 'binary/octet-stream',
    };
    if (p.cacheControl !== undefined) headers['cache-control'] = p.cacheControl;
    if (p.acl) headers['x-amz-acl'] = p.acl;
    const signed = signRequest({
      method: 'PUT',
      url,
      credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken },
      region,
      service: 's3',
      headers,
      payloadHash: createHash('sha256').update(p.body).digest('hex'),
    });
    return new Promise((resolve, reject) => {
      const req = request(url, { method: 'PUT', agent, headers: { ...headers, ...signed, 'user-agent': 'bucketfront/0.1.0' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300 ? 'ok' : 'fallback'));
        res.on('error', reject);
      });
      req.setTimeout(120_000, () => req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(p.body);
    });
  };
}
