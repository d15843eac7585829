/**
 * The one place that turns a `--store` spec into a running store:
 *
 *   fs:PATH                       the durable filesystem driver (the embedded default)
 *   s3:http://HOST:PORT[?…]       any S3-compatible cluster (Ceph RGW, Garage, AWS S3)
 *
 * s3 query parameters: `bucketPrefix` (bucketfront bucket B is backend bucket
 * PREFIX+B), `region` (the backend's signing region, default us-east-1),
 * `credentialsFile` (see below), `timeoutMs` (how long a backend may stay silent
 * before the request is answered 503: connect, response head and body idle;
 * default 5 s to connect, 30 s otherwise), `objectCacheBytes` (the object cache's size, default
 * 64 MiB, 0 turns it off: s3-store/object-cache.ts). The backend's credentials come from
 * BUCKETFRONT_STORE_ACCESS_KEY_ID / BUCKETFRONT_STORE_SECRET_ACCESS_KEY, else
 * from a credentials file (`credentialsFile=` or
 * BUCKETFRONT_STORE_CREDENTIALS_FILE: AWS's shared-credentials format, profile
 * `default` or `profile=`, or JSON `{accessKeyId, secretAccessKey}`). A URL
 * with a user or password in it is refused: process lists would show it.
 * Optional radosgw system-user keys, for replica writes only (s3-store/replica-writes.ts):
 * BUCKETFRONT_STORE_SYSTEM_ACCESS_KEY_ID / BUCKETFRONT_STORE_SYSTEM_SECRET_ACCESS_KEY, else
 * profile `systemProfile=` of the credentials file.
 *
 * The driver is wrapped in the metrics decorator (every backend call observed)
 * and the bucket-facts cache (bucket-cache.ts).
 */
import { promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { withBucketCache } from './bucket-cache.js';
import { KeyStore, ensureMasterKeyFile, gcmImplementation, readMasterKeys, withEncryption } from './encryption/index.js';
import { createFsStore } from './fs-store/index.js';
import { fsSystemDocuments } from './fs-store/system-documents.js';
import { readBucketConfigs } from './fs-store/bucket-configs.js';
import { createS3Store } from './s3-store/index.js';
import { withStoreMetrics, type StoreObserver } from './store-metrics.js';
import type { BucketConfigKind, EventOutbox, ObjectStore, SystemDocuments } from './types.js';

export type StoreSpec =
  | { driver: 'fs'; dataDir: string }
  | {
      driver: 's3';
      endpoint: string;
      bucketPrefix: string;
      region: string;
      credentialsFile?: string;
      profile: string;
      /** The credentials file's profile holding radosgw system-user keys (replica writes). */
      systemProfile?: string;
      timeoutMs?: number;
      /** The object cache's size in bytes (0: off); default s3-store's. */
      objectCacheBytes?: number;
    };

/** A spec that cannot be used, or a backend that cannot be reached at start-up: one line for the user. */
export class StoreSpecError extends Error {
  override name = 'StoreSpecError';
}

const S3_PARAMS = new Set(['bucketPrefix', 'region', 'credentialsFile', 'profile', 'systemProfile', 'timeoutMs', 'objectCacheBytes']);

export function parseStoreSpec(spec: string): StoreSpec {
  const colon = spec.indexOf(':');
  const scheme = colon === -1 ? '' : spec.slice(0, colon);
  const rest = spec.slice(colon + 1);
  if (scheme === 'fs') {
    if (rest === '') throw new StoreSpecError('--store fs: needs a directory, e.g. fs:./data');
    return { driver: 'fs', dataDir: resolve(rest) };
  }
  if (scheme !== 's3') {
    throw new StoreSpecError(`unknown --store ${JSON.stringify(spec)}: use fs:PATH or s3:http://HOST:PORT`);
  }
  let url: URL;
  try {
    url = new URL(rest);
  } catch {
    throw new StoreSpecError(`--store s3: needs the backend's URL, e.g. s3:http://127.0.0.1:7480 (got ${JSON.stringify(rest)})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new StoreSpecError(`--store s3: the backend URL must be http:// or https://, got ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new StoreSpecError(
      `--store s3: refusing a URL with credentials in it (process lists would show them); ` + `set BUCKETFRONT_STORE_ACCESS_KEY_ID and BUCKETFRONT_STORE_SECRET_ACCESS_KEY, or credentialsFile=PATH`,
    );
  }
  for (const name of url.searchParams.keys()) {
    if (!S3_PARAMS.has(name)) throw new StoreSpecError(`--store s3: unknown parameter ${name} (known: ${[...S3_PARAMS].join(', ')})`);
  }
  const bucketPrefix = url.searchParams.get('bucketPrefix') ?? '';
  if (!/^[a-z0-9.-]*$/.test(bucketPrefix)) {
    throw new StoreSpecError(`--store s3: bucketPrefix must use lower-case letters, digits, '-' and '.', got ${JSON.stringify(bucketPrefix)}`);
  }
  const credentialsFile = url.searchParams.get('credentialsFile') ?? undefined;
  const systemProfile = url.searchParams.get('systemProfile') ?? undefined;
  const timeoutText = url.searchParams.get('timeoutMs');
  const timeoutMs = timeoutText === null ? undefined : Number(timeoutText);
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 600_000)) {
    throw new StoreSpecError(`--store s3: timeoutMs must be an integer from 100 to 600000, got ${JSON.stringify(timeoutText)}`);
  }
  const cacheText = url.searchParams.get('objectCacheBytes');
  const objectCacheBytes = cacheText === null ? undefined : Number(cacheText);
  if (objectCacheBytes !== undefined && (!/^\d+$/.test(cacheText!) || objectCacheBytes > 2 ** 40)) {
    throw new StoreSpecError(`--store s3: objectCacheBytes must be a number of bytes (0 turns the object cache off), got ${JSON.stringify(cacheText)}`);
  }
  return {
    driver: 's3',
    endpoint: `${url.protocol}//${url.host}`,
    bucketPrefix,
    region: url.searchParams.get('region') ?? 'us-east-1',
    ...(credentialsFile !== undefined ? { credentialsFile: resolve(credentialsFile) } : {}),
    profile: url.searchParams.get('profile') ?? 'default',
    ...(systemProfile !== undefined ? { systemProfile } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(objectCacheBytes !== undefined ? { objectCacheBytes } : {}),
  };
}

/** A spec as it may be printed: the scheme and location, never a secret. */
export function describeStoreSpec(spec: StoreSpec): string {
  if (spec.driver === 'fs') return `fs:${spec.dataDir}`;
  return `s3:${spec.endpoint}${spec.bucketPrefix ? ` (bucket prefix ${spec.bucketPrefix})` : ''}`;
}

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The backend's credentials: the environment, else a credentials file. */
export async function backendCredentials(spec: Extract<StoreSpec, { driver: 's3' }>, env: NodeJS.ProcessEnv = process.env): Promise<Credentials> {
  const id = env['BUCKETFRONT_STORE_ACCESS_KEY_ID'];
  const secret = env['BUCKETFRONT_STORE_SECRET_ACCESS_KEY'];
  if (id && secret) return { accessKeyId: id, secretAccessKey: secret };
  const file = spec.credentialsFile ?? env['BUCKETFRONT_STORE_CREDENTIALS_FILE'];
  if (!file) {
    throw new StoreSpecError(
      `--store ${describeStoreSpec(spec)}: no backend credentials; set BUCKETFRONT_STORE_ACCESS_KEY_ID and BUCKETFRONT_STORE_SECRET_ACCESS_KEY, or BUCKETFRONT_STORE_CREDENTIALS_FILE`,
    );
  }
  return credentialsFromFile(file, spec.profile);
}

/** The radosgw system user's keys (replica writes), when given: the environment, else `systemProfile` of the credentials file. */
export async function backendSystemCredentials(spec: Extract<StoreSpec, { driver: 's3' }>, env: NodeJS.ProcessEnv = process.env): Promise<Credentials | undefined> {
  const id = env['BUCKETFRONT_STORE_SYSTEM_ACCESS_KEY_ID'];
  const secret = env['BUCKETFRONT_STORE_SYSTEM_SECRET_ACCESS_KEY'];
  if (id && secret) return { accessKeyId: id, secretAccessKey: secret };
  if (spec.systemProfile === undefined) return undefined;
  const file = spec.credentialsFile ?? env['BUCKETFRONT_STORE_CREDENTIALS_FILE'];
  if (!file) throw new StoreSpecError(`--store ${describeStoreSpec(spec)}: systemProfile=${spec.systemProfile} needs a credentials file (credentialsFile= or BUCKETFRONT_STORE_CREDENTIALS_FILE)`);
  return credentialsFromFile(file, spec.systemProfile);
}

async function credentialsFromFile(file: string, profile: string): Promise<Credentials> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    throw new StoreSpecError(`cannot read the backend credentials file ${file}: ${(err as Error).message}`);
  }
  const creds = parseCredentialsFile(text, profile);
  if (!creds) throw new StoreSpecError(`the backend credentials file ${file} has no access key and secret for profile ${profile}`);
  return creds;
}

/** JSON `{accessKeyId, secretAccessKey}` or AWS's shared-credentials INI (aws_access_key_id / aws_secret_access_key). */
export function parseCredentialsFile(text: string, profile: string): Credentials | null {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const json = JSON.parse(trimmed) as Partial<Credentials>;
      if (typeof json.accessKeyId === 'string' && typeof json.secretAccessKey === 'string') {
        return { accessKeyId: json.accessKeyId, secretAccessKey: json.secretAccessKey };
      }
    } catch {
      return null;
    }
    return null;
  }
  let section = '';
  const values: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*(?:profile\s+)?([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq === -1 || section !== profile) continue;
    values[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  const accessKeyId = values['aws_access_key_id'];
  const secretAccessKey = values['aws_secret_access_key'];
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : null;
}

export interface OpenStoreOptions {
  /** Receives every backend call (the metrics decorator). */
  observe?: StoreObserver;
  /** Bucket-facts cache revalidation age (bucket-cache.ts). Default 500 ms. */
  revalidateMs?: number;
  /** The s3 backend's credentials; default: from `env` (see backendCredentials). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Its radosgw system user's keys (replica writes); default: from `env` (see backendSystemCredentials). */
  systemCredentials?: { accessKeyId: string; secretAccessKey: string };
  env?: NodeJS.ProcessEnv;
  /**
   * Master key file for encryption at rest (default: env BUCKETFRONT_MASTER_KEY_FILE; for an fs
   * store without one, `<dataDir>/keys/master.key`, created with mode 0600 on first open).
   * Without any, an s3 store refuses SSE requests.
   */
  masterKeyFile?: string;
  /** Create `masterKeyFile` (mode 0600) when it does not exist. */
  createMasterKey?: boolean;
  /** Region in KMS key ARNs. Default us-east-1. */
  region?: string;
}

export interface OpenedStore {
  spec: StoreSpec;
  /** The decorated store: bucket-facts cache → metrics → driver. */
  store: ObjectStore;
  system: SystemDocuments;
  /**
   * The durable outbox of event notifications (both drivers have one). Like `system`, it is the
   * driver's own: outbox calls bypass the bucket cache and encryption (records are not objects)
   * but are observed by the metrics decorator (`observe`: operations `appendOutbox`, `readOutbox`…).
   */
  outbox: EventOutbox;
  /**
   * The driver's own updateVersionMetadata (observed like `outbox`), which changes a version
   * named by id in place: replication keeps its statuses with it (the s3 driver only a status
   * written PENDING, in a sidecar: s3-store/replication-status.ts).
   */
  versionUpdates: Pick<ObjectStore, 'updateVersionMetadata'>;
  /** For logs: where the data lives, never a secret. */
  description: string;
  /** The built-in key service (SSE-S3 and SSE-KMS keys); null when no master key is configured. */
  keys: KeyStore | null;
  /** Where the master key comes from, for logs (null: encryption at rest unavailable). */
  masterKeyFile: string | null;
}

/**
 * Opens the store a spec names. An s3 backend is checked at once (one signed
 * ListBuckets): unreachable, refusing our credentials or otherwise broken, it
 * is a StoreSpecError whose message names the URL and what failed.
 */
/**
 * The key service of the store a spec names, for the `bucketfront kms` commands: beside a
 * running origin, so an fs store is not opened (no recovery pass), only its system documents.
 */
export async function openKeyService(
  specText: string | StoreSpec,
  opts: Pick<OpenStoreOptions, 'masterKeyFile' | 'env' | 'region' | 'credentials'> = {},
): Promise<{ keys: KeyStore; masterKeyFile: string; close: () => Promise<void> }> {
  const spec = typeof specText === 'string' ? parseStoreSpec(specText) : specText;
  const masterKeyFile = opts.masterKeyFile ?? (opts.env ?? process.env).BUCKETFRONT_MASTER_KEY_FILE ?? (spec.driver === 'fs' ? defaultMasterKeyFile(spec.dataDir) : undefined);
  if (masterKeyFile === undefined) throw new StoreSpecError('no master key: set BUCKETFRONT_MASTER_KEY_FILE to the file every origin node of this store uses');
  const master = spec.driver === 'fs' && masterKeyFile === defaultMasterKeyFile(spec.dataDir) ? await ensureMasterKeyFile(masterKeyFile) : await readMasterKeys(masterKeyFile);
  if (spec.driver === 'fs') return { keys: await KeyStore.open(fsSystemDocuments(resolve(spec.dataDir)), master, opts.region), masterKeyFile, close: async () => {} };
  const s3 = await createS3Store({ endpoint: spec.endpoint, credentials: opts.credentials ?? (await backendCredentials(spec, opts.env)), region: spec.region, bucketPrefix: spec.bucketPrefix });
  try {
    return { keys: await KeyStore.open(s3, master, opts.region), masterKeyFile, close: () => s3.close() };
  } catch (err) {
    await s3.close().catch(() => {});
    throw err;
  }
}

/**
 * The system documents of the store a spec names, and its key service when a master key is
 * configured (null otherwise), for admin commands beside a running origin (`bucketfront admin`):
 * like openKeyService, an fs store is not opened, only its system documents.
 */
export async function openSystemServices(
  specText: string | StoreSpec,
  opts: Pick<OpenStoreOptions, 'masterKeyFile' | 'env' | 'region' | 'credentials'> = {},
): Promise<{ system: SystemDocuments; keys: KeyStore | null; bucketConfigs: (kind: BucketConfigKind) => Promise<Array<{ bucket: string; document: string | null }>>; close: () => Promise<void> }> {
  const spec = typeof specText === 'string' ? parseStoreSpec(specText) : specText;
  const masterKeyFile = opts.masterKeyFile ?? (opts.env ?? process.env).BUCKETFRONT_MASTER_KEY_FILE ?? (spec.driver === 'fs' ? defaultMasterKeyFile(spec.dataDir) : undefined);
  const master =
    masterKeyFile === undefined ? null : spec.driver === 'fs' && masterKeyFile === defaultMasterKeyFile(spec.dataDir) ? await ensureMasterKeyFile(masterKeyFile) : await readMasterKeys(masterKeyFile);
  if (spec.driver === 'fs') {
    const dataDir = resolve(spec.dataDir);
    const system = fsSystemDocuments(dataDir);
    return { system, keys: master === null ? null : await KeyStore.open(system, master, opts.region), bucketConfigs: (kind) => readBucketConfigs(dataDir, kind), close: async () => {} };
  }
  const s3 = await createS3Store({ endpoint: spec.endpoint, credentials: opts.credentials ?? (await backendCredentials(spec, opts.env)), region: spec.region, bucketPrefix: spec.bucketPrefix });
  try {
    const bucketConfigs = async (kind: BucketConfigKind): Promise<Array<{ bucket: string; document: string | null }>> =>
      Promise.all((await s3.listBuckets()).map(async (b) => ({ bucket: b.name, document: await s3.getBucketConfig(b.name, kind) })));
    return { system: s3, keys: master === null ? null : await KeyStore.open(s3, master, opts.region), bucketConfigs, close: () => s3.close() };
  } catch (err) {
    await s3.close().catch(() => {});
    throw err;
  }
}

/** Where an fs store keeps its master key when none is configured. */
export function defaultMasterKeyFile(dataDir: string): string {
  return join(dataDir, 'keys', 'master.key');
}

export async function openStore(specText: string | StoreSpec, opts: OpenStoreOptions = {}): Promise<OpenedStore> {
  const spec = typeof specText === 'string' ? parseStoreSpec(specText) : specText;
  let description = describeStoreSpec(spec);
  let driver: ObjectStore;
  let system: SystemDocuments;
  let outbox: ObjectStore & EventOutbox;
  if (spec.driver === 'fs') {
    const fs = await createFsStore({ dataDir: spec.dataDir });
    driver = fs;
    system = fs;
    outbox = fs;
  } else {
    const systemCredentials = opts.systemCredentials ?? (await backendSystemCredentials(spec, opts.env));
    const s3 = await createS3Store({
      endpoint: spec.endpoint,
      credentials: opts.credentials ?? (await backendCredentials(spec, opts.env)),
      ...(systemCredentials !== undefined ? { systemCredentials } : {}),
      region: spec.region,
      bucketPrefix: spec.bucketPrefix,
      ...(spec.timeoutMs !== undefined ? { timeouts: { connectMs: Math.min(5000, spec.timeoutMs), responseMs: spec.timeoutMs, idleMs: spec.timeoutMs } } : {}),
      ...(spec.objectCacheBytes !== undefined ? { objectCache: { maxBytes: spec.objectCacheBytes } } : {}),
    });
    try {
      await s3.listBuckets();
    } catch (err) {
      await s3.close().catch(() => {});
      throw new StoreSpecError(`store ${description}: the backend did not answer a signed ListBuckets: ${(err as Error).message}`);
    }
    try {
      await s3.checkSystemCredentials();
    } catch (err) {
      await s3.close().catch(() => {});
      const { code, message } = err as { code?: string; message: string };
      throw new StoreSpecError(
        `store ${description}: the backend refused the system user's keys (BUCKETFRONT_STORE_SYSTEM_ACCESS_KEY_ID / systemProfile): ${[code, message].filter(Boolean).join(' ')}`,
      );
    }
    // Whether the backend checks a signed body hash, so that PutObject need not hash it here (docs/scaling-out.md).
    await s3.checkPayloadHashing();
    description += `; ${s3.payloadHashing}`;
    driver = s3;
    system = s3;
    outbox = s3;
  }
  const observed = opts.observe ? withStoreMetrics(driver, opts.observe) : driver;
  let keys: KeyStore | null = null;
  const masterKeyFile = opts.masterKeyFile ?? (opts.env ?? process.env).BUCKETFRONT_MASTER_KEY_FILE ?? (spec.driver === 'fs' ? defaultMasterKeyFile(spec.dataDir) : undefined);
  if (masterKeyFile !== undefined) {
    try {
      const create = opts.createMasterKey === true || (spec.driver === 'fs' && masterKeyFile === defaultMasterKeyFile(spec.dataDir));
      const master = create ? await ensureMasterKeyFile(masterKeyFile) : await readMasterKeys(masterKeyFile);
      keys = await KeyStore.open(system, master, opts.region);
    } catch (err) {
      await driver.close().catch(() => {});
      throw new StoreSpecError(`store ${description}: encryption keys: ${(err as Error).message}`);
    }
    description += `; SSE reads: ${gcmImplementation()}`;
  }
  // ListObjectsV2 of a backend carries no envelope: the decorator looks encrypted objects up.
  const encrypted = withEncryption(observed, keys, spec.driver === 's3' ? { listingWithoutMetadata: system } : {});
  const store = withBucketCache(encrypted, opts.revalidateMs !== undefined ? { revalidateMs: opts.revalidateMs } : {});
  const observedOutbox = opts.observe ? withStoreMetrics(outbox, opts.observe) : outbox;
  const versionUpdates = observedOutbox;
  return { spec, store, system, outbox: observedOutbox, versionUpdates, description, keys, masterKeyFile: masterKeyFile ?? null };
}
