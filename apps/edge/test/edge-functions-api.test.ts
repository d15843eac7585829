/**
 * CloudFront Functions managed through the control API and run by a real edge (the suite runs
 * with 1, 2 and 4 workers): cache behaviors associate functions by name in the configuration;
 * CreateFunction / TestFunction / PublishFunction with @aws-sdk/client-cloudfront make them run;
 * UpdateFunction + PublishFunction change what runs; DeleteFunction of a function in use is refused;
 * published functions survive a restart with the same cache directory.
 * Every request opens its own connection: the cluster primary hands new connections to the workers
 * in turn (round-robin), so 4 requests per worker reach every worker.
 */
import cluster from 'node:cluster';
import { join } from 'node:path';
import {
  CloudFrontClient,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DescribeFunctionCommand,
  PublishFunctionCommand,
  TestFunctionCommand,
  UpdateFunctionCommand,
} from '@aws-sdk/client-cloudfront';
import { makeTempDir, type TempDir } from '@bucketfront/test-support';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEdge } from '../src/index.js';
import { echoUrl, edgeFor, oneDistribution, startTinyOrigin, TEST_EDGE_WORKERS, type TinyOrigin } from './helpers.js';
import { ADD_INDEX_HTML } from './fixtures/aws-functions.js';
import { createAndPublish } from './fixtures/control-server.js';

let origin: TinyOrigin | undefined;
let edge: RunningEdge | undefined;
let client: CloudFrontClient | undefined;
let tmp: TempDir | undefined;
afterEach(async () => {
  client?.destroy();
  await edge?.close();
  await origin?.close();
  await tmp?.cleanup();
  client = undefined;
  edge = undefined;
  origin = undefined;
  tmp = undefined;
});

/** A viewer-request function answering a redirect that names its version (a generated response: never cached). */
const redirectTo = (version: string) => `function handler(event) {
    return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: 'https://${version}.example/' } } };
}`;

const enc = new TextEncoder();
const creds = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
/** Requests per check: 4 per worker, each on a new connection. */
const SPREAD = 4 * TEST_EDGE_WORKERS;

/** The edge's answer to GET `path` on a new connection: status, Location, X-Cache, body. */
async function getNew(url: string): Promise<{ status: number; location: string; xcache: string; body: string }> {
  const agent = new Agent({ pipelining: 0 });
  try {
    const r = await request(url, { dispatcher: agent, headers: { connection: 'close' } });
    return { status: r.statusCode, location: String(r.headers['location'] ?? ''), xcache: String(r.headers['x-cache'] ?? ''), body: await r.body.text() };
  } finally {
    await agent.close();
  }
}

/** SPREAD requests, one after the other (each on its own connection). */
async function spread(url: string): Promise<Array<Awaited<ReturnType<typeof getNew>>>> {
  const out = [];
  for (let i = 0; i < SPREAD; i++) out.push(await getNew(url));
  return out;
}

function echoOrigin(): Promise<TinyOrigin> {
  return startTinyOrigin({ '*': echoUrl('no-store') });
}

/** The default behavior runs `redirect`, /site/* runs `add-index`: neither is in `functions`. */
function apiConfig(originUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...oneDistribution(
      originUrl,
      { cacheBehaviors: [{ pathPattern: '/site/*', targetOriginId: 'o1', functionAssociations: [{ eventType: 'viewer-request', functionArn: 'add-index' }] }] },
      { functionAssociations: [{ eventType: 'viewer-request', functionArn: 'arn:aws:cloudfront::000000000000:function/redirect' }] },
    ),
    ...extra,
  };
}

function clientOf(e: RunningEdge): CloudFrontClient {
  return new CloudFrontClient({ endpoint: e.controlUrl, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
}

describe('CloudFront Functions published through the control API, at the edge', () => {
  it('associated but unknown at start: one warning, no function; published: every worker runs it; updated + published: every worker runs the new one; in use: not deleted', async () => {
    origin = await echoOrigin();
    const logs: string[] = [];
    edge = await edgeFor(apiConfig(origin.url), { log: (m) => logs.push(m) });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/functionAssociations name 'add-index', 'redirect', not in functions .*until one of that name is published/);
    client = clientOf(edge);

    for (const r of await spread(`${edge.url}/page`)) expect([r.status, r.body]).toEqual([200, 'origin saw /page']);

    const created = await client.send(new CreateFunctionCommand({ Name: 'redirect', FunctionConfig: { Comment: 'v1', Runtime: 'cloudfront-js-2.0' }, FunctionCode: enc.encode(redirectTo('v1')) }));
    // DEVELOPMENT does not run at the edge.
    for (const r of await spread(`${edge.url}/page`)) expect(r.status).toBe(200);
    const published = await client.send(new PublishFunctionCommand({ Name: 'redirect', IfMatch: created.ETag! }));
    expect(published.FunctionSummary!.Status).toBe('DEPLOYED');
    for (const r of await spread(`${edge.url}/page`)) {
      expect([r.status, r.location, r.xcache]).toEqual([302, 'https://v1.example/', 'FunctionGeneratedResponse from cloudfront']);
    }

    const updated = await client.send(
      new UpdateFunctionCommand({ Name: 'redirect', IfMatch: created.ETag!, FunctionConfig: { Comment: 'v2', Runtime: 'cloudfront-js-2.0' }, FunctionCode: enc.encode(redirectTo('v2')) }),
    );
    for (const r of await spread(`${edge.url}/page`)) expect(r.location).toBe('https://v1.example/'); // LIVE until published
    await client.send(new PublishFunctionCommand({ Name: 'redirect', IfMatch: updated.ETag! }));
    for (const r of await spread(`${edge.url}/page`)) expect(r.location).toBe('https://v2.example/');

    const refused = await client.send(new DeleteFunctionCommand({ Name: 'redirect', IfMatch: updated.ETag! })).catch((e: { name: string; $metadata: { httpStatusCode?: number } }) => e);
    expect(refused).toMatchObject({ name: 'FunctionInUse', $metadata: { httpStatusCode: 409 } });
    for (const r of await spread(`${edge.url}/page`)) expect(r.location).toBe('https://v2.example/');
    expect(origin.count('/page')).toBe(SPREAD * 2);
  });

  it('add index.html: TestFunction gives the documented output, then the published function rewrites on every worker', async () => {
    origin = await echoOrigin();
    edge = await edgeFor(apiConfig(origin.url), { log: () => {} });
    client = clientOf(edge);
    const created = await client.send(
      new CreateFunctionCommand({ Name: 'add-index', FunctionConfig: { Comment: 'Add index.html', Runtime: 'cloudfront-js-2.0' }, FunctionCode: enc.encode(ADD_INDEX_HTML) }),
    );
    const event = {
      version: '1.0',
      context: { eventType: 'viewer-request' },
      viewer: { ip: '198.51.100.11' },
      request: { method: 'GET', uri: '/site/guide', headers: {}, cookies: {}, querystring: {} },
    };
    const tested = await client.send(new TestFunctionCommand({ Name: 'add-index', IfMatch: created.ETag!, EventObject: enc.encode(JSON.stringify(event)) }));
    expect(tested.TestResult!.FunctionErrorMessage ?? '').toBe('');
    expect(JSON.parse(tested.TestResult!.FunctionOutput!).request.uri).toBe('/site/guide/index.html');

    for (const r of await spread(`${edge.url}/site/guide/`)) expect(r.body).toBe('origin saw /site/guide/');
    await client.send(new PublishFunctionCommand({ Name: 'add-index', IfMatch: created.ETag! }));
    for (const r of await spread(`${edge.url}/site/guide/`)) expect(r.body).toBe('origin saw /site/guide/index.html');
    for (const r of await spread(`${edge.url}/site/docs`)) expect(r.body).toBe('origin saw /site/docs/index.html');
  });

  it('a published function replaces a configured one of the same name; without a cache directory, until restart', async () => {
    origin = await echoOrigin();
    const config = apiConfig(origin.url, { functions: [{ name: 'redirect', code: redirectTo('configured') }] });
    edge = await edgeFor(config, { log: () => {} });
    client = clientOf(edge);
    for (const r of await spread(`${edge.url}/page`)) expect(r.location).toBe('https://configured.example/');
    await createAndPublish(client, 'redirect', redirectTo('published'));
    for (const r of await spread(`${edge.url}/page`)) expect(r.location).toBe('https://published.example/');
    client.destroy();
    await edge.close();
    // No cache.diskPath: the functions store lived in a temporary directory, gone with it.
    edge = await edgeFor(config, { log: () => {} });
    client = clientOf(edge);
    for (const r of await spread(`${edge.url}/page`)) expect(r.location).toBe('https://configured.example/');
  });

  it('a response still on its way when PublishFunction replaces its viewer-response function runs the new one, not the disposed sandbox', async () => {
    let arrived!: () => void;
    const atOrigin = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    origin = await startTinyOrigin({
      '/slow': async (_req, res) => {
        arrived();
        await released;
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '4', 'cache-control': 'no-store' });
        res.end('slow');
      },
    });
    const stamp = (v: string) => `function handler(event) { var r = event.response; r.headers['x-stamp'] = { value: '${v}' }; return r; }`;
    edge = await edgeFor(oneDistribution(origin.url, {}, { functionAssociations: [{ eventType: 'viewer-response', functionArn: 'stamp' }] }), { log: () => {} });
    client = clientOf(edge);
    const v1 = await client.send(new CreateFunctionCommand({ Name: 'stamp', FunctionConfig: { Comment: 'v1', Runtime: 'cloudfront-js-2.0' }, FunctionCode: enc.encode(stamp('v1')) }));
    await client.send(new PublishFunctionCommand({ Name: 'stamp', IfMatch: v1.ETag! }));

    const pending = request(`${edge.url}/slow`, { headers: { connection: 'close' } }).then(async (r) => ({ status: r.statusCode, stamp: r.headers['x-stamp'], body: await r.body.text() }));
    await atOrigin;
    // Published (and the v1 sandbox disposed) on every worker while the response waits for the origin.
    const v2 = await client.send(
      new UpdateFunctionCommand({ Name: 'stamp', IfMatch: v1.ETag!, FunctionConfig: { Comment: 'v2', Runtime: 'cloudfront-js-2.0' }, FunctionCode: enc.encode(stamp('v2')) }),
    );
    await client.send(new PublishFunctionCommand({ Name: 'stamp', IfMatch: v2.ETag! }));
    release();
    expect(await pending).toEqual({ status: 200, stamp: 'v2', body: 'slow' });
  });

  it.skipIf(TEST_EDGE_WORKERS < 2)('a worker that restarts runs the published functions from its first request', async () => {
    origin = await echoOrigin();
    edge = await edgeFor(apiConfig(origin.url), { log: () => {} });
    client = clientOf(edge);
    await createAndPublish(client, 'redirect', redirectTo('v1'));
    const victim = Object.values(cluster.workers ?? {})[0]!;
    const replaced = new Promise<void>((resolve) => cluster.once('listening', () => resolve()));
    victim.process.kill('SIGKILL');
    await replaced;
    for (const r of await spread(`${edge.url}/page`)) expect(r.location).toBe('https://v1.example/');
  });

  it('published functions survive a restart with the same cache directory: they run from the first request', async () => {
    origin = await echoOrigin();
    tmp = await makeTempDir('bf-edge-fn-');
    const config = apiConfig(origin.url, { cache: { diskPath: join(tmp.path, 'cache') } });
    edge = await edgeFor(config, { log: () => {} });
    client = clientOf(edge);
    await createAndPublish(client, 'redirect', redirectTo('v1'));
    const live = await client.send(new DescribeFunctionCommand({ Name: 'redirect', Stage: 'LIVE' }));
    client.destroy();
    await edge.close();

    const logs: string[] = [];
    edge = await edgeFor(config, { log: (m) => logs.push(m) });
    // Only add-index is still unknown.
    expect(logs).toEqual([expect.stringMatching(/functionAssociations name 'add-index', not in functions/)]);
    for (const r of await spread(`${edge.url}/page`)) expect(r.location).toBe('https://v1.example/');
    client = clientOf(edge);
    expect((await client.send(new DescribeFunctionCommand({ Name: 'redirect', Stage: 'LIVE' }))).ETag).toBe(live.ETag);
  });
});
