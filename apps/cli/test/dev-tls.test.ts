/**
 * `bucketfront dev --tls` (runDev with devCa): the local CA and server certificate under
 * <data>/tls are made on the first start (keys 0600) and reused by the next; the S3 API and the
 * website listener answer over HTTPS with that CA; the banner says how to trust it. And
 * ensureLocalCa's renewal rules (src/dev/local-ca.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import forge from 'node-forge';
import { makeTempDir, type TempDir } from '@bucketfront/test-support';
import { CA_VALIDITY_DAYS, DEV_TLS_NAMES, devTlsNames, ensureLocalCa, localCaPaths, SERVER_VALIDITY_DAYS } from '../src/dev/local-ca.js';
import { runDev, type DevStack } from '../src/dev/run-dev.js';

function get(url: string, ca: Buffer, host?: string): Promise<{ status: number; body: string; serial: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { ca, agent: false, servername: 'localhost', ...(host ? { headers: { host } } : {}) }, (res) => {
      const serial = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().serialNumber.toUpperCase();
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, serial }));
    });
    req.on('error', reject);
    req.end();
  });
}

const mode = (file: string) => statSync(file).mode & 0o777;

let tmp: TempDir;
beforeAll(async () => {
  tmp = await makeTempDir('bucketfront-dev-tls-');
});
afterAll(async () => {
  await tmp?.cleanup();
});

describe('dev --tls', () => {
  const start = async (dataDir: string, lines: string[]): Promise<DevStack> =>
    runDev({ dataDir, devCa: true, originPort: 0, websitePort: 0, edgePort: 0, controlPort: 0, workers: 1, log: (l) => lines.push(l) });

  it('first start makes the CA and server certificate (keys 0600) and serves HTTPS; the second start reuses them', async () => {
    const dataDir = join(tmp.path, 'data');
    const paths = localCaPaths(dataDir);
    const banner: string[] = [];
    const first = await start(dataDir, banner);
    let fingerprint: string;
    try {
      expect(first.tls?.ca).toMatchObject({ certFile: paths.caCert, created: true, serverCreated: true });
      expect(mode(paths.caKey)).toBe(0o600);
      expect(mode(paths.serverKey)).toBe(0o600);
      fingerprint = first.tls!.ca!.fingerprint;
      expect(fingerprint).toBe(new X509Certificate(readFileSync(paths.caCert)).fingerprint256);

      const ca = readFileSync(paths.caCert);
      expect(first.originUrl).toMatch(/^https:\/\//);
      expect(first.websiteUrl).toMatch(/^https:\/\//);
      expect((await get(`${first.originUrl}/`, ca)).status).toBe(403);
      const page = await get(`${first.websiteUrl}/`, ca, first.bucket);
      expect(page.status).toBe(200);
      expect(page.body).toContain('<html');
      expect(first.websiteEndpoints.dash).toMatch(/^https:\/\/demo\.s3-website-/);

      const text = banner.join('\n');
      expect(text).toContain(`export AWS_CA_BUNDLE=${paths.caCert}`);
      expect(text).toContain(`aws --ca-bundle ${paths.caCert}`);
      expect(text).toContain(`bucketfront ls --ca-bundle ${paths.caCert}`);
      expect(text).toContain(`NODE_EXTRA_CA_CERTS=${paths.caCert}`);
      expect(text).toMatch(/browsers: import it/);
    } finally {
      await first.close();
    }

    const serverPem = readFileSync(paths.serverCert, 'utf8');
    const second = await start(dataDir, []);
    try {
      expect(second.tls?.ca).toMatchObject({ fingerprint, created: false, serverCreated: false });
      expect(readFileSync(paths.serverCert, 'utf8')).toBe(serverPem);
      const served = await get(`${second.originUrl}/`, readFileSync(paths.caCert));
      expect(served.serial).toBe(new X509Certificate(serverPem).serialNumber.toUpperCase());
    } finally {
      await second.close();
    }
  });
});

describe('ensureLocalCa', () => {
  it('a CA for 10 years (CA:true, keyCertSign) and a server certificate for ~825 days naming 127.0.0.1, ::1, localhost, *.localhost', () => {
    const dir = join(tmp.path, 'certs');
    const now = new Date('2030-01-01T00:00:00Z');
    const made = ensureLocalCa(dir, { now });
    const ca = new X509Certificate(readFileSync(made.paths.caCert));
    const server = new X509Certificate(readFileSync(made.server.certFile));
    expect(ca.ca).toBe(true);
    const caExtensions = forge.pki.certificateFromPem(readFileSync(made.paths.caCert, 'utf8'));
    expect(caExtensions.getExtension('basicConstraints')).toMatchObject({ cA: true, critical: true });
    expect(caExtensions.getExtension('keyUsage')).toMatchObject({ keyCertSign: true, critical: true });
    expect(server.ca).toBe(false);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(Math.round((Date.parse(ca.validTo) - now.getTime()) / 86_400_000)).toBe(CA_VALIDITY_DAYS);
    expect(Math.round((Date.parse(server.validTo) - now.getTime()) / 86_400_000)).toBe(SERVER_VALIDITY_DAYS);
    expect(server.subjectAltName).toBe('DNS:localhost, DNS:*.localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:*.s3-website-us-east-1.localhost, DNS:*.s3-website.us-east-1.localhost');
    expect(DEV_TLS_NAMES).toEqual(['localhost', '*.localhost', '127.0.0.1', '::1']);
    expect(server.checkHost('localhost')).toBe('localhost');
    // checkHost answers with the subjectAltName entry that matched.
    expect(server.checkHost('demo.s3-website-us-east-1.localhost')).toBe('*.s3-website-us-east-1.localhost');
    expect(server.checkHost('demo.s3-website.us-east-1.localhost')).toBe('*.s3-website.us-east-1.localhost');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkIP('::1')).toBe('::1');
    expect(server.checkHost('example.com')).toBeUndefined();
  });

  it('issues a new server certificate (same CA) once the old one has expired', () => {
    const dir = join(tmp.path, 'renew');
    const made = ensureLocalCa(dir, { now: new Date('2030-01-01T00:00:00Z') });
    const oldServer = readFileSync(made.server.certFile, 'utf8');
    const same = ensureLocalCa(dir, { now: new Date('2031-01-01T00:00:00Z') });
    expect(same.created).toEqual({ ca: false, server: false });
    const later = ensureLocalCa(dir, { now: new Date('2033-01-01T00:00:00Z') });
    expect(later.created).toEqual({ ca: false, server: true });
    expect(later.caFingerprint).toBe(made.caFingerprint);
    expect(readFileSync(later.server.certFile, 'utf8')).not.toBe(oldServer);
    expect(mode(later.server.keyFile)).toBe(0o600);
  });

  it('issues a new server certificate when it lacks a wanted name (another website region)', () => {
    const dir = join(tmp.path, 'names');
    const made = ensureLocalCa(dir);
    expect(ensureLocalCa(dir).created.server).toBe(false);
    const other = ensureLocalCa(dir, { names: devTlsNames('eu-west-1') });
    expect(other.created).toEqual({ ca: false, server: true });
    expect(other.caFingerprint).toBe(made.caFingerprint);
    expect(new X509Certificate(readFileSync(other.server.certFile)).checkHost('site.s3-website-eu-west-1.localhost')).toBe('*.s3-website-eu-west-1.localhost');
  });
});
