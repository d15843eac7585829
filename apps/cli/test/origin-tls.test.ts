/**
 * The origin's HTTPS listeners (`startOrigin({ tls })`, docs/tls.md) against real clients:
 * openssl s_client, the aws CLI with --ca-bundle, the AWS SDK v3 with a private CA, the
 * bucketfront CLI with --ca-bundle / AWS_CA_BUNDLE, plain HTTP sent to the TLS port, and the
 * SIGHUP certificate reload (emitted in-process; `bucketfront origin` is also sent a real SIGHUP).
 * The certificates come from the dev CA code (src/dev/local-ca.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutBucketPolicyCommand,
  PutBucketWebsiteCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { isSecureRequest, startOrigin, type RunningOrigin, type TlsReloadEvent } from '@bucketfront/origin';
import { awsEnv, hasAwsCli, hasTool, makeTempDir, makeTestCredentials, missingPrerequisite, rawRequest, runCommand, statusOf, type TempDir, type TestCredentials } from '@bucketfront/test-support';
import { publicReadPolicy } from '../src/dev/run-dev.js';
import { runCli, spawnCli } from './helpers.js';
import { issueServerCertificate } from '../src/dev/local-ca.js';
import { makeTestPki, type TestPki } from './tls-fixtures.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The serial of the certificate the server presented on this connection. */
  serial: string;
  /** The client port: the same value means the same connection. */
  localPort: number;
}

/**
 * One HTTPS request through `agent` (which carries the CA). SNI and the name checked are
 * `localhost` whatever the Host header says (a website listener's Host is a bucket name).
 */
function httpsRequest(url: string, agent: https.Agent, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { agent, headers, servername: 'localhost' }, (res) => {
      const socket = res.socket as TLSSocket;
      const serial = socket.getPeerCertificate().serialNumber.toUpperCase();
      const localPort = socket.localPort ?? 0;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, serial, localPort }));
    });
    req.on('error', reject);
    req.end();
  });
}

function httpRequest(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

let tmp: TempDir;
let pki: TestPki & { serial: string };
let ca: Buffer;
let credentials: TestCredentials;
let origin: RunningOrigin;
let s3: S3Client;

beforeAll(async () => {
  tmp = await makeTempDir('bucketfront-origin-tls-');
  pki = makeTestPki(tmp.path);
  ca = readFileSync(pki.caFile);
  credentials = makeTestCredentials();
  origin = await startOrigin({
    dataDir: join(tmp.path, 'data'),
    port: 0,
    websitePort: 0,
    loopbackPort: 0,
    host: '127.0.0.1',
    credentials,
    accessLog: false,
    tls: { certFile: pki.certFile, keyFile: pki.keyFile },
  });
  s3 = new S3Client({
    endpoint: origin.url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
    requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca }) }),
  });
});

afterAll(async () => {
  s3?.destroy();
  await origin?.close();
  await tmp?.cleanup();
});

describe('the origin over HTTPS', () => {
  it('says so: https:// URLs for the API and website listeners, a plain loopback URL', () => {
    expect(origin.tls).toBe(true);
    expect(origin.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(origin.websiteTls).toBe(true);
    expect(origin.websiteUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(origin.loopbackUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('refuses to start with a missing certificate file, naming it', async () => {
    const missing = join(tmp.path, 'no-such-cert.pem');
    await expect(startOrigin({ dataDir: join(tmp.path, 'data-missing'), port: 0, credentials, accessLog: false, tls: { certFile: missing, keyFile: pki.keyFile } })).rejects.toThrow(missing);
  });

  it('the AWS SDK v3 with an https agent carrying the CA: PutObject, GetObject, and an https:// Location', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'tls-sdk' }));
    await s3.send(new PutObjectCommand({ Bucket: 'tls-sdk', Key: 'hello.txt', Body: 'over TLS' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'tls-sdk', Key: 'hello.txt' }));
    expect(await got.Body!.transformToString()).toBe('over TLS');

    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'tls-sdk', Key: 'multi.txt' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: 'tls-sdk', Key: 'multi.txt', UploadId, PartNumber: 1, Body: 'one part' }));
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'tls-sdk', Key: 'multi.txt', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] } }));
    expect(done.Location).toBe(`${origin.url}/tls-sdk/multi.txt`);
  });

  it('the SDK without the CA is refused by its own certificate check', async () => {
    const untrusting = new S3Client({ endpoint: origin.url, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });
    try {
      await expect(untrusting.send(new GetObjectCommand({ Bucket: 'tls-sdk', Key: 'hello.txt' }))).rejects.toThrow(/certificate/);
    } finally {
      untrusting.destroy();
    }
  });

  it('website redirects name the scheme the request came in on: https on the TLS website listener, http on the loopback', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'tls-site' }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'tls-site', Policy: publicReadPolicy('tls-site') }));
    await s3.send(
      new PutBucketWebsiteCommand({
        Bucket: 'tls-site',
        WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' }, RoutingRules: [{ Condition: { KeyPrefixEquals: 'old/' }, Redirect: { ReplaceKeyPrefixWith: 'new/' } }] },
      }),
    );
    const agent = new https.Agent({ ca });
    try {
      const secure = await httpsRequest(`${origin.websiteUrl}/old/page.html`, agent, { host: 'tls-site' });
      expect(secure.status).toBe(301);
      expect(secure.headers.location).toBe('https://tls-site/new/page.html');
    } finally {
      agent.destroy();
    }
    const plain = await httpRequest(`${origin.loopbackUrl}/old/page.html`, { host: 'tls-site.s3-website-us-east-1.localhost' });
    expect(plain.status).toBe(301);
    expect(plain.headers.location).toBe('http://tls-site.s3-website-us-east-1.localhost/new/page.html');
  });

  it('plain HTTP sent to the TLS port gets no HTTP answer, and the listener keeps serving', async () => {
    const raw = await rawRequest(origin.port, 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n').catch((err: NodeJS.ErrnoException) => `error ${err.code}`);
    expect(raw).not.toMatch(/HTTP\/1\.[01] /);
    const agent = new https.Agent({ ca });
    try {
      expect((await httpsRequest(`${origin.url}/`, agent)).status).toBe(403);
    } finally {
      agent.destroy();
    }
  });

  it('a malformed request inside an established TLS connection still gets the S3 error document', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: origin.port, ca, servername: 'localhost' }, () => socket.write('GARBAGE\r\n\r\n'));
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => (text += d));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(statusOf(answer)).toBe(400);
    expect(answer).toContain('<Code>InvalidRequest</Code>');
  });

  it('isSecureRequest tells a TLS request from a plain one', async () => {
    const seen: boolean[] = [];
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      seen.push(isSecureRequest(req));
      res.end();
    };
    const secure = https.createServer({ cert: readFileSync(pki.certFile), key: readFileSync(pki.keyFile) }, handler);
    const plain = http.createServer(handler);
    await new Promise<void>((r) => secure.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    const agent = new https.Agent({ ca });
    try {
      await httpsRequest(`https://127.0.0.1:${(secure.address() as { port: number }).port}/`, agent);
      await httpRequest(`http://127.0.0.1:${(plain.address() as { port: number }).port}/`);
      expect(seen).toEqual([true, false]);
    } finally {
      agent.destroy();
      secure.close();
      plain.close();
    }
  });
});

const hasOpenssl = hasTool('openssl', ['version']);
if (!hasOpenssl) missingPrerequisite("'openssl' is not installed", 'Install it with: apt-get install -y openssl');

describe.skipIf(!hasOpenssl)('openssl s_client', () => {
  it('handshakes with SNI localhost and verifies the chain and the name against the CA (Verify return code: 0)', async () => {
    const run = (name: string) =>
      runCommand('openssl', ['s_client', '-connect', `127.0.0.1:${origin.port}`, '-servername', name, '-CAfile', pki.caFile, '-verify_hostname', name, '-verify_return_error'], {
        input: '',
        timeoutMs: 20_000,
      });
    const ok = await run('localhost');
    expect(ok.stdout).toContain('Verify return code: 0 (ok)');
    // The check can fail: a name the certificate does not carry.
    const wrong = await run('example.com');
    expect(`${wrong.stdout}${wrong.stderr}`).not.toContain('Verify return code: 0 (ok)');
  });
});

describe.skipIf(!hasAwsCli())('the aws CLI with --ca-bundle', () => {
  // One attempt: a refused certificate is not worth the CLI's retries.
  const aws = (args: string[], extra: string[] = ['--ca-bundle', pki.caFile]) =>
    runCommand('aws', [...args, '--endpoint-url', origin.url, ...extra], { env: { ...awsEnv(credentials), AWS_MAX_ATTEMPTS: '1' }, cwd: tmp.path, timeoutMs: 60_000 });

  it('mb, cp and ls against the HTTPS API listener', async () => {
    writeFileSync(join(tmp.path, 'upload.txt'), 'from the aws CLI');
    expect((await aws(['s3', 'mb', 's3://tls-awscli'])).code).toBe(0);
    const cp = await aws(['s3', 'cp', join(tmp.path, 'upload.txt'), 's3://tls-awscli/upload.txt']);
    expect(cp.stderr).toBe('');
    expect(cp.code).toBe(0);
    const ls = await aws(['s3', 'ls', 's3://tls-awscli/']);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(/\s16 upload\.txt$/m);
  });

  it('without the CA bundle the aws CLI refuses the certificate', async () => {
    const ls = await aws(['s3', 'ls'], []);
    expect(ls.code).not.toBe(0);
    expect(ls.stderr).toMatch(/SSL|certificate/i);
  });
});

describe('the bucketfront CLI with --ca-bundle / AWS_CA_BUNDLE', () => {
  const cliEnv = (extra: NodeJS.ProcessEnv = {}) => ({ ...awsEnv(credentials), BUCKETFRONT_CACHE_DIR: join(tmp.path, 'cache'), ...extra });

  it('sync and ls work against the HTTPS endpoint with the CA from the flag or the environment', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'tls-cli' }));
    const site = join(tmp.path, 'site');
    await import('node:fs/promises').then((fs) => fs.mkdir(site, { recursive: true }));
    writeFileSync(join(site, 'index.html'), '<h1>tls</h1>');
    const sync = await runCli(['sync', site, 's3://tls-cli/', '--endpoint-url', origin.url, '--ca-bundle', pki.caFile], cliEnv());
    expect(sync.stderr).toBe('');
    expect(sync.code).toBe(0);
    const viaFlag = await runCli(['ls', 's3://tls-cli/', '--endpoint-url', origin.url, '--ca-bundle', pki.caFile], cliEnv());
    expect(viaFlag.code).toBe(0);
    expect(viaFlag.stdout).toContain('index.html');
    const viaEnv = await runCli(['ls', 's3://tls-cli/', '--endpoint-url', origin.url], cliEnv({ AWS_CA_BUNDLE: pki.caFile }));
    expect(viaEnv.code).toBe(0);
    expect(viaEnv.stdout).toContain('index.html');
  });

  it('without a CA bundle the certificate is refused; an unreadable bundle is a usage error naming the file', async () => {
    const refused = await runCli(['ls', 's3://tls-cli/', '--endpoint-url', origin.url], cliEnv());
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/certificate/);
    const missing = join(tmp.path, 'no-such-ca.pem');
    const bad = await runCli(['ls', 's3://tls-cli/', '--endpoint-url', origin.url, '--ca-bundle', missing], cliEnv());
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(missing);
  });
});

describe('certificate reload on SIGHUP', () => {
  let own: TempDir;
  let rotating: TestPki & { serial: string };
  let reloading: RunningOrigin;
  const events: TlsReloadEvent[] = [];
  let stopReload: () => void = () => {};

  beforeAll(async () => {
    own = await makeTempDir('bucketfront-origin-tls-reload-');
    rotating = makeTestPki(own.path);
    reloading = await startOrigin({
      dataDir: join(own.path, 'data'),
      port: 0,
      websitePort: 0,
      host: '127.0.0.1',
      credentials,
      accessLog: false,
      tls: { certFile: rotating.certFile, keyFile: rotating.keyFile },
    });
    stopReload = reloading.reloadTlsOnSighup((e) => events.push(e));
  });

  afterAll(async () => {
    stopReload();
    await reloading?.close();
    await own?.cleanup();
  });

  it('new connections get the new certificate; an established keep-alive connection keeps working; a broken pair keeps the current one', async () => {
    const keepAlive = new https.Agent({ ca: readFileSync(rotating.caFile), keepAlive: true, maxSockets: 1 });
    const fresh = () => new https.Agent({ ca: readFileSync(rotating.caFile) });
    try {
      const before = await httpsRequest(`${reloading.url}/`, keepAlive);
      expect(before.serial).toBe(rotating.serial);

      const newSerial = rotating.rotate();
      expect(newSerial).not.toBe(rotating.serial);
      process.emit('SIGHUP', 'SIGHUP');
      expect(events).toEqual([{ ok: true, files: { certFile: rotating.certFile, keyFile: rotating.keyFile }, listeners: ['S3 API', 'website'] }]);

      const agent = fresh();
      const after = await httpsRequest(`${reloading.url}/`, agent);
      agent.destroy();
      expect(after.serial).toBe(newSerial);
      const web = fresh();
      expect((await httpsRequest(`${reloading.websiteUrl}/`, web, { host: 'no-such-bucket' })).serial).toBe(newSerial);
      web.destroy();

      // The connection opened before the reload: still the same socket, still the old certificate.
      const again = await httpsRequest(`${reloading.url}/`, keepAlive);
      expect(again.localPort).toBe(before.localPort);
      expect(again.serial).toBe(rotating.serial);
      expect(again.status).toBe(403);

      // A certificate with another certificate's key: reported, and the listeners keep newSerial.
      const one = issueServerCertificate(rotating.ca);
      const other = issueServerCertificate(rotating.ca);
      writeFileSync(rotating.certFile, one.certPem);
      writeFileSync(rotating.keyFile, other.keyPem);
      process.emit('SIGHUP', 'SIGHUP');
      expect(events).toHaveLength(2);
      const failed = events[1]!;
      expect(failed.ok).toBe(false);
      expect(!failed.ok && failed.error.message).toContain(rotating.certFile);
      const agent2 = fresh();
      const kept = await httpsRequest(`${reloading.url}/`, agent2);
      agent2.destroy();
      expect(kept.serial).toBe(newSerial);
    } finally {
      keepAlive.destroy();
    }
  });
});

describe('a website listener with its own pair, or plain', () => {
  it('websiteTls: another certificate on the website port, reloaded as its own pair; false: plain HTTP', async () => {
    const own = await makeTempDir('bucketfront-origin-tls-website-');
    const apiPki = makeTestPki(join(own.path));
    const webDir = join(own.path, 'web');
    await import('node:fs/promises').then((fs) => fs.mkdir(webDir));
    const webPki = makeTestPki(webDir);
    const two = await startOrigin({
      dataDir: join(own.path, 'data'),
      port: 0,
      websitePort: 0,
      credentials,
      accessLog: false,
      tls: { certFile: apiPki.certFile, keyFile: apiPki.keyFile },
      websiteTls: { certFile: webPki.certFile, keyFile: webPki.keyFile },
    });
    const plainWebsite = await startOrigin({
      dataDir: join(own.path, 'data2'),
      port: 0,
      websitePort: 0,
      credentials,
      accessLog: false,
      tls: { certFile: apiPki.certFile, keyFile: apiPki.keyFile },
      websiteTls: false,
    });
    const events: TlsReloadEvent[] = [];
    const stop = two.reloadTlsOnSighup((e) => events.push(e));
    try {
      const apiAgent = new https.Agent({ ca: readFileSync(apiPki.caFile) });
      const webAgent = new https.Agent({ ca: readFileSync(webPki.caFile) });
      expect((await httpsRequest(`${two.url}/`, apiAgent)).serial).toBe(apiPki.serial);
      expect((await httpsRequest(`${two.websiteUrl}/`, webAgent, { host: 'no-such-bucket' })).serial).toBe(webPki.serial);
      apiAgent.destroy();
      webAgent.destroy();
      process.emit('SIGHUP', 'SIGHUP');
      expect(events.map((e) => [e.ok, e.listeners])).toEqual([
        [true, ['S3 API']],
        [true, ['website']],
      ]);

      expect(plainWebsite.websiteTls).toBe(false);
      expect(plainWebsite.websiteUrl).toMatch(/^http:\/\//);
      expect((await httpRequest(`${plainWebsite.websiteUrl}/`, { host: 'no-such-bucket' })).status).toBe(404);
    } finally {
      stop();
      await two.close();
      await plainWebsite.close();
      await own.cleanup();
    }
  });
});

describe('bucketfront origin --tls-cert/--tls-key', () => {
  it('serves HTTPS, prints https:// URLs, and logs a SIGHUP reload (a real signal to the child)', async () => {
    const own = await makeTempDir('bucketfront-origin-tls-cli-');
    const files = makeTestPki(own.path);
    const env = { ...awsEnv(credentials), BUCKETFRONT_ACCESS_KEY_ID: credentials.accessKeyId, BUCKETFRONT_SECRET_ACCESS_KEY: credentials.secretAccessKey };
    const proc = spawnCli(['origin', '--data', join(own.path, 'data'), '--port', '0', '--no-access-log', '--tls-cert', files.certFile, '--tls-key', files.keyFile], env, own.path);
    let stderr = '';
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
    const waitFor = (re: RegExp) =>
      new Promise<RegExpExecArray>((resolve, reject) => {
        const check = () => {
          const m = re.exec(stderr);
          if (!m) return;
          proc.stderr!.off('data', check);
          proc.off('exit', gone);
          resolve(m);
        };
        const gone = () => reject(new Error(`bucketfront origin exited: ${stderr}`));
        proc.stderr!.on('data', check);
        proc.once('exit', gone);
        check();
      });
    try {
      const url = (await waitFor(/S3 API:\s+(https:\/\/127\.0\.0\.1:\d+)/))[1]!;
      const agent = new https.Agent({ ca: readFileSync(files.caFile) });
      expect((await httpsRequest(`${url}/`, agent)).serial).toBe(files.serial);
      const newSerial = files.rotate();
      proc.kill('SIGHUP');
      await waitFor(/SIGHUP: reloaded TLS certificate/);
      expect((await httpsRequest(`${url}/`, new https.Agent({ ca: readFileSync(files.caFile) }))).serial).toBe(newSerial);
      agent.destroy();
    } finally {
      proc.kill('SIGTERM');
      expect(await exited).toBe(0);
      await own.cleanup();
    }
  });
});
