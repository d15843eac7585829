/**
 * Key value stores on a control server alone (no data plane): the cloudfront-keyvaluestore API's
 * authentication (SigV4A from the SDK's own signer, a tampered signature, SigV4 also accepted,
 * unsigned refused), the CreateKeyValueStore refusals (ImportSource, bad names), a function
 * associated with an unknown store, TestFunction reading an API-created store, DeleteKeyValueStore
 * once no function uses it, and the `aws cloudfront … key-value-store` CLI (v1).
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import {
  type CloudFrontClient,
  CreateFunctionCommand,
  CreateKeyValueStoreCommand,
  DeleteFunctionCommand,
  DeleteKeyValueStoreCommand,
  DescribeKeyValueStoreCommand,
  TestFunctionCommand,
} from '@aws-sdk/client-cloudfront';
import { SignatureV4a } from '@aws-sdk/signature-v4a';
import { SignatureV4 } from '@smithy/signature-v4';
import { hasAwsCli, makeTempDir, runAws, type TempDir } from '@bucketfront/test-support';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { edgeConfigFixture, startRecordingControl, type RecordingControl } from './fixtures/control-server.js';

const creds = { accessKeyId: 'AKIDKVS', secretAccessKey: 'kvs-secret' };
let control: RecordingControl;
let cf: CloudFrontClient;
beforeEach(async () => {
  control = await startRecordingControl(edgeConfigFixture(), { credentials: creds });
  cf = control.client;
});
afterEach(() => control.close());

const err = (e: unknown) => e as { name: string; $metadata: { httpStatusCode?: number } };
const enc = new TextEncoder();

/** The SDK signers' hash interface over node:crypto (HMAC when keyed). */
class NodeSha256 {
  private readonly h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}
function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Buffer {
  if (typeof data === 'string') return data;
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}

/** A raw cloudfront-keyvaluestore request signed by the SDK's SigV4A or SigV4 signer. */
async function kvsCall(method: string, path: string, body: string, how: 'sigv4a' | 'sigv4' | 'none', headers: Record<string, string> = {}, tamper?: (h: Record<string, string>) => void) {
  const host = `127.0.0.1:${control.server.port}`;
  const req = { method, protocol: 'http:', hostname: '127.0.0.1', port: control.server.port, path, query: {}, headers: { host, 'content-type': 'application/json', ...headers }, body };
  let signedHeaders: Record<string, string> = req.headers;
  if (how !== 'none') {
    const opts = { credentials: creds, service: 'cloudfront-keyvaluestore', sha256: NodeSha256, applyChecksum: true };
    const signer = how === 'sigv4a' ? new SignatureV4a({ ...opts, region: '*' }) : new SignatureV4({ ...opts, region: 'us-east-1' });
    const signed = await signer.sign(req, {});
    signedHeaders = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
  }
  tamper?.(signedHeaders);
  const res = await request(`http://${host}${path}`, { method, headers: signedHeaders, ...(method === 'GET' ? {} : { body }) });
  const text = await res.body.text();
  return { status: res.statusCode, type: res.headers['x-amzn-errortype'], etag: res.headers['etag'], json: text ? JSON.parse(text) : undefined };
}

const keysPath = (arn: string) => `/key-value-stores/${encodeURIComponent(arn)}/keys`;

describe('cloudfront-keyvaluestore API authentication', () => {
  it('SigV4A and SigV4 (service cloudfront-keyvaluestore) are accepted; tampered, wrong-key and unsigned requests are not', async () => {
    const arn = (await cf.send(new CreateKeyValueStoreCommand({ Name: 'auth' }))).KeyValueStore!.ARN!;
    const describe = `/key-value-stores/${encodeURIComponent(arn)}`;
    const a = await kvsCall('GET', describe, '', 'sigv4a');
    expect([a.status, a.json.ItemCount]).toEqual([200, 0]);
    const put = await kvsCall('PUT', `${keysPath(arn)}/${encodeURIComponent('a/b c')}`, '{"Value":"v"}', 'sigv4', { 'if-match': String(a.etag) });
    expect([put.status, put.json]).toEqual([200, { ItemCount: 1, TotalSizeInBytes: 6 }]);

    const tampered = await kvsCall('PUT', `${keysPath(arn)}/k`, '{"Value":"v"}', 'sigv4a', { 'if-match': String(put.etag) }, (h) => {
      h['if-match'] = 'KVOTHER';
    });
    expect([tampered.status, tampered.type]).toEqual([403, 'InvalidSignatureException']);
    const badSig = await kvsCall('GET', describe, '', 'sigv4a', {}, (h) => {
      h['authorization'] = h['authorization']!.replace(/Signature=([0-9a-f]{10})/, 'Signature=0000000000');
    });
    expect([badSig.status, badSig.type]).toEqual([403, 'InvalidSignatureException']);
    const unsigned = await kvsCall('GET', describe, '', 'none');
    expect([unsigned.status, unsigned.type]).toEqual([403, 'AccessDeniedException']);
    const otherKey = await kvsCall('GET', describe, '', 'sigv4a', {}, (h) => {
      h['authorization'] = h['authorization']!.replace('Credential=AKIDKVS/', 'Credential=AKIDOTHER/');
    });
    expect([otherKey.status, otherKey.type]).toEqual([403, 'UnrecognizedClientException']);
    // Not JSON, not a store ARN: ValidationException.
    expect((await kvsCall('POST', keysPath(arn), 'nope', 'sigv4a', { 'if-match': String(put.etag) })).type).toBe('ValidationException');
    expect((await kvsCall('GET', '/key-value-stores/not-an-arn', '', 'sigv4a')).type).toBe('ValidationException');
  });
});

describe('key value stores and functions on the control API', () => {
  it('refuses ImportSource, Tags and bad names; a function cannot associate a store that does not exist', async () => {
    expect(await cf.send(new CreateKeyValueStoreCommand({ Name: 'imp', ImportSource: { SourceType: 'S3', SourceARN: 'arn:aws:s3:::bucket/data.json' } })).catch(err)).toMatchObject({
      name: 'UnsupportedOperation',
      $metadata: { httpStatusCode: 400 },
    });
    expect(await cf.send(new CreateKeyValueStoreCommand({ Name: 'bad name' })).catch(err)).toMatchObject({ name: 'InvalidArgument' });
    expect(await cf.send(new CreateKeyValueStoreCommand({ Name: 'c', Comment: 'x'.repeat(129) })).catch(err)).toMatchObject({ name: 'InvalidArgument' });
    const ghost = 'arn:aws:cloudfront::000000000000:key-value-store/00000000-0000-4000-8000-000000000000';
    expect(
      await cf
        .send(
          new CreateFunctionCommand({
            Name: 'f',
            FunctionConfig: { Comment: '', Runtime: 'cloudfront-js-2.0', KeyValueStoreAssociations: { Quantity: 1, Items: [{ KeyValueStoreARN: ghost }] } },
            FunctionCode: enc.encode('function handler(e) { return e.request; }'),
          }),
        )
        .catch(err),
    ).toMatchObject({ name: 'InvalidArgument' });
  });

  it('TestFunction reads the associated store; DeleteKeyValueStore succeeds once the function is gone', async () => {
    const store = await cf.send(new CreateKeyValueStoreCommand({ Name: 'greetings' }));
    const arn = store.KeyValueStore!.ARN!;
    const d = await kvsCall('GET', `/key-value-stores/${encodeURIComponent(arn)}`, '', 'sigv4a');
    await kvsCall('PUT', `${keysPath(arn)}/hello`, '{"Value":"world"}', 'sigv4a', { 'if-match': String(d.etag) });
    const code = `import cf from 'cloudfront';
const kvs = cf.kvs();
async function handler(event) {
  event.request.headers['x-greeting'] = { value: await kvs.get('hello') };
  event.request.headers['x-keys'] = { value: String((await kvs.meta()).keyCount) };
  return event.request;
}`;
    const fn = await cf.send(
      new CreateFunctionCommand({
        Name: 'greet',
        FunctionConfig: { Comment: '', Runtime: 'cloudfront-js-2.0', KeyValueStoreAssociations: { Quantity: 1, Items: [{ KeyValueStoreARN: arn }] } },
        FunctionCode: enc.encode(code),
      }),
    );
    const event = { version: '1.0', context: { eventType: 'viewer-request' }, viewer: { ip: '198.51.100.11' }, request: { method: 'GET', uri: '/', headers: {}, cookies: {}, querystring: {} } };
    const tested = await cf.send(new TestFunctionCommand({ Name: 'greet', IfMatch: fn.ETag!, EventObject: enc.encode(JSON.stringify(event)) }));
    expect(tested.TestResult!.FunctionErrorMessage ?? '').toBe('');
    expect(JSON.parse(tested.TestResult!.FunctionOutput!).request.headers['x-greeting']).toEqual({ value: 'world' });

    expect(await cf.send(new DeleteKeyValueStoreCommand({ Name: 'greetings', IfMatch: store.ETag! })).catch(err)).toMatchObject({ name: 'CannotDeleteEntityWhileInUse' });
    expect(await cf.send(new DeleteKeyValueStoreCommand({ Name: 'greetings', IfMatch: '' })).catch(err)).toMatchObject({ name: 'InvalidIfMatchVersion' });
    await cf.send(new DeleteFunctionCommand({ Name: 'greet', IfMatch: fn.ETag! }));
    await cf.send(new DeleteKeyValueStoreCommand({ Name: 'greetings', IfMatch: store.ETag! }));
    expect(await cf.send(new DescribeKeyValueStoreCommand({ Name: 'greetings' })).catch(err)).toMatchObject({ name: 'EntityNotFound' });
    expect((await kvsCall('GET', `/key-value-stores/${encodeURIComponent(arn)}`, '', 'sigv4a')).type).toBe('ResourceNotFoundException');
  });
});

describe.skipIf(!hasAwsCli())('key value stores with the aws CLI (v1)', () => {
  let tmp: TempDir;
  beforeEach(async () => {
    tmp = await makeTempDir('bf-cli-kvs-');
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  it('create-key-value-store, describe-key-value-store, list-key-value-stores, update-key-value-store, delete-key-value-store', async () => {
    const aws = async (args: string[]) => {
      const res = await runAws(['cloudfront', ...args, '--output', 'json'], { endpointUrl: control.server.url, credentials: creds, cwd: tmp.path });
      return { ...res, json: res.code === 0 && res.stdout.trim() ? JSON.parse(res.stdout) : undefined };
    };
    const created = await aws(['create-key-value-store', '--name', 'cli-store', '--comment', 'from the CLI']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.json.KeyValueStore).toMatchObject({ Name: 'cli-store', Comment: 'from the CLI', Status: 'READY' });
    expect(created.json.ETag).toMatch(/^E/);
    const described = await aws(['describe-key-value-store', '--name', 'cli-store']);
    expect(described.json.KeyValueStore.ARN).toBe(created.json.KeyValueStore.ARN);
    const listed = await aws(['list-key-value-stores']);
    expect(listed.json.KeyValueStoreList.Items.map((s: { Name: string }) => s.Name)).toEqual(['cli-store']);
    const updated = await aws(['update-key-value-store', '--name', 'cli-store', '--comment', 'changed', '--if-match', described.json.ETag]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.json.KeyValueStore.Comment).toBe('changed');
    const stale = await aws(['delete-key-value-store', '--name', 'cli-store', '--if-match', described.json.ETag]);
    expect(stale.stderr).toMatch(/PreconditionFailed/);
    const deleted = await aws(['delete-key-value-store', '--name', 'cli-store', '--if-match', updated.json.ETag]);
    expect(deleted.code, deleted.stderr).toBe(0);
  });
});
