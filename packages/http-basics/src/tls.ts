/**
 * TLS listener basics shared by the origin and the edge: reading a certificate/key pair from
 * files with an error that names the file, and reloading it on SIGHUP without dropping
 * connections (`server.setSecureContext` only affects new handshakes; established connections
 * keep the context they negotiated). https://nodejs.org/api/tls.html#serversetsecurecontextoptions
 */
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContextOptions } from 'node:tls';

/** A certificate chain and its private key, as PEM files. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
}

function readPem(file: string, what: string): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read TLS ${what} ${file}: ${(err as Error).message}`);
  }
  if (!pem.includes('-----BEGIN ')) throw new Error(`TLS ${what} ${file} is not PEM (no "-----BEGIN" line)`);
  return pem;
}

/**
 * Reads and checks the pair: both files PEM, and the key matching the certificate (Node's
 * createSecureContext refuses a mismatched pair with "key values mismatch").
 */
export function loadTlsMaterial(files: TlsFiles): TlsMaterial {
  const cert = readPem(files.certFile, 'certificate');
  const key = readPem(files.keyFile, 'key');
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw new Error(`TLS certificate ${files.certFile} and key ${files.keyFile} do not form a usable pair: ${(err as Error).message}`);
  }
  return { cert, key };
}

/** A server that can swap its certificate for new handshakes (https.Server, tls.Server, Http2SecureServer). */
export interface ReloadableTlsServer {
  setSecureContext(options: SecureContextOptions): void;
}

/**
 * Reloads `files` into each server on SIGHUP. A pair that fails to load is reported through
 * `onError` and the servers keep their current certificate. Returns the function that stops
 * listening for SIGHUP.
 */
export function reloadTlsOnSighup(servers: readonly ReloadableTlsServer[], files: TlsFiles, onEvent: (event: { ok: true } | { ok: false; error: Error }) => void = () => {}): () => void {
  const reload = (): void => {
    let material: TlsMaterial;
    try {
      material = loadTlsMaterial(files);
    } catch (err) {
      onEvent({ ok: false, error: err as Error });
      return;
    }
    for (const server of servers) server.setSecureContext({ cert: material.cert, key: material.key });
    onEvent({ ok: true });
  };
  process.on('SIGHUP', reload);
  return () => {
    process.off('SIGHUP', reload);
  };
}
