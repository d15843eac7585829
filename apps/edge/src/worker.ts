/**
 * Entry point of an edge cluster worker: one engine (its own cache), one viewer server sharing
 * the primary's port, and the IPC side of the EdgeRuntime (invalidate and function changes with
 * ack, metrics). Before it serves, the worker asks the primary for the functions published
 * through the control API and compiles them with the configured ones.
 */
import { createIpcCoordinator } from './coordinator.js';
import { createEdgeEngine } from './engine.js';
import type { PublishedFunction } from './functions/published.js';
import type { DistributionConfig } from './config/types.js';
import type { DistributionTarget } from './runtime.js';
import { EdgeFunctions } from './functions/registry.js';
import { validateEdgeConfig } from './config/validate.js';
import { KvsReader } from './kvs/kvs-reader.js';
import { isMessage, WORKER_ENV, type PrimaryToWorker, type WorkerToPrimary } from './ipc.js';
import { closeServer, listen, loadTlsMaterial, reloadTlsOnSighup, type TlsFiles } from '@bucketfront/http-basics';
import type { Server } from 'node:http';
import { createViewerServer } from './server.js';
import { createTlsViewerServer, type TlsViewerServer } from './tls/viewer-server.js';
import { openSharedTier } from './shared-tier.js';
import { openSpoolWriter } from './standard-logs/setup.js';

const send = (m: WorkerToPrimary): void => {
  process.send?.(m);
};

// Listening from the first tick: the published functions, and the changes to them that follow,
// may arrive while this worker is still compiling; they wait here until it handles messages.
let handle: ((m: PrimaryToWorker) => void) | undefined;
const early: PrimaryToWorker[] = [];
let gotFunctions: (m: { functions: PublishedFunction[]; distributions: DistributionConfig[] }) => void = () => {};
const publishedAtStart = new Promise<{ functions: PublishedFunction[]; distributions: DistributionConfig[] }>((resolve) => {
  gotFunctions = resolve;
});
process.on('message', (raw: unknown) => {
  if (!isMessage(raw)) return;
  const m = raw as PrimaryToWorker;
  if (m.type === 'bf:functions') gotFunctions(m);
  else if (handle) handle(m);
  else if (m.type === 'bf:function' || m.type === 'bf:distributions' || m.type === 'bf:shutdown') early.push(m);
});

/** Applies a function change from the control API, then acks (with the error, if it did not compile). */
function applyFunction(functions: EdgeFunctions, m: Extract<PrimaryToWorker, { type: 'bf:function' }>): Promise<void> {
  const change = m.fn === null ? functions.unpublish(m.name) : functions.publish(m.fn);
  return change.then(
    () => send({ type: 'bf:ack', id: m.id }),
    (err: unknown) => send({ type: 'bf:ack', id: m.id, error: (err as Error)?.message ?? String(err) }),
  );
}

/** The control API's distributions replace the previous list; then acks. */
function applyDistributions(engine: DistributionTarget, m: Extract<PrimaryToWorker, { type: 'bf:distributions' }>): void {
  try {
    engine.setDistributions(m.distributions);
    send({ type: 'bf:ack', id: m.id });
  } catch (err) {
    send({ type: 'bf:ack', id: m.id, error: (err as Error)?.message ?? String(err) });
  }
}

async function main(): Promise<void> {
  const config = validateEdgeConfig(JSON.parse(process.env[WORKER_ENV.config] ?? '{}'));
  const coordinator = createIpcCoordinator(
    (m) => {
      process.send?.(m);
    },
    (h) => {
      process.on('message', h);
    },
  );
  const diskPath = config.cache.diskPath;
  const shared = typeof diskPath === 'string' ? openSharedTier(diskPath, config, 'member') : undefined;
  send({ type: 'bf:functions?' });
  const kvsFile = process.env[WORKER_ENV.kvsFile];
  const atStart = await publishedAtStart;
  const functions = await EdgeFunctions.load(config, atStart.functions, kvsFile ? new KvsReader(kvsFile) : undefined);
  const certFile = process.env[WORKER_ENV.tlsCertFile];
  const keyFile = process.env[WORKER_ENV.tlsKeyFile];
  const tlsFiles: TlsFiles | undefined = certFile && keyFile ? { certFile, keyFile } : undefined;
  const tlsPort = Number(process.env[WORKER_ENV.tlsPort] ?? 0);
  // Standard log records: spooled here, closed off every delivery interval, delivered by the primary.
  const spool = openSpoolWriter(config, (m) => console.error(`[edge worker ${process.pid}] ${m}`), true);
  const engine = createEdgeEngine(config, {
    coordinator,
    functions,
    distributions: atStart.distributions,
    ...(shared ? { shared } : {}),
    ...(tlsFiles ? { httpsPort: tlsPort } : {}),
    ...(spool ? { standardLogs: spool } : {}),
  });
  // Each worker makes its own TLS connections (the primary hands over accepted sockets): each
  // loads the certificate, and reloads it on the SIGHUP the primary forwards (cluster.ts).
  let tlsViewer: TlsViewerServer | undefined;
  if (tlsFiles) {
    tlsViewer = createTlsViewerServer(engine, { material: loadTlsMaterial(tlsFiles), distributions: config.distributions, sendTimeout: config.viewerSendTimeout });
    reloadTlsOnSighup([tlsViewer.reloadable], tlsFiles, (e) => send(e.ok ? { type: 'bf:tls-reload' } : { type: 'bf:tls-reload', error: e.error.message }));
  }
  const stop = (): void => {
    void Promise.all([closeServer(server), tlsViewer?.close()])
      .then(() => engine.close())
      .then(() => spool?.close())
      .then(() => {
        functions.close();
        return shared?.close();
      })
      .finally(() => process.exit(0));
  };
  // Changes published while this worker compiled: applied before it serves.
  let shutdown = false;
  for (let m = early.shift(); m !== undefined; m = early.shift()) {
    if (m.type === 'bf:function') await applyFunction(functions, m);
    else if (m.type === 'bf:distributions') applyDistributions(engine, m);
    else if (m.type === 'bf:shutdown') shutdown = true;
  }
  const server = createViewerServer(engine, { sendTimeout: config.viewerSendTimeout });
  if (shutdown) return stop();
  handle = (m) => {
    if (m.type === 'bf:invalidate') {
      void Promise.resolve(engine.invalidate(m.distributionId, m.paths)).finally(() => send({ type: 'bf:ack', id: m.id }));
    } else if (m.type === 'bf:function') {
      void applyFunction(functions, m);
    } else if (m.type === 'bf:distributions') {
      applyDistributions(engine, m);
    } else if (m.type === 'bf:metrics') {
      send({ type: 'bf:metrics', id: m.id, snapshot: engine.metricsSnapshot() });
    } else if (m.type === 'bf:shutdown') {
      stop();
    }
  };
  const port = await listen(server, Number(process.env[WORKER_ENV.port] ?? 0), process.env[WORKER_ENV.host] ?? '127.0.0.1');
  if (tlsViewer) await listen(tlsViewer.server as unknown as Server, tlsPort, process.env[WORKER_ENV.host] ?? '127.0.0.1');
  process.on('disconnect', stop);
  send({ type: 'bf:ready', port });
}

main().catch((err: unknown) => {
  console.error('edge worker failed to start:', err);
  process.exit(1);
});
