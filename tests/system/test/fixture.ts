/**
 * A whole stack for system tests: an origin (S3 API + website port) with a
 * public website bucket and a private bucket holding a secret, and an edge
 * whose single distribution fronts the public bucket's website endpoint.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, PutBucketPolicyCommand, PutBucketWebsiteCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { request, type Dispatcher } from 'undici';
import { startEdge } from '@bucketfront/edge';
import { signRequest } from '@bucketfront/sigv4';
import { makeTempDir, publicReadPolicy, testEdgeOptions, type TempDir } from '@bucketfront/test-support';
import { startTestOrigin, type OriginAccessLogEntry, type TestOrigin } from '@bucketfront/origin/testing';

export const SITE = 'site';
export const SECRET_BUCKET = 'secret-b';
export const SECRET = 'TOP-SECRET-CONTENT-7f3a';
export const SITE_HOST = `${SITE}.s3-website-us-east-1.localhost`;
export const DISTRIBUTION_ID = 'ESYSTEM000000001';

export interface Stack {
  temp: TempDir;
  /** The origin's data directory, nested (10 levels) so that `../` escapes stay inside `temp`. */
  dataDir: string;
  origin: TestOrigin;
  s3: S3Client;
  edgeUrl: string;
  edgePort: number;
  controlUrl: string;
  controlPort: number;
  close(): Promise<void>;
}

export interface HttpResult {
  status: number;
  headers: Dispatcher.ResponseData['headers'];
  body: string;
}

export async function http(url: string, opts: { method?: Dispatcher.HttpMethod; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<HttpResult> {
  const res = await request(url, { method: opts.method ?? 'GET', headers: opts.headers, body: opts.body });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

/** A request signed with SigV4 by our own signer (so tests can tamper with it). */
export async function signedHttp(
  stack: Stack,
  method: Dispatcher.HttpMethod,
  url: string,
  opts: { body?: string; headers?: Record<string, string>; service?: string; credentials?: { accessKeyId: string; secretAccessKey: string } } = {},
): Promise<HttpResult> {
  const headers = signRequest({
    method,
    url,
    headers: opts.headers,
    body: opts.body,
    credentials: opts.credentials ?? stack.origin.credentials,
    region: 'us-east-1',
    service: opts.service ?? 's3',
  });
  return http(url, { method, headers: { ...opts.headers, ...headers }, body: opts.body });
}

export async function startStack(opts: { accessLog?: (entry: OriginAccessLogEntry) => void } = {}): Promise<Stack> {
  const temp = await makeTempDir('bucketfront-system-');
  // Deeper than the longest traversal any test sends (8 × `../` from a bucket directory), so
  // every escape lands on a sentinel inside `temp`, never on a real system file.
  const dataDir = join(temp.path, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'data');
  await mkdir(dataDir, { recursive: true });
  const origin = await startTestOrigin({ websitePort: true, dataDir, ...(opts.accessLog ? { accessLog: opts.accessLog } : {}) });
  const s3 = origin.s3;
  await s3.send(new CreateBucketCommand({ Bucket: SITE }));
  await s3.send(new CreateBucketCommand({ Bucket: SECRET_BUCKET }));
  await s3.send(
    new PutBucketWebsiteCommand({
      Bucket: SITE,
      WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: 'error.html' } },
    }),
  );
  await s3.send(new PutBucketPolicyCommand({ Bucket: SITE, Policy: publicReadPolicy(SITE, { list: true }) }));
  const put = (Bucket: string, Key: string, Body: string, ContentType = 'text/html', CacheControl?: string) => s3.send(new PutObjectCommand({ Bucket, Key, Body, ContentType, CacheControl }));
  await put(SITE, 'index.html', '<h1>home</h1>');
  await put(SITE, 'error.html', '<h1>error page</h1>');
  await put(SITE, 'docs/index.html', '<h1>docs</h1>');
  await put(SITE, 'big.txt', 'x'.repeat(64 * 1024), 'text/plain');
  await put(SECRET_BUCKET, 'secret.txt', SECRET, 'text/plain');
  await put(SECRET_BUCKET, 'index.html', SECRET);

  const edge = await startEdge({
    config: {
      pop: 'TEST1-P1',
      distributions: [
        {
          id: DISTRIBUTION_ID,
          aliases: [],
          origins: [{ id: 'site', url: origin.url, hostHeader: SITE_HOST, connectionAttempts: 1, connectionTimeout: 2, responseTimeout: 2 }],
          defaultCacheBehavior: { targetOriginId: 'site', minTTL: 0, defaultTTL: 60, maxTTL: 3600, compress: true },
        },
      ],
    },
    ...testEdgeOptions(origin.credentials),
  });
  return {
    temp,
    dataDir,
    origin,
    s3,
    edgeUrl: edge.url,
    edgePort: edge.port,
    controlUrl: edge.controlUrl,
    controlPort: edge.controlPort,
    async close() {
      await edge.close();
      await origin.stop();
      await temp.cleanup();
    },
  };
}
