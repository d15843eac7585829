/**
 * The CloudFront Functions operations of the control API over real HTTP on 127.0.0.1, with
 * @aws-sdk/client-cloudfront (CreateFunction … DeleteFunction) and signed raw requests for what
 * the SDK cannot send (no If-Match). The runtime records what the data plane is asked to run;
 * edge-functions-api.test.ts runs the same through a real edge and its workers.
 */
import {
  CloudFrontClient,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DescribeFunctionCommand,
  GetFunctionCommand,
  ListFunctionsCommand,
  PublishFunctionCommand,
  TestFunctionCommand,
  UpdateFunctionCommand,
} from '@aws-sdk/client-cloudfront';
import { signRequest } from '@bucketfront/sigv4';
import { makeTempDir, makeTestCredentials, type TempDir } from '@bucketfront/test-support';
import { request } from 'undici';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { behaviorFixture, distributionFixture, edgeConfigFixture, recordingControlForSuite, startRecordingControl } from './fixtures/control-server.js';
import { ADD_INDEX_HTML } from './fixtures/aws-functions.js';

/** The test event object of the developer guide's "Test functions" page, for a viewer request. */
const VIEWER_REQUEST_EVENT = {
  version: '1.0',
  context: { eventType: 'viewer-request' },
  viewer: { ip: '198.51.100.11' },
  request: {
    method: 'GET',
    uri: '/blog/',
    headers: { host: { value: 'www.example.com' } },
    cookies: {},
    querystring: {},
  },
};

const creds = makeTestCredentials();
const enc = new TextEncoder();
const code = (s: string) => enc.encode(s);
const text = (b: Uint8Array | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');

/** Associated by a cache behavior of the configuration (DeleteFunction refuses it: FunctionInUse). */
const IN_USE = 'in-use';

const config = edgeConfigFixture({
  distributions: [
    distributionFixture('E1TESTDIST0001', {
      cacheBehaviors: [behaviorFixture({ pathPattern: '/app/*', functionAssociations: [{ eventType: 'viewer-request', functionArn: `arn:aws:cloudfront::000000000000:function/${IN_USE}` }] })],
    }),
  ],
  keyValueStores: [{ name: 'redirects', data: [{ key: '/old', value: 'https://new.example/' }] }],
});

function _clientFor(url: string): CloudFrontClient {
  return new CloudFrontClient({ endpoint: url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
}

async function call(base: string, method: string, path: string, opts: { body?: string; headers?: Record<string, string> } = {}) {
  const url = new URL(path, base);
  const body = opts.body ?? '';
  const headers = { ...opts.headers, ...signRequest({ method, url, headers: opts.headers ?? {}, body, credentials: creds, region: 'us-east-1', service: 'cloudfront' }) };
  const res = await request(url, { method, headers, body: method === 'GET' ? undefined : body });
  const t = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text: t, code: /<Code>([^<]*)<\/Code>/.exec(t)?.[1] };
}

/** The SDK's error as { name, status } (the service's error code and HTTP status). */
async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

const create = (client: CloudFrontClient, name: string, source: string, runtime: 'cloudfront-js-1.0' | 'cloudfront-js-2.0' = 'cloudfront-js-2.0', comment = 'test') =>
  client.send(new CreateFunctionCommand({ Name: name, FunctionConfig: { Comment: comment, Runtime: runtime }, FunctionCode: code(source) }));

describe('CloudFront Functions API', () => {
  const control = recordingControlForSuite(config, { credentials: creds });

  it('create → describe → get → test (add index.html) → publish: stages, ETags and Status as CloudFront', async () => {
    const created = await create(control.client, 'add-index', ADD_INDEX_HTML, 'cloudfront-js-1.0', 'Add index.html');
    expect(created.$metadata.httpStatusCode).toBe(201);
    expect(created.Location).toBe(`${control.server.url}/2020-05-31/function/add-index`);
    expect(created.ETag).toMatch(/^E[A-Z0-9]{12}$/);
    expect(created.FunctionSummary).toMatchObject({
      Name: 'add-index',
      Status: 'UNPUBLISHED',
      FunctionConfig: { Comment: 'Add index.html', Runtime: 'cloudfront-js-1.0' },
      FunctionMetadata: { FunctionARN: 'arn:aws:cloudfront::000000000000:function/add-index', Stage: 'DEVELOPMENT' },
    });
    const createdTime = created.FunctionSummary!.FunctionMetadata!.CreatedTime!;
    expect(Math.abs(createdTime.getTime() - Date.now())).toBeLessThan(60_000);
    expect(control.runtime.functionChanges).toEqual([]); // nothing runs before PublishFunction

    const described = await control.client.send(new DescribeFunctionCommand({ Name: 'add-index' }));
    expect(described.ETag).toBe(created.ETag);
    expect(described.FunctionSummary).toEqual(created.FunctionSummary);
    await expect(failure(control.client.send(new DescribeFunctionCommand({ Name: 'add-index', Stage: 'LIVE' })))).resolves.toEqual({ name: 'NoSuchFunctionExists', status: 404 });

    const got = await control.client.send(new GetFunctionCommand({ Name: 'add-index' }));
    expect(got.ETag).toBe(created.ETag);
    expect(got.ContentType).toBe('application/octet-stream');
    expect(text(got.FunctionCode)).toBe(ADD_INDEX_HTML);

    const tested = await control.client.send(new TestFunctionCommand({ Name: 'add-index', IfMatch: created.ETag!, EventObject: code(JSON.stringify(VIEWER_REQUEST_EVENT)) }));
    const result = tested.TestResult!;
    expect(result.FunctionErrorMessage ?? '').toBe('');
    expect(Number(result.ComputeUtilization)).toBeGreaterThanOrEqual(0);
    expect(Number(result.ComputeUtilization)).toBeLessThanOrEqual(100);
    expect(result.FunctionExecutionLogs ?? []).toEqual([]);
    // The documented outcome: "/blog/" becomes "/blog/index.html", the rest of the request as sent.
    expect(JSON.parse(result.FunctionOutput!)).toEqual({
      request: { method: 'GET', uri: '/blog/index.html', querystring: {}, headers: { host: { value: 'www.example.com' } }, cookies: {} },
    });
    expect(result.FunctionSummary).toMatchObject({ Name: 'add-index', Status: 'UNPUBLISHED', FunctionMetadata: { Stage: 'DEVELOPMENT' } });

    const published = await control.client.send(new PublishFunctionCommand({ Name: 'add-index', IfMatch: created.ETag! }));
    expect(published.FunctionSummary).toMatchObject({ Name: 'add-index', Status: 'UNASSOCIATED', FunctionMetadata: { Stage: 'LIVE' } });
    expect(control.runtime.liveFunctions.get('add-index')).toMatchObject({ name: 'add-index', runtime: 'cloudfront-js-1.0', code: ADD_INDEX_HTML });

    const live = await control.client.send(new DescribeFunctionCommand({ Name: 'add-index', Stage: 'LIVE' }));
    expect(live.ETag).toMatch(/^E[A-Z0-9]{12}$/);
    expect(live.ETag).not.toBe(created.ETag);
    expect(control.runtime.liveFunctions.get('add-index')!.etag).toBe(live.ETag);
    // The DEVELOPMENT stage keeps its version; the function as a whole is now published.
    const dev = await control.client.send(new DescribeFunctionCommand({ Name: 'add-index', Stage: 'DEVELOPMENT' }));
    expect(dev.ETag).toBe(created.ETag);
    expect(dev.FunctionSummary!.Status).toBe('UNASSOCIATED');
    // TestFunction on LIVE takes the LIVE ETag.
    const liveTest = await control.client.send(new TestFunctionCommand({ Name: 'add-index', Stage: 'LIVE', IfMatch: live.ETag!, EventObject: code(JSON.stringify(VIEWER_REQUEST_EVENT)) }));
    expect(liveTest.TestResult!.FunctionSummary!.FunctionMetadata!.Stage).toBe('LIVE');
  });

  it('update: a new DEVELOPMENT ETag (the SDK reads it), LIVE unchanged until published again', async () => {
    const v1 = 'function handler(event) { return event.request; }';
    const v2 = 'function handler(event) { event.request.uri = "/v2"; return event.request; }';
    const created = await create(control.client, 'versioned', v1);
    await control.client.send(new PublishFunctionCommand({ Name: 'versioned', IfMatch: created.ETag! }));
    const liveBefore = await control.client.send(new DescribeFunctionCommand({ Name: 'versioned', Stage: 'LIVE' }));

    const updated = await control.client.send(
      new UpdateFunctionCommand({ Name: 'versioned', IfMatch: created.ETag!, FunctionConfig: { Comment: 'v2', Runtime: 'cloudfront-js-2.0' }, FunctionCode: code(v2) }),
    );
    expect(updated.ETag).toMatch(/^E[A-Z0-9]{12}$/);
    expect(updated.ETag).not.toBe(created.ETag);
    expect(updated.FunctionSummary).toMatchObject({ FunctionConfig: { Comment: 'v2' }, FunctionMetadata: { Stage: 'DEVELOPMENT' } });
    expect(text((await control.client.send(new GetFunctionCommand({ Name: 'versioned' }))).FunctionCode)).toBe(v2);
    const liveNow = await control.client.send(new GetFunctionCommand({ Name: 'versioned', Stage: 'LIVE' }));
    expect(text(liveNow.FunctionCode)).toBe(v1);
    expect(liveNow.ETag).toBe(liveBefore.ETag);
    expect(control.runtime.liveFunctions.get('versioned')!.code).toBe(v1);

    // The old DEVELOPMENT ETag is stale now: PreconditionFailed.
    await expect(failure(control.client.send(new PublishFunctionCommand({ Name: 'versioned', IfMatch: created.ETag! })))).resolves.toEqual({ name: 'PreconditionFailed', status: 412 });
    const republished = await control.client.send(new PublishFunctionCommand({ Name: 'versioned', IfMatch: updated.ETag! }));
    expect(republished.FunctionSummary!.FunctionConfig!.Comment).toBe('v2');
    expect(control.runtime.liveFunctions.get('versioned')!.code).toBe(v2);
    expect((await control.client.send(new DescribeFunctionCommand({ Name: 'versioned', Stage: 'LIVE' }))).ETag).not.toBe(liveBefore.ETag);
  });

  it('If-Match: missing → InvalidIfMatchVersion (400), stale → PreconditionFailed (412), on update, publish, test and delete', async () => {
    const created = await create(control.client, 'guarded', 'function handler(event) { return event.request; }');
    const updateBody = `<?xml version="1.0" encoding="UTF-8"?><UpdateFunctionRequest xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><FunctionConfig><Comment>x</Comment><Runtime>cloudfront-js-2.0</Runtime></FunctionConfig><FunctionCode>${Buffer.from('function handler(e) { return e.request; }').toString('base64')}</FunctionCode></UpdateFunctionRequest>`;
    const testBody = `<TestFunctionRequest xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><EventObject>${Buffer.from(JSON.stringify(VIEWER_REQUEST_EVENT)).toString('base64')}</EventObject></TestFunctionRequest>`;
    const requests: Array<[string, string, string]> = [
      ['PUT', '/2020-05-31/function/guarded', updateBody],
      ['POST', '/2020-05-31/function/guarded/publish', ''],
      ['POST', '/2020-05-31/function/guarded/test', testBody],
      ['DELETE', '/2020-05-31/function/guarded', ''],
    ];
    for (const [method, path, body] of requests) {
      const missing = await call(control.server.url, method, path, { body });
      expect([method, path, missing.status, missing.code]).toEqual([method, path, 400, 'InvalidIfMatchVersion']);
      const stale = await call(control.server.url, method, path, { body, headers: { 'if-match': 'ESTALEETAG000' } });
      expect([method, path, stale.status, stale.code]).toEqual([method, path, 412, 'PreconditionFailed']);
    }
    // Nothing changed.
    expect((await control.client.send(new DescribeFunctionCommand({ Name: 'guarded' }))).ETag).toBe(created.ETag);
    expect(control.runtime.liveFunctions.has('guarded')).toBe(false);
    // The SDK sends If-Match: a stale one is PreconditionFailed there too.
    await expect(failure(control.client.send(new DeleteFunctionCommand({ Name: 'guarded', IfMatch: 'ESTALEETAG000' })))).resolves.toEqual({ name: 'PreconditionFailed', status: 412 });
  });

  it("errors with CloudFront's codes and statuses", async () => {
    await create(control.client, 'taken', 'function handler(e) { return e.request; }');
    await expect(failure(create(control.client, 'taken', 'function handler(e) { return e.request; }'))).resolves.toEqual({ name: 'FunctionAlreadyExists', status: 409 });
    await expect(failure(create(control.client, 'too-big', `function handler(e) { return e.request; } // ${'x'.repeat(11_000)}`))).resolves.toEqual({ name: 'FunctionSizeLimitExceeded', status: 413 });
    await expect(failure(create(control.client, 'broken', 'function handler(e) { return e.request'))).resolves.toEqual({ name: 'InvalidArgument', status: 400 });
    await expect(
      failure(
        control.client.send(
          new CreateFunctionCommand({
            Name: 'unknown-store',
            FunctionConfig: {
              Comment: '',
              Runtime: 'cloudfront-js-2.0',
              KeyValueStoreAssociations: { Quantity: 1, Items: [{ KeyValueStoreARN: 'arn:aws:cloudfront::000000000000:key-value-store/nope' }] },
            },
            FunctionCode: code('function handler(e) { return e.request; }'),
          }),
        ),
      ),
    ).resolves.toEqual({ name: 'InvalidArgument', status: 400 });
    await expect(
      failure(
        control.client.send(
          new CreateFunctionCommand({
            Name: 'tagged',
            FunctionConfig: { Comment: '', Runtime: 'cloudfront-js-2.0' },
            FunctionCode: code('function handler(e) { return e.request; }'),
            Tags: { Items: [{ Key: 'team', Value: 'web' }] },
          }),
        ),
      ),
    ).resolves.toEqual({ name: 'UnsupportedOperation', status: 400 });
    await expect(failure(control.client.send(new DescribeFunctionCommand({ Name: 'nope' })))).resolves.toEqual({ name: 'NoSuchFunctionExists', status: 404 });
    await expect(failure(control.client.send(new GetFunctionCommand({ Name: 'taken', Stage: 'LIVE' })))).resolves.toEqual({ name: 'NoSuchFunctionExists', status: 404 });
    await expect(failure(control.client.send(new PublishFunctionCommand({ Name: 'nope', IfMatch: 'EX' })))).resolves.toEqual({ name: 'NoSuchFunctionExists', status: 404 });
    const etag = (await control.client.send(new DescribeFunctionCommand({ Name: 'taken' }))).ETag!;
    await expect(failure(control.client.send(new TestFunctionCommand({ Name: 'taken', IfMatch: etag, EventObject: code('{"not":"an event"}') })))).resolves.toEqual({
      name: 'InvalidArgument',
      status: 400,
    });
    // A name outside [a-zA-Z0-9-_]{1,64}.
    const badName = await call(control.server.url, 'GET', '/2020-05-31/function/bad.name/describe');
    expect([badName.status, badName.code]).toEqual([400, 'InvalidArgument']);
  });

  it('a function that throws: TestFunction answers 200 with FunctionErrorMessage and the logs', async () => {
    const created = await create(control.client, 'thrower', 'function handler(event) { console.log("about to fail"); throw new Error("boom"); }');
    const r = await control.client.send(new TestFunctionCommand({ Name: 'thrower', IfMatch: created.ETag!, EventObject: code(JSON.stringify(VIEWER_REQUEST_EVENT)) }));
    expect(r.TestResult!.FunctionErrorMessage).toMatch(/boom/);
    expect(r.TestResult!.FunctionExecutionLogs).toEqual(['about to fail']);
    expect(r.TestResult!.FunctionOutput ?? '').toBe('');
  });

  it('a 2.0 function reading a configured key value store, tested', async () => {
    const source = `import cf from 'cloudfront';
const kvs = cf.kvs();
async function handler(event) {
  try { return { statusCode: 301, statusDescription: 'Moved', headers: { location: { value: await kvs.get(event.request.uri) } } }; }
  catch (e) { return event.request; }
}`;
    const created = await control.client.send(
      new CreateFunctionCommand({
        Name: 'kvs-redirect',
        FunctionConfig: {
          Comment: '',
          Runtime: 'cloudfront-js-2.0',
          KeyValueStoreAssociations: { Quantity: 1, Items: [{ KeyValueStoreARN: 'arn:aws:cloudfront::000000000000:key-value-store/redirects' }] },
        },
        FunctionCode: code(source),
      }),
    );
    expect(created.FunctionSummary!.FunctionConfig!.KeyValueStoreAssociations).toEqual({ Quantity: 1, Items: [{ KeyValueStoreARN: 'arn:aws:cloudfront::000000000000:key-value-store/redirects' }] });
    const event = { ...VIEWER_REQUEST_EVENT, request: { ...VIEWER_REQUEST_EVENT.request, uri: '/old' } };
    const r = await control.client.send(new TestFunctionCommand({ Name: 'kvs-redirect', IfMatch: created.ETag!, EventObject: code(JSON.stringify(event)) }));
    expect(JSON.parse(r.TestResult!.FunctionOutput!).response).toMatchObject({ statusCode: 301, headers: { location: { value: 'https://new.example/' } } });
  });

  it('delete: FunctionInUse (409) while a cache behavior associates it; else 204 and the LIVE code stops running', async () => {
    const inUse = await create(control.client, IN_USE, 'function handler(e) { return e.request; }');
    expect(inUse.FunctionSummary!.Status).toBe('UNPUBLISHED');
    const pub = await control.client.send(new PublishFunctionCommand({ Name: IN_USE, IfMatch: inUse.ETag! }));
    expect(pub.FunctionSummary!.Status).toBe('DEPLOYED');
    await expect(failure(control.client.send(new DeleteFunctionCommand({ Name: IN_USE, IfMatch: inUse.ETag! })))).resolves.toEqual({ name: 'FunctionInUse', status: 409 });
    expect(control.runtime.liveFunctions.has(IN_USE)).toBe(true);

    const gone = await create(control.client, 'gone', 'function handler(e) { return e.request; }');
    await control.client.send(new PublishFunctionCommand({ Name: 'gone', IfMatch: gone.ETag! }));
    const liveETag = (await control.client.send(new DescribeFunctionCommand({ Name: 'gone', Stage: 'LIVE' }))).ETag!;
    // The LIVE ETag is accepted too.
    const deleted = await control.client.send(new DeleteFunctionCommand({ Name: 'gone', IfMatch: liveETag }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect(control.runtime.functionChanges.at(-1)).toEqual({ name: 'gone', fn: null });
    expect(control.runtime.liveFunctions.has('gone')).toBe(false);
    await expect(failure(control.client.send(new DescribeFunctionCommand({ Name: 'gone' })))).resolves.toEqual({ name: 'NoSuchFunctionExists', status: 404 });
  });

  it('list: by name, Stage filter, MaxItems / Marker pages', async () => {
    const names = (r: { FunctionList?: { Items?: Array<{ Name?: string }> } }) => (r.FunctionList!.Items ?? []).map((f) => f.Name);
    const all = await control.client.send(new ListFunctionsCommand({}));
    const allNames = names(all);
    expect(allNames).toEqual([...allNames].sort());
    expect(allNames).toEqual(expect.arrayContaining(['add-index', 'versioned', 'taken']));
    // Without Stage: LIVE once published, else DEVELOPMENT.
    const byName = new Map(all.FunctionList!.Items!.map((f) => [f.Name, f]));
    expect(byName.get('add-index')!.FunctionMetadata!.Stage).toBe('LIVE');
    expect(byName.get('taken')!.FunctionMetadata!.Stage).toBe('DEVELOPMENT');
    const live = await control.client.send(new ListFunctionsCommand({ Stage: 'LIVE' }));
    expect(names(live)).not.toContain('taken');
    expect(names(live)).toContain('add-index');

    const pages: Array<string | undefined> = [];
    let marker: string | undefined;
    do {
      const page = await control.client.send(new ListFunctionsCommand({ MaxItems: 2, ...(marker ? { Marker: marker } : {}) }));
      expect(page.FunctionList!.MaxItems).toBe(2);
      expect(page.FunctionList!.Quantity).toBeLessThanOrEqual(2);
      pages.push(...names(page));
      marker = page.FunctionList!.NextMarker;
    } while (marker);
    expect(pages).toEqual(allNames);
  });
});

describe('CloudFront Functions API: persistence (functionsFile)', () => {
  let tmp: TempDir;
  let file: string;
  beforeEach(async () => {
    tmp = await makeTempDir('bf-functions-');
    file = join(tmp.path, 'cache', 'functions.sqlite');
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  const start = () => startRecordingControl(config, { credentials: creds, functionsFile: file });

  it('a garbage functions file: one warning, moved aside, an empty store that is kept from then on', async () => {
    await mkdir(join(tmp.path, 'cache'), { recursive: true });
    await writeFile(file, 'not an SQLite database '.repeat(100));
    const first = await start();
    try {
      expect(first.logs).toEqual([expect.stringMatching(/functions store .*functions\.sqlite is unreadable .*moved it to .*\.corrupt-\d+ and started an empty store/)]);
      expect((await first.client.send(new ListFunctionsCommand({}))).FunctionList!.Quantity).toBe(0);
      await create(first.client, 'after', 'function handler(e) { return e.request; }');
    } finally {
      first.client.destroy();
      await first.server.close();
    }
    expect((await readdir(join(tmp.path, 'cache'))).filter((n) => n.includes('.corrupt-'))).toHaveLength(1);
    const second = await start();
    try {
      expect(second.logs).toEqual([]);
      expect((await second.client.send(new ListFunctionsCommand({}))).FunctionList!.Items!.map((f) => f.Name)).toEqual(['after']);
    } finally {
      second.client.destroy();
      await second.server.close();
    }
  });

  it('both stages, their ETags, code and times survive a restart on the same file', async () => {
    const first = await start();
    const v1 = 'function handler(e) { return e.request; }';
    const v2 = 'function handler(e) { e.request.uri = "/two"; return e.request; }';
    const created = await create(first.client, 'kept', v1, 'cloudfront-js-2.0', 'first');
    await first.client.send(new PublishFunctionCommand({ Name: 'kept', IfMatch: created.ETag! }));
    const updated = await first.client.send(
      new UpdateFunctionCommand({ Name: 'kept', IfMatch: created.ETag!, FunctionConfig: { Comment: 'second', Runtime: 'cloudfront-js-2.0' }, FunctionCode: code(v2) }),
    );
    await create(first.client, 'draft', v1);
    const before = {
      dev: await first.client.send(new DescribeFunctionCommand({ Name: 'kept' })),
      live: await first.client.send(new DescribeFunctionCommand({ Name: 'kept', Stage: 'LIVE' })),
    };
    first.client.destroy();
    await first.server.close();

    const second = await start();
    try {
      expect(second.logs).toEqual([]);
      const dev = await second.client.send(new DescribeFunctionCommand({ Name: 'kept' }));
      const live = await second.client.send(new DescribeFunctionCommand({ Name: 'kept', Stage: 'LIVE' }));
      expect(dev.ETag).toBe(updated.ETag);
      expect(dev.FunctionSummary).toEqual(before.dev.FunctionSummary);
      expect(live.ETag).toBe(before.live.ETag);
      expect(live.FunctionSummary).toEqual(before.live.FunctionSummary);
      expect(text((await second.client.send(new GetFunctionCommand({ Name: 'kept', Stage: 'LIVE' }))).FunctionCode)).toBe(v1);
      expect(text((await second.client.send(new GetFunctionCommand({ Name: 'kept' }))).FunctionCode)).toBe(v2);
      expect((await second.client.send(new ListFunctionsCommand({}))).FunctionList!.Items!.map((f) => f.Name)).toEqual(['draft', 'kept']);
      // The stored ETag still guards the next change.
      await second.client.send(new PublishFunctionCommand({ Name: 'kept', IfMatch: updated.ETag! }));
      expect(second.runtime.liveFunctions.get('kept')!.code).toBe(v2);
      await second.client.send(new DeleteFunctionCommand({ Name: 'draft', IfMatch: (await second.client.send(new DescribeFunctionCommand({ Name: 'draft' }))).ETag! }));
    } finally {
      second.client.destroy();
      await second.server.close();
    }

    const third = await start();
    try {
      expect((await third.client.send(new ListFunctionsCommand({}))).FunctionList!.Items!.map((f) => f.Name)).toEqual(['kept']);
      expect(text((await third.client.send(new GetFunctionCommand({ Name: 'kept', Stage: 'LIVE' }))).FunctionCode)).toBe(v2);
    } finally {
      third.client.destroy();
      await third.server.close();
    }
  });
});
