/**
 * The edge's HTTPS origins (docs/tls.md#the-edge): the origin certificate is verified (for the
 * URL's host name, against the public CAs plus `caFile` / `originCaFile`), the host name is sent
 * as SNI, and a certificate that does not verify is CloudFront's 502, counted in the metrics.
 */
import { writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { makeTempDir, type TempDir } from '@bucketfront/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdge, type RunningEdge } from '../src/index.js';
import { createTestCa, type CertPair, type TestCa } from './fixtures/certs.js';
import { closeAfterTest, get } from './helpers.js';

const DAY = 86_400_000;

let dir: TempDir;
let ca: TestCa;
let caFile: string;

beforeAll(async () => {
  dir = await makeTempDir('bucketfront-tls-origin-');
  ca = createTestCa('bucketfront origin test CA');
  caFile = join(dir.path, 'origin-ca.pem');
  await writeFile(caFile, ca.cert);
});

afterAll(async () => {
  await dir?.cleanup();
});

interface HttpsOrigin {
  port: number;
  count: number;
  servernames: Array<string | false | null>;
  close(): Promise<void>;
}

/** A tiny HTTPS origin with `pair` as its certificate, on 127.0.0.1. */
async function httpsOrigin(pair: CertPair): Promise<HttpsOrigin> {
  const o: HttpsOrigin = { port: 0, count: 0, servernames: [], close: async () => {} };
  const server = https.createServer({ cert: pair.cert, key: pair.key }, (req, res) => {
    o.count++;
    o.servernames.push((req.socket as TLSSocket).servername);
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=300' });
    res.end('secure origin body');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  o.port = (server.address() as AddressInfo).port;
  o.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return closeAfterTest(o);
}

/** An edge in front of `https://<host>:<port>`, trusting the test CA through `trust`. */
function edgeFor(url: string, trust: 'origin' | 'global' | 'none'): Promise<RunningEdge> {
  const origin = { id: 'o1', url, connectionAttempts: 1, connectionTimeout: 2, responseTimeout: 5, ...(trust === 'origin' ? { caFile } : {}) };
  return startEdge({
    workers: 1,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    config: { ...(trust === 'global' ? { originCaFile: caFile } : {}), distributions: [{ id: 'ETLSORIGIN', origins: [origin] }] },
  }).then(closeAfterTest);
}

describe('https origins', () => {
  it('a certificate from the configured CA for the origin host: 200, then served from the cache; the host name goes as SNI', async () => {
    const origin = await httpsOrigin(ca.issue({ dnsNames: ['localhost'] }));
    const edge = await edgeFor(`https://localhost:${origin.port}`, 'origin');
    const first = await get(`${edge.url}/a.txt`);
    expect(first.status).toBe(200);
    expect(first.body.toString()).toBe('secure origin body');
    expect(first.headers['x-cache']).toBe('Miss from cloudfront');
    const second = await get(`${edge.url}/a.txt`);
    expect(second.headers['x-cache']).toBe('Hit from cloudfront');
    expect(origin.count).toBe(1);
    expect(origin.servernames).toEqual(['localhost']);
  });

  it('the top-level originCaFile is trusted for every origin', async () => {
    const origin = await httpsOrigin(ca.issue({ dnsNames: ['localhost'] }));
    const edge = await edgeFor(`https://localhost:${origin.port}`, 'global');
    expect((await get(`${edge.url}/b.txt`)).status).toBe(200);
  });

  it.each([
    ['an expired certificate', () => ca.issue({ dnsNames: ['localhost'], notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - DAY) }), 'origin'],
    ['a certificate for another host name', () => ca.issue({ dnsNames: ['other.example'] }), 'origin'],
    ['a certificate from a CA the edge does not trust', () => ca.issue({ dnsNames: ['localhost'] }), 'none'],
  ] as const)('%s: 502 with the CloudFront error page, counted as an origin TLS error', async (_what, pair, trust) => {
    const origin = await httpsOrigin(pair());
    const edge = await edgeFor(`https://localhost:${origin.port}`, trust);
    const r = await get(`${edge.url}/c.txt`);
    expect(r.status).toBe(502);
    expect(r.headers['x-cache']).toBe('Error from cloudfront');
    expect(r.body.toString()).toMatch(/502 ERROR/);
    expect(origin.count).toBe(0);
    const m = await edge.runtime.metrics();
    expect(m.originTlsErrors).toBeGreaterThanOrEqual(1);
    expect(m.originErrors).toBeGreaterThanOrEqual(m.originTlsErrors);
  });

  it('a CA file that cannot be read fails the start, naming it', async () => {
    await expect(
      startEdge({ workers: 1, config: { originCaFile: join(dir.path, 'missing.pem'), distributions: [{ id: 'EBAD', origins: [{ id: 'o1', url: 'https://localhost:1' }] }] } }),
    ).rejects.toThrow(/missing\.pem/);
  });
});
