/**
 * `bucketfront dev --tls`: a local certificate authority and a server certificate it signs, kept
 * under `<data dir>/tls/` and reused on later starts (see docs/tls.md#dev-ca).
 *
 * Keys are RSA 2048 made by node:crypto; the certificates are built in pure JS by node-forge.
 * - CA: 10 years, basicConstraints CA:true (critical), keyUsage keyCertSign + cRLSign (critical)
 *   (RFC 5280 §4.2.1.9 and §4.2.1.3).
 * - Server: ~825 days (the longest lifetime Apple platforms accept for a TLS server certificate:
 *   https://support.apple.com/en-us/103769), CA:false, digitalSignature + keyEncipherment,
 *   extendedKeyUsage serverAuth, subjectAltName for 127.0.0.1, ::1, localhost and *.localhost
 *   (RFC 5280 §4.2.1.6; clients match the name only against subjectAltName, RFC 6125 §6.4.4),
 *   plus the website endpoints' wildcards (`devTlsNames`): OpenSSL and Node do not let a wildcard
 *   stand for all but one label, so `*.localhost` alone covers no `BUCKET.s3-website-….localhost`.
 * Private keys are written with mode 0600.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

export const CA_VALIDITY_DAYS = 3650;
export const SERVER_VALIDITY_DAYS = 825;
/** What the server certificate names at least. */
export const DEV_TLS_NAMES: readonly string[] = ['localhost', '*.localhost', '127.0.0.1', '::1'];

/** DEV_TLS_NAMES and the S3 website endpoints' hosts (both spellings) for `region` under `websiteDomain`. */
export function devTlsNames(region = 'us-east-1', websiteDomain = 'localhost'): string[] {
  return [...DEV_TLS_NAMES, `*.s3-website-${region}.${websiteDomain}`, `*.s3-website.${region}.${websiteDomain}`];
}
/** A server certificate this close to expiry is replaced at start. */
const RENEW_BEFORE_MS = 24 * 3600_000;
const DAY_MS = 24 * 3600_000;

export interface PemPair {
  certPem: string;
  keyPem: string;
}

export interface LocalCaPaths {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
}

export interface LocalCa {
  paths: LocalCaPaths;
  /** The server pair, as listeners take it. */
  server: { certFile: string; keyFile: string };
  /** SHA-256 fingerprint of the CA certificate (colon-separated hex, as openssl prints it). */
  caFingerprint: string;
  /** What this call wrote. */
  created: { ca: boolean; server: boolean };
}

/** `<dataDir>/tls/{ca.pem,ca-key.pem,server.pem,server-key.pem}`. */
export function localCaPaths(dataDir: string): LocalCaPaths {
  const dir = join(dataDir, 'tls');
  return { dir, caCert: join(dir, 'ca.pem'), caKey: join(dir, 'ca-key.pem'), serverCert: join(dir, 'server.pem'), serverKey: join(dir, 'server-key.pem') };
}

function rsaKeyPair(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; keyPem: string } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), keyPem };
}

/** A random positive 16-byte serial (RFC 5280 §4.1.2.2: positive, at most 20 octets). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes.toString('hex');
}

function validity(cert: forge.pki.Certificate, now: Date, days: number): void {
  // An hour back: a client whose clock is a little behind still accepts a fresh certificate.
  cert.validity.notBefore = new Date(now.getTime() - 3600_000);
  cert.validity.notAfter = new Date(now.getTime() + days * DAY_MS);
}

/** A self-signed CA certificate and its key. */
export function createCa(opts: { now?: Date; commonName?: string; days?: number } = {}): PemPair {
  const keys = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  validity(cert, opts.now ?? new Date(), opts.days ?? CA_VALIDITY_DAYS);
  const subject = [
    { name: 'commonName', value: opts.commonName ?? 'bucketfront dev CA' },
    { name: 'organizationName', value: 'bucketfront (local development)' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }, { name: 'subjectKeyIdentifier' }]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}

const IP = /^[0-9.]+$|:/;

/** A server certificate for `names` (DNS names and IP addresses) signed by `ca`. */
export function issueServerCertificate(ca: PemPair, opts: { names?: readonly string[]; now?: Date; days?: number } = {}): PemPair {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const keys = rsaKeyPair();
  const names = opts.names ?? DEV_TLS_NAMES;
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  validity(cert, opts.now ?? new Date(), opts.days ?? SERVER_VALIDITY_DAYS);
  cert.setSubject([{ name: 'commonName', value: names[0] ?? 'localhost' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: names.map((n) => (IP.test(n) ? { type: 7, ip: n } : { type: 2, value: n })) },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}

/** Writes `text` to `file` through a temporary file and a rename; `mode` 0600 for keys. */
function writeAtomically(file: string, text: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

function readPair(certFile: string, keyFile: string): PemPair | undefined {
  if (!existsSync(certFile) || !existsSync(keyFile)) return undefined;
  return { certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') };
}

/** The server certificate is usable: signed by this CA, naming every one of `names`, and not (about to be) expired. */
function serverCertUsable(server: PemPair, ca: PemPair, now: Date, names: readonly string[]): boolean {
  try {
    const cert = new X509Certificate(server.certPem);
    const caCert = new X509Certificate(ca.certPem);
    const dnsNames = (cert.subjectAltName ?? '').split(', ');
    const namesAll = names.every((n) => (IP.test(n) ? cert.checkIP(n) !== undefined : dnsNames.includes(`DNS:${n}`)));
    return namesAll && cert.verify(caCert.publicKey) && new Date(cert.validTo).getTime() - RENEW_BEFORE_MS > now.getTime();
  } catch {
    return false;
  }
}

/**
 * The dev CA and server certificate under `<dataDir>/tls`: created on first use, reused after.
 * The server certificate is issued again when it is missing, expired (or within a day of it), not
 * signed by the CA on disk, or missing one of `names` (default `devTlsNames()`); a missing or
 * unreadable CA makes both anew.
 */
export function ensureLocalCa(dataDir: string, opts: { now?: Date; names?: readonly string[] } = {}): LocalCa {
  const now = opts.now ?? new Date();
  const names = opts.names ?? devTlsNames();
  const paths = localCaPaths(dataDir);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  let ca = readPair(paths.caCert, paths.caKey);
  const created = { ca: false, server: false };
  if (!ca || !caUsable(ca, now)) {
    ca = createCa({ now });
    writeAtomically(paths.caKey, ca.keyPem, 0o600);
    writeAtomically(paths.caCert, ca.certPem, 0o644);
    created.ca = true;
  }
  const server = readPair(paths.serverCert, paths.serverKey);
  if (created.ca || !server || !serverCertUsable(server, ca, now, names)) {
    const issued = issueServerCertificate(ca, { now, names });
    writeAtomically(paths.serverKey, issued.keyPem, 0o600);
    writeAtomically(paths.serverCert, issued.certPem, 0o644);
    created.server = true;
  }
  return { paths, server: { certFile: paths.serverCert, keyFile: paths.serverKey }, caFingerprint: new X509Certificate(ca.certPem).fingerprint256, created };
}

function caUsable(ca: PemPair, now: Date): boolean {
  try {
    const cert = new X509Certificate(ca.certPem);
    return cert.ca && cert.checkPrivateKey(createPrivateKey(ca.keyPem)) && new Date(cert.validTo).getTime() > now.getTime();
  } catch {
    return false;
  }
}

/** What `dev --tls` prints about trusting the CA. */
export function trustInstructions(caCert: string): string[] {
  return [
    `  TLS: certificates from the local CA ${caCert}`,
    '    trust it per tool (nothing is added to the system trust store):',
    `      export AWS_CA_BUNDLE=${caCert}          # aws CLI, SDKs, bucketfront`,
    `      aws --ca-bundle ${caCert} …`,
    `      bucketfront ls --ca-bundle ${caCert} …`,
    `      export NODE_EXTRA_CA_CERTS=${caCert}   # other Node.js programs (read at start)`,
    `      curl --cacert ${caCert} …`,
    '      browsers: import it as a certificate authority trusted for websites (Firefox: Settings → Certificates →',
    '        Authorities → Import; Chrome/Edge: the OS trust store, e.g. `certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n bucketfront -i ca.pem` on Linux)',
  ];
}
