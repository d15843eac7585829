/**
 * `startEdge` (docs/contracts.md): validated config → viewer server(s) + control server.
 * workers = 1: everything in this process. workers > 1: node:cluster workers serve viewers,
 * this process (the primary) runs the control server.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type http from 'node:http';
import { loadEdgeConfig } from './config/load.js';
import type { EdgeConfig } from './config/types.js';
import { validateEdgeConfig } from './config/validate.js';
import { startCluster } from './cluster.js';
import { createEdgeEngine, type EdgeEngineHandle } from './engine.js';
import { unresolvedFunctionNames } from './functions/associations.js';
import { EdgeFunctions } from './functions/registry.js';
import { FunctionStore } from './control/function-store.js';
import { DistributionStore } from './control/distribution-store.js';
import { createLocalRuntime, type EdgeRuntime } from './runtime.js';
import { closeServer, listen, loadTlsMaterial, reloadTlsOnSighup, type TlsFiles, type TlsMaterial } from '@bucketfront/http-basics';
import { createViewerServer } from './server.js';
import { createTlsViewerServer, type TlsViewerServer } from './tls/viewer-server.js';
import { viewerProtocolWarnings } from './tls/warnings.js';
import { originTrust } from './origin/trust.js';
import { openSharedTier, sharedTierDir, type SharedTier } from './shared-tier.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { KvsDb } from './kvs/kvs-db.js';
import { KvsReader } from './kvs/kvs-reader.js';
import { KVS_FILE_NAME } from './kvs/kvs-schema.js';
import { join } from 'node:path';
import { openLogDelivery, openSpoolWriter } from './standard-logs/setup.js';
import { ownerPrefix } from './standard-logs/spool.js';

export interface StartEdgeOptions {
  /** A config object (raw or validated) or the path of a JSON/YAML file. */
  config: EdgeConfig | Record<string, unknown> | string;
  port?: number;
  controlPort?: number;
  host?: string;
  /** Default: number of cores. Memory ≈ workers × cache.maxSizeBytes. */
  workers?: number;
  /** Control API credentials; else env BUCKETFRONT_ACCESS_KEY_ID / BUCKETFRONT_SECRET_ACCESS_KEY; else generated. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Single-process only: clock for the data plane (tests). */
  clock?: () => number;
  /** Start-up warnings (e.g. associations naming no function yet) and certificate reloads. Default: stderr. */
  log?: (message: string) => void;
  /**
   * A TLS viewer listener beside the plain one: HTTP/2 and HTTP/1.1 (ALPN) with this certificate
   * chain and key (PEM files), reloaded on SIGHUP without dropping connections (docs/tls.md#the-edge).
   */
  tls?: TlsFiles;
  /** Port of the TLS viewer listener (default 0: a free port). */
  tlsPort?: number;
  /** HTTPS for the control API, with this certificate chain and key (PEM files), reloaded on SIGHUP. */
  controlTls?: TlsFiles;
}

export interface RunningEdge {
  url: string;
  port: number;
  /** `https://host:tlsPort` of the TLS viewer listener; '' without `tls`. */
  tlsUrl: string;
  /** 0 without `tls`. */
  tlsPort: number;
  /** '' when no control server could be started. */
  controlUrl: string;
  controlPort: number;
  credentials: { accessKeyId: string; secretAccessKey: string; generated: boolean };
  runtime: EdgeRuntime;
  /** Single-process mode only: the in-process engine. */
  engine?: EdgeEngineHandle;
  close(): Promise<void>;
}

type ControlFactory = (o: {
  runtime: EdgeRuntime;
  credentials: { accessKeyId: string; secretAccessKey: string };
  config: EdgeConfig;
  historyFile?: string;
  functionStore?: FunctionStore;
  distributionStore?: DistributionStore;
  kvsDb?: KvsDb;
  tls?: TlsMaterial;
}) => http.Server;

async function loadControlFactory(): Promise<ControlFactory | undefined> {
  try {
    const mod = (await import('./control/index.js')) as { createControlServer?: unknown };
    return typeof mod.createControlServer === 'function' ? (mod.createControlServer as ControlFactory) : undefined;
  } catch (err) {
    console.error('edge: control server unavailable:', (err as Error).message);
    return undefined;
  }
}

function resolveCredentials(c: StartEdgeOptions['credentials']): RunningEdge['credentials'] {
  if (c) return { ...c, generated: false };
  const id = process.env['BUCKETFRONT_ACCESS_KEY_ID'];
  const secret = process.env['BUCKETFRONT_SECRET_ACCESS_KEY'];
  if (id && secret) return { accessKeyId: id, secretAccessKey: secret, generated: false };
  return { accessKeyId: 'BF' + randomBytes(9).toString('hex').toUpperCase(), secretAccessKey: randomBytes(30).toString('base64'), generated: true };
}

export async function startEdge(opts: StartEdgeOptions): Promise<RunningEdge> {
  const config = typeof opts.config === 'string' ? await loadEdgeConfig(opts.config) : validateEdgeConfig(opts.config);
  const host = opts.host ?? '127.0.0.1';
  const workers = Math.max(1, opts.workers ?? availableParallelism());
  const credentials = resolveCredentials(opts.credentials);
  const fmt = (p: number, scheme = 'http'): string => `${scheme}://${host.includes(':') ? `[${host}]` : host}:${p}`;

  const log = opts.log ?? ((message: string) => process.stderr.write(`[edge] ${message}\n`));
  // Certificates and CA files first: a bad file fails the start before anything is opened or bound.
  const viewerTls = opts.tls && loadTlsMaterial(opts.tls);
  const controlTls = opts.controlTls && loadTlsMaterial(opts.controlTls);
  const trust = originTrust(config);
  for (const d of config.distributions) for (const o of d.origins) trust(o);
  for (const warning of viewerProtocolWarnings(config, viewerTls !== undefined)) log(warning);
  const reloaded =
    (what: string) =>
    (e: { ok: true } | { ok: false; error: Error }): void =>
      log(e.ok ? `${what} certificate reloaded` : `${what} certificate not reloaded (the old one stays): ${e.error.message}`);
  const stopReloads: Array<() => void> = [];
  // The host's shared tier: this process owns it (index checks, eviction, invalidations).
  const where = await sharedTierDir(config);
  // Standard logs: spooled by the viewer processes, delivered by this one (docs/cloudfront-logs.md).
  const logDelivery = await openLogDelivery(config, where?.dir, log);
  // Functions published through the control API live beside the cache (they survive restarts
  // with it); their LIVE stages run from the first request, like the configured functions.
  const functionStore = FunctionStore.open(where ? join(where.dir, 'functions.sqlite') : undefined, log);
  const published = functionStore.live();
  // Distributions created through the API, likewise: served from the first request.
  const distributionStore = DistributionStore.open(where ? join(where.dir, 'distributions.sqlite') : undefined, config, log);
  const apiDistributions = distributionStore.configs();
  // Key value stores created through the API: one SQLite file the workers read (kvs-schema.ts).
  // Without a cache directory a single process keeps them in memory; workers need a file: a
  // temporary one, removed when the edge stops.
  const kvsTempDir = !where && workers > 1 ? await mkdtemp(join(tmpdir(), 'bucketfront-kvs-')) : undefined;
  const kvsDir = where?.dir ?? kvsTempDir;
  const kvsDb = KvsDb.open(kvsDir === undefined ? undefined : join(kvsDir, KVS_FILE_NAME), log);
  const closeKvs = async (): Promise<void> => {
    kvsDb.close();
    if (kvsTempDir) await removeTemporaryDir(kvsTempDir);
  };
  const unresolved = unresolvedFunctionNames(
    config,
    published.map((f) => f.name),
  );
  if (unresolved.length > 0) {
    log(
      `functionAssociations name ${unresolved.map((n) => `'${n}'`).join(', ')}, not in functions and not published through the control API: those behaviors run no function until one of that name is published (PublishFunction)`,
    );
  }
  // Functions first: one that does not compile fails the start with CloudFront's error, before any
  // port is bound. In a cluster each worker compiles its own sandboxes; the primary's only check.
  let functions: EdgeFunctions;
  try {
    functions = await EdgeFunctions.load(config, published, workers === 1 ? new KvsReader(kvsDb.file ?? kvsDb.db) : undefined);
  } catch (err) {
    functionStore.close();
    distributionStore.close();
    await closeKvs();
    await logDelivery?.close();
    if (where?.temporary) await removeTemporaryDir(where.dir);
    throw err;
  }
  let runtime: EdgeRuntime;
  let port: number;
  let tlsPort = 0;
  let closeData: () => Promise<void>;
  let engine: EdgeEngineHandle | undefined;
  const shared: SharedTier | undefined = where && openSharedTier(where.dir, config, 'owner');
  const closeShared = async (): Promise<void> => {
    await shared?.close();
    if (where?.temporary) await removeTemporaryDir(where.dir);
  };

  try {
    if (workers === 1) {
      const spool = openSpoolWriter(config, log, false);
      engine = createEdgeEngine(config, {
        functions,
        distributions: apiDistributions,
        ...(opts.clock ? { clock: opts.clock } : {}),
        ...(shared ? { shared, invalidatesShared: true } : {}),
        ...(spool ? { standardLogs: spool } : {}),
      });
      if (spool && logDelivery) logDelivery.deliverer.start(logDelivery.intervalMs, () => spool.rotate());
      const server = createViewerServer(engine, { sendTimeout: config.viewerSendTimeout });
      let tlsServer: TlsViewerServer | undefined;
      try {
        port = await listen(server, opts.port ?? 0, host);
        if (viewerTls && opts.tls) {
          tlsServer = createTlsViewerServer(engine, { material: viewerTls, distributions: config.distributions, sendTimeout: config.viewerSendTimeout });
          tlsPort = await listen(tlsServer.server as unknown as http.Server, opts.tlsPort ?? 0, host);
          engine.setHttpsPort(tlsPort);
          stopReloads.push(reloadTlsOnSighup([tlsServer.reloadable], opts.tls, reloaded('viewer')));
        }
      } catch (err) {
        await closeServer(server);
        await engine.close();
        throw err;
      }
      runtime = createLocalRuntime(config, engine, functions, engine);
      const e = engine;
      const t = tlsServer;
      closeData = async () => {
        await Promise.all([closeServer(server), t?.close()]);
        await e.close();
        functions.close();
        await spool?.close();
        await logDelivery?.close();
      };
    } else {
      functions.close();
      // Workers share the tier only when its owner could open it (the owner evicts and invalidates).
      const usable = shared !== undefined && where !== undefined && !shared.health().disabled;
      const c = await startCluster(config, {
        workers,
        port: opts.port ?? 0,
        host,
        published,
        distributions: apiDistributions,
        ...(kvsDb.file === undefined ? {} : { kvsFile: kvsDb.file }),
        ...(usable ? { shared, sharedDir: where.dir } : {}),
        ...(opts.tls ? { tls: { files: opts.tls, port: opts.tlsPort ?? 0 } } : {}),
        onTlsReload: (e) => reloaded(`viewer (worker ${e.pid ?? '?'})`)(e.error === undefined ? { ok: true } : { ok: false, error: new Error(e.error) }),
        // A worker that died (killed, crashed) leaves its spool file: delivered by this process.
        ...(logDelivery ? { onWorkerExit: (pid: number) => void logDelivery.deliverer.adopt(ownerPrefix(pid)) } : {}),
      });
      logDelivery?.deliverer.start(logDelivery.intervalMs);
      port = c.port;
      tlsPort = c.tlsPort;
      runtime = c.runtime;
      closeData = async () => {
        await c.close();
        await logDelivery?.close();
      };
    }
  } catch (err) {
    functions.close();
    functionStore.close();
    distributionStore.close();
    await closeKvs();
    await logDelivery?.close();
    await closeShared();
    throw err;
  }

  let controlServer: http.Server | undefined;
  let controlPort = 0;
  const factory = await loadControlFactory();
  if (factory) {
    try {
      // The invalidation history lives beside the cache it protects (it survives restarts with it).
      const history = where ? { historyFile: join(where.dir, 'invalidations.sqlite') } : {};
      controlServer = factory({
        runtime,
        credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
        config,
        functionStore,
        distributionStore,
        kvsDb,
        ...history,
        ...(controlTls ? { tls: controlTls } : {}),
      });
      controlPort = await listen(controlServer, opts.controlPort ?? 0, host);
      if (opts.controlTls) stopReloads.push(reloadTlsOnSighup([controlServer as unknown as ReloadableTls], opts.controlTls, reloaded('control')));
    } catch (err) {
      for (const stop of stopReloads) stop();
      functionStore.close();
      distributionStore.close();
      await closeKvs();
      await closeData(); // e.g. control port in use: do not leave the viewer side running
      await closeShared();
      throw err;
    }
  } else {
    functionStore.close();
    distributionStore.close();
    await closeKvs();
  }

  const running: RunningEdge = {
    url: fmt(port),
    port,
    tlsUrl: tlsPort === 0 ? '' : fmt(tlsPort, 'https'),
    tlsPort,
    controlUrl: controlServer ? fmt(controlPort, controlTls ? 'https' : 'http') : '',
    controlPort,
    credentials,
    runtime,
    async close() {
      for (const stop of stopReloads) stop();
      await Promise.all([controlServer ? closeServer(controlServer) : Promise.resolve(), closeData()]);
      // The control API's stores live in the cache directory too: closed before a temporary one is
      // removed (an open SQLite file can write its -wal/-shm again while the tree is being removed).
      if (controlServer) {
        functionStore.close();
        distributionStore.close();
        kvsDb.close();
      }
      await closeShared();
      if (kvsTempDir) await removeTemporaryDir(kvsTempDir);
    },
  };
  if (engine) running.engine = engine;
  return running;
}

type ReloadableTls = Parameters<typeof reloadTlsOnSighup>[0][number];

/**
 * Removes a directory this edge created for itself. Retried: a file an exiting worker or SQLite
 * writes while the tree is being removed makes rmdir fail with ENOTEMPTY once.
 */
function removeTemporaryDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
}
