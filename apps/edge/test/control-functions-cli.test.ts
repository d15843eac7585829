/**
 * The installed `aws` CLI (v1) managing CloudFront Functions on a real edge, exactly as the
 * developer guide runs it: create-function with `fileb://`, describe-function, test-function,
 * publish-function, update-function, get-function, list-functions, delete-function
 * (`--endpoint-url` the edge's control port, the edge's credentials). Skipped loudly when the CLI
 * is missing; under CI=true that fails instead (hasAwsCli).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hasAwsCli, makeTempDir, runAws, type TempDir } from '@bucketfront/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdge, type RunningEdge } from '../src/index.js';
import { echoUrl, get, oneDistribution, startTinyOrigin, type TinyOrigin } from './helpers.js';
import { ADD_INDEX_HTML } from './fixtures/aws-functions.js';

describe.skipIf(!hasAwsCli())('CloudFront Functions with the aws CLI', () => {
  let tmp: TempDir;
  let origin: TinyOrigin;
  let edge: RunningEdge;

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
    await writeFile(
      join(tmp.path, 'event.json'),
      JSON.stringify({
        version: '1.0',
        context: { eventType: 'viewer-request' },
        viewer: { ip: '198.51.100.11' },
        request: { method: 'GET', uri: '/blog/', headers: { host: { value: 'www.example.com' } }, cookies: {}, querystring: {} },
      }),
    );
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
});
