/**
 * The control API over HTTPS (startEdge `controlTls`), driven by the CloudFront SDK trusting a
 * private CA, and certificate reloads on SIGHUP, with one process and with two workers (each
 * worker makes its own TLS connections, so each must reload): new connections get the new
 * certificate, connections already open go on. docs/tls.md#the-edge
 */
import https from 'node:https';
import http2 from 'node:http2';
import tls from 'node:tls';
import { CloudFrontClient, CreateInvalidationCommand, GetInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { makeTempDir, type TempDir } from '@bucketfront/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdge } from '../src/index.js';
import { createTestCa, writePair, type TestCa } from './fixtures/certs.js';
import { closeAfterTest, fixed, get, startTinyOrigin, type TinyOrigin } from './helpers.js';

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
let dir: TempDir;
let ca: TestCa;
let origin: TinyOrigin;

beforeAll(async () => {
  dir = await makeTempDir('bucketfront-tls-control-');
  ca = createTestCa();
  origin = await startTinyOrigin({ '*': fixed('body', { 'cache-control': 'max-age=300' }) });
});

afterAll(async () => {
  await origin?.close();
  await dir?.cleanup();
});

const config = () => ({
  distributions: [
    {
      id: 'ETLSCTL',
      aliases: ['localhost'],
      origins: [{ id: 'o1', url: origin.url }],
      defaultCacheBehavior: { targetOriginId: 'o1' },
      cacheBehaviors: [{ pathPattern: '/secure/*', targetOriginId: 'o1', viewerProtocolPolicy: 'redirect-to-https' }],
    },
  ],
});
const issue = () => ca.issue({ dnsNames: ['localhost'], ips: ['127.0.0.1'] });

/** The serial number of the certificate a new TLS connection to `port` gets. */
function peerSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: ca.cert, servername: 'localhost' }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial);
    });
    socket.once('error', reject);
  });
}

/** Resolves once `log` holds `n` lines matching `re`. */
async function until(log: string[], re: RegExp, n: number): Promise<void> {
  while (log.filter((l) => re.test(l)).length < n) await new Promise((r) => setTimeout(r, 20));
}

/** One GET on an open h2 session. */
function h2Get(session: http2.ClientHttp2Session, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path, ':authority': 'localhost' });
    stream.once('response', (h) => resolve(Number(h[':status'])));
    stream.once('error', reject);
    stream.resume();
    stream.end();
  });
}

describe('control API over HTTPS', () => {
  it('CreateInvalidation through the CloudFront SDK with a private CA', async () => {
    const files = await writePair(dir.path, 'control', issue());
    const edge = closeAfterTest(await startEdge({ workers: 1, credentials, controlTls: files, config: config() }));
    expect(edge.controlUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const cf = new CloudFrontClient({
      endpoint: edge.controlUrl,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
      requestHandler: { httpsAgent: new https.Agent({ ca: ca.cert }) },
    });
    const out = await cf.send(new CreateInvalidationCommand({ DistributionId: 'ETLSCTL', InvalidationBatch: { CallerReference: 'tls-1', Paths: { Quantity: 1, Items: ['/*'] } } }));
    expect(out.Location).toMatch(new RegExp(`^${edge.controlUrl}/2020-05-31/distribution/ETLSCTL/invalidation/`));
    const got = await cf.send(new GetInvalidationCommand({ DistributionId: 'ETLSCTL', Id: out.Invalidation!.Id! }));
    expect(got.Invalidation?.Status).toBe('Completed');
    // Without the CA the SDK refuses the certificate: the control API really is TLS.
    const untrusting = new CloudFrontClient({ endpoint: edge.controlUrl, region: 'us-east-1', credentials, maxAttempts: 1 });
    await expect(untrusting.send(new GetInvalidationCommand({ DistributionId: 'ETLSCTL', Id: out.Invalidation!.Id! }))).rejects.toThrow(/certificate/i);
  });
});

describe.each([1, 2])('SIGHUP reloads the certificates (%i worker(s))', (workers) => {
  it('new connections get the new certificate, open ones go on; a bad pair keeps the old one', async () => {
    const first = issue();
    const files = await writePair(dir.path, `viewer-${workers}`, first);
    const controlFiles = await writePair(dir.path, `control-${workers}`, first);
    const log: string[] = [];
    const edge = closeAfterTest(await startEdge({ workers, credentials, tls: files, controlTls: controlFiles, config: config(), log: (m) => log.push(m) }));
    const controlPort = Number(new URL(edge.controlUrl).port);
    expect(await peerSerial(edge.tlsPort)).toBe(first.serial);
    const session = http2.connect(edge.tlsUrl, { ca: ca.cert, servername: 'localhost' });
    try {
      expect(await h2Get(session, '/before')).toBe(200);
      // Every worker knows the TLS port it redirects to.
      for (let i = 0; i < 2 * workers; i++) {
        const r = await get(`${edge.url}/secure/x`, { host: 'localhost', connection: 'close' });
        expect(r.status).toBe(301);
        expect(r.headers['location']).toBe(`https://localhost:${edge.tlsPort}/secure/x`);
      }

      const second = issue();
      await writePair(dir.path, `viewer-${workers}`, second);
      await writePair(dir.path, `control-${workers}`, second);
      process.kill(process.pid, 'SIGHUP');
      await until(log, /^viewer.* certificate reloaded$/, workers);
      await until(log, /^control certificate reloaded$/, 1);
      // Round-robin spreads new connections over the workers: each one must have reloaded.
      for (let i = 0; i < 3 * workers; i++) expect(await peerSerial(edge.tlsPort)).toBe(second.serial);
      expect(await peerSerial(controlPort)).toBe(second.serial);
      // The h2 session opened before the reload still works (no connection dropped).
      expect(await h2Get(session, '/after')).toBe(200);
      expect(session.closed || session.destroyed).toBe(false);

      // A key that does not match the certificate: reported, and the last good pair stays.
      await writePair(dir.path, `viewer-${workers}`, { ...issue(), key: first.key });
      process.kill(process.pid, 'SIGHUP');
      await until(log, /^viewer.* certificate not reloaded/, workers);
      expect(await peerSerial(edge.tlsPort)).toBe(second.serial);
      expect((await get(`${edge.url}/plain`)).status).toBe(200);
    } finally {
      session.close();
    }
  });
});
