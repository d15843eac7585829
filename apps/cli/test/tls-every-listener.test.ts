/**
 * Every listener of `bucketfront dev --tls` over HTTPS with the local CA, checked by the tools a
 * user would reach for (docs/tls.md): `openssl s_client` verifies the chain and name on the S3 API,
 * website, edge viewer and edge control ports; the aws CLI (`--ca-bundle`) lists buckets on the S3
 * API and creates an invalidation on the edge's CloudFront API; curl fetches the site through
 * the edge over HTTP/2 with the same headers as over HTTP/1.1.
 */
import { join } from 'node:path';
import { awsEnv, hasAwsCli, hasTool, makeTempDir, missingPrerequisite, runCommand, type TempDir } from '@bucketfront/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDev, type DevStack } from '../src/dev/run-dev.js';

const hasOpenssl = hasTool('openssl', ['version']);
if (!hasOpenssl) missingPrerequisite("'openssl' is not installed", 'Install it with: apt-get install -y openssl');
const hasCurl = hasTool('curl', ['--version']);
if (!hasCurl) missingPrerequisite("'curl' is not installed", 'Install it with: apt-get install -y curl');

let tmp: TempDir;
let dev: DevStack;
let caFile: string;

beforeAll(async () => {
  tmp = await makeTempDir('bucketfront-tls-all-');
  dev = await runDev({ dataDir: join(tmp.path, 'data'), devCa: true, originPort: 0, websitePort: 0, edgePort: 0, controlPort: 0, workers: 1, log: () => {} });
  caFile = dev.tls!.ca!.certFile;
});
afterAll(async () => {
  await dev?.close();
  await tmp?.cleanup();
});

const port = (url: string) => new URL(url).port;

describe.skipIf(!hasOpenssl)('openssl s_client on every listener', () => {
  it('S3 API, website, edge viewer and edge control: the chain and the name verify against the dev CA', async () => {
    const listeners = { 'S3 API': dev.originUrl, website: dev.websiteUrl, 'edge viewer': dev.edgeUrl, 'edge control': dev.controlUrl };
    for (const [name, url] of Object.entries(listeners)) {
      expect(url, name).toMatch(/^https:/);
      const r = await runCommand(
        'openssl',
        ['s_client', '-connect', `127.0.0.1:${port(url)}`, '-servername', 'localhost', '-CAfile', caFile, '-verify_hostname', 'localhost', '-verify_return_error'],
        {
          input: '',
          timeoutMs: 20_000,
        },
      );
      expect([name, r.stdout.includes('Verify return code: 0 (ok)')]).toEqual([name, true]);
    }
  });
});

describe.skipIf(!hasAwsCli())('the aws CLI with --ca-bundle', () => {
  it('s3 ls on the S3 API and cloudfront create-invalidation on the edge control API', async () => {
    const env = { ...awsEnv({ accessKeyId: dev.credentials.accessKeyId, secretAccessKey: dev.credentials.secretAccessKey }), AWS_MAX_ATTEMPTS: '1' };
    const ls = await runCommand('aws', ['s3', 'ls', '--endpoint-url', dev.originUrl, '--ca-bundle', caFile], { env, timeoutMs: 60_000 });
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toContain(dev.bucket);
    const inv = await runCommand('aws', ['cloudfront', 'create-invalidation', '--distribution-id', dev.distributionId, '--paths', '/*', '--endpoint-url', dev.controlUrl, '--ca-bundle', caFile], {
      env,
      timeoutMs: 60_000,
    });
    expect(inv.code, inv.stderr).toBe(0);
    expect(JSON.parse(inv.stdout).Invalidation.Status).toBe('Completed');
  });
});

describe.skipIf(!hasCurl)('curl through the edge over HTTPS', () => {
  it('--http2 is served from the cache with the headers HTTP/1.1 gets', async () => {
    const headersOf = async (flag: string) => {
      const r = await runCommand('curl', ['-sS', '-D', '-', '-o', '/dev/null', flag, '--cacert', caFile, `${dev.edgeUrl}/`], { timeoutMs: 30_000 });
      expect(r.code, r.stderr).toBe(0);
      const [status, ...lines] = r.stdout.trim().split(/\r?\n/);
      const h = new Map(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      return { status: status!, h };
    };
    await headersOf('--http1.1'); // fill
    const h1 = await headersOf('--http1.1');
    const h2 = await headersOf('--http2');
    expect(h2.status).toMatch(/^HTTP\/2 200/);
    expect(h2.h.get('x-cache')).toBe('Hit from cloudfront');
    const comparable = (m: Map<string, string>) => [...m.entries()].filter(([k]) => !['date', 'age', 'connection', 'keep-alive', 'x-amz-cf-id', 'via', 'transfer-encoding'].includes(k)).sort();
    expect(comparable(h2.h)).toEqual(comparable(h1.h));
  });
});
