/**
 * An origin on the s3 driver whose backend fails under it (here the backend is another
 * bucketfront origin, reached through a TCP relay the test can cut or silence):
 * - at start-up, an unreachable backend is one clear error naming the URL;
 * - a backend that dies while serving gives S3 503s at once, never a hang or a crash;
 * - a backend that accepts connections but never answers gives 503 within the store's timeout;
 * - when the backend returns, the node serves again by itself.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { StoreSpecError } from '@bucketfront/object-store';
import { startOrigin, type RunningOrigin } from '@bucketfront/origin';
import { makeTestCredentials } from '@bucketfront/test-support';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';

type Mode = 'relay' | 'refuse' | 'silent';

/** A TCP relay to `target`: 'relay' forwards, 'refuse' resets every connection, 'silent' accepts and never answers. */
async function startRelay(target: () => number): Promise<{ url: string; mode: Mode; cutAll(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const relay = { mode: 'relay' as Mode };
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    if (relay.mode === 'refuse') return void client.resetAndDestroy();
    if (relay.mode === 'silent') return; // read nothing, say nothing
    const upstream = connect(target(), '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return Object.assign(relay, {
    url: `http://127.0.0.1:${port}`,
    cutAll: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  });
}

let backend: TestOrigin | undefined;
let node: RunningOrigin | undefined;
let s3: S3Client | undefined;
let relay: Awaited<ReturnType<typeof startRelay>> | undefined;
afterAll(async () => {
  s3?.destroy();
  await node?.close();
  await relay?.close();
  await backend?.stop();
});

describe('an origin on the s3 driver when its backend fails', () => {
  it('an unreachable backend at start-up is one clear line naming the URL', async () => {
    const err = await startOrigin({
      store: 's3:http://127.0.0.1:9?bucketPrefix=x-',
      storeCredentials: makeTestCredentials(),
      port: 0,
      accessLog: false,
    }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(StoreSpecError);
    expect(err!.message).toContain('http://127.0.0.1:9');
    expect(err!.message).not.toContain('\n');
  });

  it('503 while the backend is down or silent, never a hang; serves again once it is back', async () => {
    backend = await startTestOrigin();
    relay = await startRelay(() => backend!.port);
    const credentials = makeTestCredentials();
    node = await startOrigin({
      store: `s3:${relay.url}?bucketPrefix=out-&timeoutMs=1500`,
      storeCredentials: backend.credentials,
      credentials,
      port: 0,
      websitePort: 0,
      accessLog: false,
    });
    // One attempt: what the node answers, not the SDK's retries.
    s3 = new S3Client({ endpoint: node.url, region: 'us-east-1', credentials, forcePathStyle: true, maxAttempts: 1 });
    await s3.send(new CreateBucketCommand({ Bucket: 'bkt' }));
    await s3.send(new PutObjectCommand({ Bucket: 'bkt', Key: 'k', Body: 'hello' }));
    const get = () => request(`${node!.url}/bkt/k`, { headers: {} }).then(async (r) => ({ status: r.statusCode, body: await r.body.text() }));
    const signedGet = async () => {
      try {
        const out = await s3!.send(new GetObjectCommand({ Bucket: 'bkt', Key: 'k' }));
        return { status: 200, body: await out.Body!.transformToString() };
      } catch (err) {
        const e = err as { $metadata?: { httpStatusCode?: number }; name?: string };
        return { status: e.$metadata?.httpStatusCode ?? 0, body: e.name ?? '' };
      }
    };
    expect(await signedGet()).toEqual({ status: 200, body: 'hello' });

    // Down: every connection refused.
    relay.mode = 'refuse';
    relay.cutAll();
    const down = await signedGet();
    expect(down.status).toBe(503);
    expect(down.body).toMatch(/ServiceUnavailable|SlowDown/);
    const anonymous = await get();
    expect(anonymous.status).toBe(503);
    expect(anonymous.body).toMatch(/<Code>(ServiceUnavailable|SlowDown)<\/Code>/);
    // The website endpoint too: an HTML 503 page (an edge's origin group fails over on it), not a 500.
    const page = await request(`${node.websiteUrl}/index.html`, { headers: { host: 'bkt' } });
    expect(page.statusCode).toBe(503);
    expect(await page.body.text()).toMatch(/Code: (ServiceUnavailable|SlowDown)/);
    // The node itself is alive and says so.
    expect((await request(`${node.url}/_bucketfront/health`)).statusCode).toBe(200);

    // Silent: connections accepted, nothing answered — 503 after the timeout (1.5 s here), not a hang.
    relay.mode = 'silent';
    const silent = await signedGet();
    expect(silent.status).toBe(503);

    // Back: the node serves again without a restart.
    relay.mode = 'relay';
    relay.cutAll();
    expect(await signedGet()).toEqual({ status: 200, body: 'hello' });
    const metrics = await (await request(`${node.url}/_bucketfront/metrics`)).body.text();
    expect(metrics).toMatch(/bucketfront_origin_store_calls_total\{operation="getObject",outcome="ServiceUnavailable"\} [1-9]/);
    expect(metrics).toMatch(/bucketfront_origin_store_calls_total\{operation="getObject",outcome="ok"\} [2-9]/);
    expect(metrics).toMatch(/bucketfront_origin_store_call_duration_seconds_bucket\{operation="getObject",le="\+Inf"\} [3-9]/);
  }, 60_000);
});
