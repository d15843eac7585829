// AWS SDK v3 helpers: a keep-alive S3 client, presigned URLs, a fixed-duration
// load loop with N concurrent workers, and a streaming upload of a file to a presigned URL.

import http from 'node:http';
import https from 'node:https';
import { createReadStream, statSync } from 'node:fs';
import { S3Client, PutObjectCommand, GetObjectCommand, CreateBucketCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export function s3Client({ endpoint, credentials, maxSockets = 64 }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
    // Same for both servers: s3rver 3.7.1 knows no flexible checksums / aws-chunked trailers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({ httpAgent: agent, connectionTimeout: 10000, requestTimeout: 120000 }),
    maxAttempts: 1,
  });
}

export async function createBucket(client, Bucket) {
  try {
    await client.send(new CreateBucketCommand({ Bucket }));
  } catch (e) {
    if (!/BucketAlready(OwnedByYou|Exists)/.test(e.name)) throw e;
  }
}

export async function putObject(client, Bucket, Key, Body) {
  return client.send(new PutObjectCommand({ Bucket, Key, Body }));
}

export async function presign(client, method, Bucket, Key, expiresIn = 3600) {
  const cmd = method === 'PUT' ? new PutObjectCommand({ Bucket, Key }) : new GetObjectCommand({ Bucket, Key });
  return getSignedUrl(client, cmd, { expiresIn });
}

/**
 * Run `op(workerIndex, seq)` in `concurrency` loops for `durationMs`.
 * Returns {ops, errors, ms, opsPerSec, p50ms, p99ms, firstError}.
 */
export async function loadLoop({ concurrency, durationMs, op }) {
  const lat = [];
  let ops = 0,
    errors = 0,
    firstError = null;
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      let seq = 0;
      while (performance.now() < deadline) {
        const s = performance.now();
        try {
          await op(w, seq++);
          ops++;
          lat.push(performance.now() - s);
        } catch (e) {
          errors++;
          firstError ??= `${e.name}: ${e.message}`.slice(0, 300);
          if (errors > 50 && errors > ops) break; // the server is failing: stop early
        }
      }
    }),
  );
  const ms = performance.now() - t0;
  lat.sort((a, b) => a - b);
  const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : null);
  return { ops, errors, ms, opsPerSec: ops / (ms / 1000), p50ms: q(0.5), p99ms: q(0.99), firstError };
}

/** PUT a file to a presigned URL, streaming; resolves {status, ms, bytes, body}. */
export function putFileToUrl(url, file, timeoutMs = 60000) {
  const size = statSync(file).size;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(url, { method: 'PUT', headers: { 'content-length': size }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        if (body.length < 4000) body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - t0, bytes: size, body }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`PUT ${size} bytes: no progress for ${timeoutMs} ms`)));
    req.on('error', reject);
    createReadStream(file, { highWaterMark: 1 << 20 }).pipe(req);
  });
}

/**
 * GET a URL fully (keep-alive off); resolves {status, headers, body: Buffer, ms}. An https: URL is
 * fetched without verifying the certificate (the benchmarks' self-signed ones, like wrk).
 */
export function httpGet(url, { headers = {}, agent = false, timeoutMs = 10000 } = {}) {
  const tls = String(url).startsWith('https:');
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = (tls ? https : http).get(url, { headers, agent, ...(tls ? { rejectUnauthorized: false } : {}) }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), ms: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}
