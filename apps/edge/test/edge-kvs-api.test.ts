/**
 * CloudFront KeyValueStore through the API, read by functions at a real edge (the suite runs with
 * 1, 2 and 4 workers): stores managed with @aws-sdk/client-cloudfront (CreateKeyValueStore …),
 * keys with @aws-sdk/client-cloudfront-keyvaluestore (signed with SigV4A, as the SDK always
 * does), a function associated by the store's ARN reads every PutKey on every worker at once.
 *
 * The KVS SDK sends requests to `<account>.<endpoint host>` (its endpoint rules prefix the ARN's
 * account id); the clients here resolve every host name to 127.0.0.1, as a wildcard DNS record
 * pointing at the edge's control port would.
 */
import http from 'node:http';
import { join } from 'node:path';
import {
  CloudFrontClient,
  CreateFunctionCommand,
  CreateKeyValueStoreCommand,
  DeleteFunctionCommand,
  DeleteKeyValueStoreCommand,
  DescribeFunctionCommand,
  DescribeKeyValueStoreCommand,
  ListKeyValueStoresCommand,
  PublishFunctionCommand,
  UpdateKeyValueStoreCommand,
} from '@aws-sdk/client-cloudfront';
import {
  CloudFrontKeyValueStoreClient,
  DeleteKeyCommand,
  DescribeKeyValueStoreCommand as DescribeKvsDataCommand,
  GetKeyCommand,
  ListKeysCommand,
  PutKeyCommand,
  UpdateKeysCommand,
} from '@aws-sdk/client-cloudfront-keyvaluestore';
import '@aws-sdk/signature-v4a';
import { makeTempDir, type TempDir } from '@bucketfront/test-support';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEdge } from '../src/index.js';
import { edgeFor, oneDistribution, startTinyOrigin, TEST_EDGE_WORKERS, type TinyOrigin } from './helpers.js';

let origin: TinyOrigin | undefined;
let edge: RunningEdge | undefined;
let cf: CloudFrontClient | undefined;
let kvs: CloudFrontKeyValueStoreClient | undefined;
let tmp: TempDir | undefined;
afterEach(async () => {
  cf?.destroy();
  kvs?.destroy();
  await edge?.close();
  await origin?.close();
  await tmp?.cleanup();
  cf = undefined;
  kvs = undefined;
  edge = undefined;
  origin = undefined;
  tmp = undefined;
});

const enc = new TextEncoder();
const creds = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const SPREAD = 4 * TEST_EDGE_WORKERS;

/** A redirect map: the path is the key, the value the target; unknown paths go to the origin. */
const REDIRECTS = `import cf from 'cloudfront';
const store = cf.kvs();
async function handler(event) {
  const request = event.request;
  let target;
  try {
    target = await store.get(request.uri);
  } catch (e) {
    return request;
  }
  const meta = await store.meta();
  return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: target }, 'x-key-count': { value: String(meta.keyCount) } } };
}`;

async function getNew(url: string): Promise<{ status: number; location: string; keyCount: string; body: string }> {
  const agent = new Agent({ pipelining: 0 });
  try {
    const r = await request(url, { dispatcher: agent, headers: { connection: 'close' } });
    return { status: r.statusCode, location: String(r.headers['location'] ?? ''), keyCount: String(r.headers['x-key-count'] ?? ''), body: await r.body.text() };
  } finally {
    await agent.close();
  }
}

async function spread(url: string): Promise<Array<Awaited<ReturnType<typeof getNew>>>> {
  const out = [];
  for (let i = 0; i < SPREAD; i++) out.push(await getNew(url));
  return out;
}

function echoOrigin(): Promise<TinyOrigin> {
  return startTinyOrigin({
    '*': (req, res) => {
      const body = `origin saw ${req.url}`;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(body)), 'cache-control': 'no-store' });
      res.end(body);
    },
  });
}

const config = (originUrl: string, extra: Record<string, unknown> = {}) => ({
  ...oneDistribution(originUrl, {}, { functionAssociations: [{ eventType: 'viewer-request', functionArn: 'redirects' }] }),
  ...extra,
});

/** Every host name (e.g. `000000000000.localhost`) → 127.0.0.1. */
const anyHostAgent = () =>
  new http.Agent({
    lookup: ((_host: string, options: { all?: boolean }, cb: (...args: unknown[]) => void) => {
      if (options?.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
      else cb(null, '127.0.0.1', 4);
    }) as unknown as http.AgentOptions['lookup'],
  });

function clients(e: RunningEdge): { cf: CloudFrontClient; kvs: CloudFrontKeyValueStoreClient } {
  return {
    cf: new CloudFrontClient({ endpoint: e.controlUrl, region: 'us-east-1', credentials: creds, maxAttempts: 1 }),
    kvs: new CloudFrontKeyValueStoreClient({
      endpoint: `http://localhost:${e.controlPort}`,
      region: 'us-east-1',
      credentials: creds,
      maxAttempts: 1,
      requestHandler: { httpAgent: anyHostAgent() },
    }),
  };
}

const err = (e: unknown) => e as { name: string; $metadata: { httpStatusCode?: number }; message: string };

async function storeWithFunction(c: CloudFrontClient): Promise<{ arn: string; name: string; functionEtag: string }> {
  const created = await c.send(new CreateKeyValueStoreCommand({ Name: 'redirect-map', Comment: 'paths to targets' }));
  const arn = created.KeyValueStore!.ARN!;
  const fn = await c.send(
    new CreateFunctionCommand({
      Name: 'redirects',
      FunctionConfig: { Comment: 'redirect map', Runtime: 'cloudfront-js-2.0', KeyValueStoreAssociations: { Quantity: 1, Items: [{ KeyValueStoreARN: arn }] } },
      FunctionCode: enc.encode(REDIRECTS),
    }),
  );
  await c.send(new PublishFunctionCommand({ Name: 'redirects', IfMatch: fn.ETag! }));
  return { arn, name: 'redirect-map', functionEtag: (await c.send(new DescribeFunctionCommand({ Name: 'redirects', Stage: 'LIVE' }))).ETag! };
}

describe('key value stores through the API, read by functions at the edge', () => {
  it('CreateKeyValueStore, then PutKey / UpdateKeys / DeleteKey change what every worker redirects, without a code change', async () => {
    origin = await echoOrigin();
    edge = await edgeFor(config(origin.url), { log: () => {} });
    ({ cf, kvs } = clients(edge));
    const { arn } = await storeWithFunction(cf);
    expect(arn).toMatch(/^arn:aws:cloudfront::000000000000:key-value-store\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const described = await cf.send(new DescribeKeyValueStoreCommand({ Name: 'redirect-map' }));
    expect(described.KeyValueStore).toMatchObject({ Name: 'redirect-map', Comment: 'paths to targets', Status: 'READY', ARN: arn, Id: arn.split('/')[1] });
    expect(described.ETag).toMatch(/^E[A-Z0-9]+$/);

    for (const r of await spread(`${edge.url}/old`)) expect([r.status, r.body]).toEqual([200, 'origin saw /old']);

    const empty = await kvs.send(new DescribeKvsDataCommand({ KvsARN: arn }));
    expect(empty).toMatchObject({ ItemCount: 0, TotalSizeInBytes: 0, KvsARN: arn, Status: 'READY' });
    const put = await kvs.send(new PutKeyCommand({ KvsARN: arn, Key: '/old', Value: 'https://new.example/', IfMatch: empty.ETag! }));
    expect(put).toMatchObject({ ItemCount: 1, TotalSizeInBytes: '/old'.length + 'https://new.example/'.length });
    for (const r of await spread(`${edge.url}/old`)) expect([r.status, r.location, r.keyCount]).toEqual([302, 'https://new.example/', '1']);

    const updated = await kvs.send(
      new UpdateKeysCommand({
        KvsARN: arn,
        IfMatch: put.ETag!,
        Puts: [
          { Key: '/old', Value: 'https://newer.example/' },
          { Key: '/a b/ü', Value: 'https://unicode.example/' },
        ],
      }),
    );
    expect(updated.ItemCount).toBe(2);
    for (const r of await spread(`${edge.url}/old`)) expect([r.location, r.keyCount]).toEqual(['https://newer.example/', '2']);
    expect((await kvs.send(new GetKeyCommand({ KvsARN: arn, Key: '/a b/ü' }))).Value).toBe('https://unicode.example/');
    const listed = await kvs.send(new ListKeysCommand({ KvsARN: arn, MaxResults: 1 }));
    expect(listed.Items).toEqual([{ Key: '/a b/ü', Value: 'https://unicode.example/' }]);
    const next = await kvs.send(new ListKeysCommand({ KvsARN: arn, MaxResults: 1, NextToken: listed.NextToken! }));
    expect(next.Items).toEqual([{ Key: '/old', Value: 'https://newer.example/' }]);
    expect(next.NextToken).toBeUndefined();

    const deleted = await kvs.send(new DeleteKeyCommand({ KvsARN: arn, Key: '/old', IfMatch: updated.ETag! }));
    expect(deleted.ItemCount).toBe(1);
    for (const r of await spread(`${edge.url}/old`)) expect([r.status, r.body]).toEqual([200, 'origin saw /old']);
    expect(await kvs.send(new GetKeyCommand({ KvsARN: arn, Key: '/old' })).catch(err)).toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
  });

  it('ETags and If-Match on both APIs; a store in use is not deleted; names are unique', async () => {
    origin = await echoOrigin();
    edge = await edgeFor(config(origin.url), { log: () => {} });
    ({ cf, kvs } = clients(edge));
    const { arn, functionEtag } = await storeWithFunction(cf);
    expect(await cf.send(new CreateKeyValueStoreCommand({ Name: 'redirect-map' })).catch(err)).toMatchObject({ name: 'EntityAlreadyExists', $metadata: { httpStatusCode: 409 } });

    const d1 = await kvs.send(new DescribeKvsDataCommand({ KvsARN: arn }));
    const p1 = await kvs.send(new PutKeyCommand({ KvsARN: arn, Key: 'k', Value: 'v1', IfMatch: d1.ETag! }));
    expect(p1.ETag).not.toBe(d1.ETag);
    expect(await kvs.send(new PutKeyCommand({ KvsARN: arn, Key: 'k', Value: 'v2', IfMatch: d1.ETag! })).catch(err)).toMatchObject({ name: 'ConflictException', $metadata: { httpStatusCode: 409 } });
    expect((await kvs.send(new GetKeyCommand({ KvsARN: arn, Key: 'k' }))).Value).toBe('v1');
    const missing = arn.replace(/[0-9a-f]{12}$/, '000000000000');
    expect(await kvs.send(new DescribeKvsDataCommand({ KvsARN: missing })).catch(err)).toMatchObject({ name: 'ResourceNotFoundException' });

    const described = await cf.send(new DescribeKeyValueStoreCommand({ Name: 'redirect-map' }));
    expect(await cf.send(new UpdateKeyValueStoreCommand({ Name: 'redirect-map', Comment: 'x', IfMatch: 'EWRONG' })).catch(err)).toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
    });
    const renamed = await cf.send(new UpdateKeyValueStoreCommand({ Name: 'redirect-map', Comment: 'new comment', IfMatch: described.ETag! }));
    expect(renamed.KeyValueStore!.Comment).toBe('new comment');
    expect(renamed.ETag).not.toBe(described.ETag);

    expect(await cf.send(new DeleteKeyValueStoreCommand({ Name: 'redirect-map', IfMatch: described.ETag! })).catch(err)).toMatchObject({ name: 'PreconditionFailed' });
    expect(await cf.send(new DeleteKeyValueStoreCommand({ Name: 'redirect-map', IfMatch: renamed.ETag! })).catch(err)).toMatchObject({
      name: 'CannotDeleteEntityWhileInUse',
      $metadata: { httpStatusCode: 409 },
    });
    // The function is in use by the configuration's default behavior: the store stays associated.
    expect(await cf.send(new DeleteFunctionCommand({ Name: 'redirects', IfMatch: functionEtag })).catch(err)).toMatchObject({ name: 'FunctionInUse' });

    const other = await cf.send(new CreateKeyValueStoreCommand({ Name: 'unused' }));
    const list = await cf.send(new ListKeyValueStoresCommand({ MaxItems: 1 }));
    expect(list.KeyValueStoreList).toMatchObject({ Quantity: 1, NextMarker: 'redirect-map', Items: [{ Name: 'redirect-map' }] });
    expect((await cf.send(new ListKeyValueStoresCommand({ Marker: 'redirect-map' }))).KeyValueStoreList!.Items!.map((s) => s.Name)).toEqual(['unused']);
    await cf.send(new DeleteKeyValueStoreCommand({ Name: 'unused', IfMatch: other.ETag! }));
    expect(await cf.send(new DescribeKeyValueStoreCommand({ Name: 'unused' })).catch(err)).toMatchObject({ name: 'EntityNotFound', $metadata: { httpStatusCode: 404 } });
  });

  it('limits: key ≤ 512 bytes and value ≤ 1 KB (ValidationException), store ≤ 5 MB (ServiceQuotaExceededException); a refused batch changes nothing', async () => {
    origin = await echoOrigin();
    edge = await edgeFor(config(origin.url), { log: () => {} });
    ({ cf, kvs } = clients(edge));
    const { arn } = await storeWithFunction(cf);
    let etag = (await kvs.send(new DescribeKvsDataCommand({ KvsARN: arn }))).ETag!;
    expect(await kvs.send(new PutKeyCommand({ KvsARN: arn, Key: 'k'.repeat(513), Value: 'v', IfMatch: etag })).catch(err)).toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(await kvs.send(new PutKeyCommand({ KvsARN: arn, Key: 'k', Value: 'é'.repeat(513), IfMatch: etag })).catch(err)).toMatchObject({ name: 'ValidationException' });
    etag = (await kvs.send(new PutKeyCommand({ KvsARN: arn, Key: 'k'.repeat(512), Value: 'v'.repeat(1024), IfMatch: etag }))).ETag!;

    // 1 KB values in batches of 400 (one request body stays under the control port's 1 MiB).
    let batch = 0;
    let refused: ReturnType<typeof err> | undefined;
    while (!refused && batch < 20) {
      const puts = Array.from({ length: 400 }, (_, i) => ({ Key: `b${batch}-${i}`, Value: 'x'.repeat(1024) }));
      const r = await kvs.send(new UpdateKeysCommand({ KvsARN: arn, IfMatch: etag, Puts: puts })).catch(err);
      if ('ETag' in r) {
        etag = (r as { ETag: string }).ETag;
        expect((r as unknown as { TotalSizeInBytes: number }).TotalSizeInBytes).toBeLessThanOrEqual(5 * 1024 * 1024);
        batch++;
      } else refused = r;
    }
    expect(refused).toMatchObject({ name: 'ServiceQuotaExceededException', $metadata: { httpStatusCode: 402 } });
    const after = await kvs.send(new DescribeKvsDataCommand({ KvsARN: arn }));
    expect([after.ETag, after.ItemCount]).toEqual([etag, 1 + 400 * batch]);
  });

  it('a restart on the same cache directory keeps the stores, their keys and the function reading them', async () => {
    tmp = await makeTempDir('edge-kvs-');
    origin = await echoOrigin();
    const withDisk = config(origin.url, { cache: { diskPath: join(tmp.path, 'cache') } });
    edge = await edgeFor(withDisk, { log: () => {} });
    ({ cf, kvs } = clients(edge));
    const { arn } = await storeWithFunction(cf);
    const d = await kvs.send(new DescribeKvsDataCommand({ KvsARN: arn }));
    await kvs.send(new PutKeyCommand({ KvsARN: arn, Key: '/old', Value: 'https://kept.example/', IfMatch: d.ETag! }));
    cf.destroy();
    kvs.destroy();
    await edge.close();

    edge = await edgeFor(withDisk, { log: () => {} });
    ({ cf, kvs } = clients(edge));
    for (const r of await spread(`${edge.url}/old`)) expect([r.status, r.location]).toEqual([302, 'https://kept.example/']);
    expect((await kvs.send(new GetKeyCommand({ KvsARN: arn, Key: '/old' }))).Value).toBe('https://kept.example/');
    expect((await cf.send(new DescribeKeyValueStoreCommand({ Name: 'redirect-map' }))).KeyValueStore!.ARN).toBe(arn);
  });
});
