/**
 * Entry point of an edge cluster worker: one engine (its own cache), one viewer server sharing
 * the primary's port, and the IPC side of the EdgeRuntime (invalidate with ack, metrics).
 */
import { createIpcCoordinator } from './coordinator.js';
import { createEdgeEngine } from './engine.js';
import { EdgeFunctions } from './functions/registry.js';
import { validateEdgeConfig } from './config/validate.js';
import { isMessage, WORKER_ENV, type PrimaryToWorker, type WorkerToPrimary } from './ipc.js';
import { closeServer, createViewerServer, listen } from './server.js';
import { openSharedTier } from './shared-tier.js';

const send = (m: WorkerToPrimary): void => { process.send?.(m); };

async function main(): Promise<void> {
  const config = validateEdgeConfig(JSON.parse(process.env[WORKER_ENV.config] ?? '{}'));
  const coordinator = createIpcCoordinator((m) => { process.send?.(m); }, (h) => { process.on('message', h); });
  const diskPath = config.cache.diskPath;
  const shared = typeof diskPath === 'string' ? openSharedTier(diskPath, config, 'member') : undefined;
  const functions = await EdgeFunctions.load(config);
  const engine = createEdgeEngine(config, { coordinator, functions, ...(shared ? { shared } : {}) });
  const stop = (): void => { void closeServer(server).then(() => engine.close()).then(() => { functions.close(); return shared?.close(); }).finally(() => process.exit(0)); };
  const server = createViewerServer(engine, { sendTimeout: config.viewerSendTimeout });
  const port = await listen(server, Number(process.env[WORKER_ENV.port] ?? 0), process.env[WORKER_ENV.host] ?? '127.0.0.1');
  process.on('message', (raw: unknown) => {
    if (!isMessage(raw)) return;
    const m = raw as PrimaryToWorker;
    if (m.type === 'bf:invalidate') {
      void Promise.resolve(engine.invalidate(m.distributionId, m.paths)).finally(() => send({ type: 'bf:ack', id: m.id }));
    } else if (m.type === 'bf:metrics') {
      send({ type: 'bf:metrics', id: m.id, snapshot: engine.metricsSnapshot() });
    } else if (m.type === 'bf:shutdown') {
      stop();
    }
  });
  process.on('disconnect', stop);
  send({ type: 'bf:ready', port });
}

main().catch((err: unknown) => {
  console.error('edge worker failed to start:', err);
  process.exit(1);
});
