/**
 * The installed `aws` CLI (v1) managing CloudFront Functions on a real edge, exactly as the
 * developer guide runs it: create-function with `fileb://`, describe-function, test-function,
 * publish-function, update-function, get-function, list-functions, delete-function
 * (`--endpoint-url` the edge's control port, the edge's credentials); and key value stores with
 * create-key-value-store and the `cloudfront-keyvaluestore` data commands, signed with SigV4A.
 * Skipped loudly when the CLI (or, for the data commands, its awscrt module) is missing; under
 * CI=true that fails instead (hasAwsCli, hasAwsCrt).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { awsCrtEnv, hasAwsCli, hasAwsCrt, makeTempDir, runAws, type TempDir } from '@bucketfront/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdge, type RunningEdge } from '../src/index.js';
import { echoUrl, get, oneDistribution, startTinyOrigin, type TinyOrigin } from './helpers.js';
import { ADD_INDEX_HTML } from './fixtures/aws-functions.js';

describe.skipIf(!hasAwsCli())('CloudFront Functions with the aws CLI', () => {
  let tmp: TempDir;
  let origin: TinyOrigin;
  let edge: RunningEdge;

  /** A viewer-request event for `test-function --event-object fileb://<file>`. */
  async function writeEventObject(file: string, uri: string, headers: Record<string, { value: string }> = {}) {
    const event = { version: '1.0', context: { eventType: 'viewer-request' }, viewer: { ip: '198.51.100.11' }, request: { method: 'GET', uri, headers, cookies: {}, querystring: {} } };
    await writeFile(join(tmp.path, file), JSON.stringify(event));
  }

  async function aws(args: string[]) {
    const res = await runAws(['cloudfront', ...args, '--output', 'json'], { endpointUrl: edge.controlUrl, credentials: edge.credentials, cwd: tmp.path });
    return { ...res, json: res.code === 0 && res.stdout.trim() ? JSON.parse(res.stdout) : undefined };
  }

  beforeAll(async () => {
    tmp = await makeTempDir('bf-cli-fn-');
    origin = await startTinyOrigin({ '*': echoUrl('no-store') });
    edge = await startEdge({
      config: oneDistribution(origin.url, {}, { functionAssociations: [{ eventType: 'viewer-request', functionArn: 'add-index' }] }),
      workers: 1,
      credentials: { accessKeyId: 'AKIDCLIFUNCTIONS', secretAccessKey: 'cli-functions-secret' },
      log: () => {},
    });
    await writeFile(join(tmp.path, 'add-index.js'), ADD_INDEX_HTML);
    await writeFile(join(tmp.path, 'kvs-redirects.js'), await readFile(fileURLToPath(new URL('../../../examples/functions/kvs-redirects.js', import.meta.url))));
    await writeEventObject('event.json', '/blog/', { host: { value: 'www.example.com' } });
  });
  afterAll(async () => {
    await edge?.close();
    await origin?.close();
    await tmp?.cleanup();
  });

  it('create-function → test-function → publish-function: the edge runs it; update-function, get-function, list-functions, delete-function', async () => {
    const created = await aws(['create-function', '--name', 'add-index', '--function-config', 'Comment=Add index.html,Runtime=cloudfront-js-2.0', '--function-code', 'fileb://add-index.js']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.json.ETag).toMatch(/^E[A-Z0-9]{12}$/);
    expect(created.json.Location).toBe(`${edge.controlUrl}/2020-05-31/function/add-index`);
    expect(created.json.FunctionSummary).toMatchObject({
      Name: 'add-index',
      Status: 'UNPUBLISHED',
      FunctionConfig: { Comment: 'Add index.html', Runtime: 'cloudfront-js-2.0' },
      FunctionMetadata: { Stage: 'DEVELOPMENT' },
    });

    const described = await aws(['describe-function', '--name', 'add-index']);
    expect(described.json.ETag).toBe(created.json.ETag);

    const tested = await aws(['test-function', '--name', 'add-index', '--if-match', created.json.ETag, '--event-object', 'fileb://event.json']);
    expect(tested.code).toBe(0);
    expect(tested.json.TestResult.FunctionErrorMessage).toBe('');
    expect(tested.json.TestResult.FunctionExecutionLogs).toEqual([]);
    expect(JSON.parse(tested.json.TestResult.FunctionOutput).request.uri).toBe('/blog/index.html');

    expect((await get(`${edge.url}/blog/`)).body.toString()).toBe('origin saw /blog/');
    const published = await aws(['publish-function', '--name', 'add-index', '--if-match', created.json.ETag]);
    expect(published.code).toBe(0);
    expect(published.json.FunctionSummary).toMatchObject({ Status: 'DEPLOYED', FunctionMetadata: { Stage: 'LIVE' } });
    expect((await get(`${edge.url}/blog/`)).body.toString()).toBe('origin saw /blog/index.html');

    await writeFile(join(tmp.path, 'v2.js'), 'function handler(event) { event.request.uri = "/v2" + event.request.uri; return event.request; }');
    const updated = await aws([
      'update-function',
      '--name',
      'add-index',
      '--if-match',
      created.json.ETag,
      '--function-config',
      'Comment=v2,Runtime=cloudfront-js-2.0',
      '--function-code',
      'fileb://v2.js',
    ]);
    expect(updated.code).toBe(0);
    expect(updated.json.ETag).toMatch(/^E[A-Z0-9]{12}$/);
    expect(updated.json.ETag).not.toBe(created.json.ETag);
    const stale = await aws(['publish-function', '--name', 'add-index', '--if-match', created.json.ETag]);
    expect(stale.code).not.toBe(0);
    expect(stale.stderr).toContain('(PreconditionFailed)');
    expect((await aws(['publish-function', '--name', 'add-index', '--if-match', updated.json.ETag])).code).toBe(0);
    expect((await get(`${edge.url}/blog/`)).body.toString()).toBe('origin saw /v2/blog/');

    // get-function writes the code to a file (its payload is a blob).
    const fetched = await runAws(['cloudfront', 'get-function', '--name', 'add-index', '--stage', 'LIVE', join(tmp.path, 'live.js')], { endpointUrl: edge.controlUrl, credentials: edge.credentials });
    expect(fetched.code).toBe(0);
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(join(tmp.path, 'live.js'), 'utf8')).toContain('"/v2"');

    const listed = await aws(['list-functions']);
    expect(listed.json.FunctionList.Items.map((f: { Name: string }) => f.Name)).toEqual(['add-index']);

    const inUse = await aws(['delete-function', '--name', 'add-index', '--if-match', updated.json.ETag]);
    expect(inUse.code).not.toBe(0);
    expect(inUse.stderr).toContain('(FunctionInUse)');
    const missing = await aws(['describe-function', '--name', 'nope']);
    expect(missing.stderr).toContain('(NoSuchFunctionExists)');
  });

  it.skipIf(!hasAwsCrt())(
    'create-key-value-store, then the cloudfront-keyvaluestore commands (SigV4A) put, get, list and delete keys that a function reads',
    async () => {
      const created = await aws(['create-key-value-store', '--name', 'redirect-map', '--comment', 'old paths']);
      expect(created.stderr).toBe('');
      const arn = created.json.KeyValueStore.ARN as string;
      expect(arn).toMatch(/^arn:aws:cloudfront::\d{12}:key-value-store\/[0-9a-f-]{36}$/);
      // The CLI sends data requests to <account id>.<endpoint host>, as it does to AWS; the proxy
      // stands in for the DNS record docs/cloudfront-functions.md describes.
      const kvs = async (args: string[]) => {
        const res = await runAws(['cloudfront-keyvaluestore', ...args, '--kvs-arn', arn, '--output', 'json'], {
          endpointUrl: edge.controlUrl,
          credentials: edge.credentials,
          env: { ...awsCrtEnv(), HTTP_PROXY: edge.controlUrl, http_proxy: edge.controlUrl, NO_PROXY: '', no_proxy: '' },
        });
        return { ...res, json: res.code === 0 && res.stdout.trim() ? JSON.parse(res.stdout) : undefined };
      };
      const described = await kvs(['describe-key-value-store']);
      expect(described.stderr).toBe('');
      expect(described.json).toMatchObject({ KvsARN: arn, ItemCount: 0, Status: 'READY' });
      const put = await kvs(['put-key', '--key', '/old', '--value', '/new', '--if-match', described.json.ETag]);
      expect(put.json).toMatchObject({ ItemCount: 1 });
      expect((await kvs(['get-key', '--key', '/old'])).json).toMatchObject({ Key: '/old', Value: '/new' });
      expect((await kvs(['list-keys'])).json.Items).toEqual([{ Key: '/old', Value: '/new' }]);
      const stale = await kvs(['put-key', '--key', '/x', '--value', '/y', '--if-match', described.json.ETag]);
      expect(stale.code).not.toBe(0);
      expect(stale.stderr).toMatch(/ConflictException|PreconditionFailed/);

      // a function associated with the store reads the key the CLI put
      const fn = await aws([
        'create-function',
        '--name',
        'kvs-redirects',
        '--function-config',
        `Comment=,Runtime=cloudfront-js-2.0,KeyValueStoreAssociations={Quantity=1,Items=[{KeyValueStoreARN=${arn}}]}`,
        '--function-code',
        'fileb://kvs-redirects.js',
      ]);
      expect(fn.stderr).toBe('');
      await writeEventObject('old.json', '/old');
      const tested = await aws(['test-function', '--name', 'kvs-redirects', '--if-match', fn.json.ETag, '--event-object', 'fileb://old.json']);
      expect(tested.stderr).toBe('');
      expect(JSON.parse(tested.json.TestResult.FunctionOutput)).toMatchObject({ response: { statusCode: 301, headers: { location: { value: '/new' } } } });

      const deleted = await kvs(['delete-key', '--key', '/old', '--if-match', put.json.ETag]);
      expect(deleted.json).toMatchObject({ ItemCount: 0 });
      const gone = await kvs(['get-key', '--key', '/old']);
      expect(gone.code).not.toBe(0);
      expect(gone.stderr).toMatch(/ResourceNotFoundException/);
    },
    180_000,
  ); // eleven aws CLI runs, ~1–3 s each on a loaded machine
});
