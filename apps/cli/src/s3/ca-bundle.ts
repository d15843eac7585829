/**
 * `--ca-bundle FILE` / `$AWS_CA_BUNDLE`: the CA certificates (PEM) HTTPS endpoints are verified
 * against, for an endpoint with a private CA (`bucketfront dev --tls`, docs/tls.md). As with the
 * aws CLI (https://docs.aws.amazon.com/cli/latest/topic/config-vars.html, `ca_bundle`), the bundle
 * replaces the default trust store for that command; the flag wins over the variable.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../util/errors.js';

/** The bundle file to use: the flag, else $AWS_CA_BUNDLE, else none (Node's default CAs). */
export function resolveCaBundle(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flag !== undefined) return flag;
  const fromEnv = env['AWS_CA_BUNDLE'];
  return fromEnv ? fromEnv : undefined;
}

const loaded = new Map<string, Buffer>();

/** The bundle's PEM text for `https.Agent({ ca })`, read once per file; a usage error naming the file otherwise. */
export function loadCaBundle(file: string): Buffer {
  const known = loaded.get(file);
  if (known) return known;
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch (err) {
    throw new UsageError(`cannot read the CA bundle ${file} (--ca-bundle or $AWS_CA_BUNDLE): ${(err as Error).message}`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`the CA bundle ${file} holds no PEM certificate ("-----BEGIN CERTIFICATE-----")`);
  loaded.set(file, pem);
  return pem;
}

/** `https.Agent` options for the bundle the flag or the environment names (none: {}). */
export function caAgentOptions(flag: string | undefined): { ca?: Buffer } {
  const file = resolveCaBundle(flag);
  return file === undefined ? {} : { ca: loadCaBundle(file) };
}
