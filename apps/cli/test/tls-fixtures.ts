/** Throwaway certificates for the TLS suites, made by the dev CA code (src/dev/local-ca.ts). */
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCa, issueServerCertificate, type PemPair } from '../src/dev/local-ca.js';

export interface TestPki {
  ca: PemPair;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Issues a new server certificate (new key, new serial), writes it over certFile/keyFile and returns its serial. */
  rotate(): string;
}

/** The serial of a PEM certificate, upper-case hex as `getPeerCertificate().serialNumber` gives it. */
export function serialOf(certPem: string): string {
  return new X509Certificate(certPem).serialNumber.toUpperCase();
}

/** A CA and a server certificate for localhost / 127.0.0.1 in `dir` (ca.pem, server.pem, server-key.pem). */
export function makeTestPki(dir: string): TestPki & { serial: string } {
  const ca = createCa({ commonName: 'bucketfront test CA' });
  const caFile = join(dir, 'ca.pem');
  const certFile = join(dir, 'server.pem');
  const keyFile = join(dir, 'server-key.pem');
  writeFileSync(caFile, ca.certPem);
  const rotate = (): string => {
    const server = issueServerCertificate(ca);
    writeFileSync(certFile, server.certPem);
    writeFileSync(keyFile, server.keyPem, { mode: 0o600 });
    return serialOf(server.certPem);
  };
  const serial = rotate();
  return { ca, caFile, certFile, keyFile, rotate, serial };
}
