/**
 * `--workers N` with node:cluster. Each worker owns a cache (memory: README "Workers and memory").
 * The primary serves no viewer traffic; it runs the control server and the cluster EdgeRuntime,
 * which fans invalidations out over IPC and resolves when every worker has acknowledged.
 *
 * Scheduling: Node's round-robin (SCHED_RR) by default: the primary accepts each connection and
 * passes it on — a per-connection cost only, which keep-alive clients amortise — and connections
 * are spread evenly. SCHED_NONE (`BUCKETFRONT_CLUSTER_SCHED=none`) lets the kernel hand them out
 * directly, but measured here it put 64 of 64 keep-alive connections on one worker in one run
 * (3200/0 requests; another run 2082/1118) vs 1663/1537 and 1604/1596 with round-robin. README.
 */
import cluster, { type Worker } from 'node:cluster';
import { createServer } from 'node:net';
import type { TlsFiles } from '@bucketfront/http-basics';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DistributionConfig, EdgeConfig } from './config/types.js';
import type { CoordinatorToPrimary, CoordinatorToWorker, WireEntry } from './coordinator.js';
import type { PublishedFunction } from './functions/published.js';
import { isMessage, WORKER_ENV, type PrimaryToWorker, type WorkerToPrimary } from './ipc.js';
import { mergeSnapshots, type EdgeMetricsSnapshot } from './metrics.js';
import type { EdgeRuntime } from './runtime.js';
import type { SharedTier } from './shared-tier.js';

const IPC_TIMEOUT_MS = 10_000;

export interface EdgeCluster {
  port: number;
  /** The TLS viewer listener's port (0: none). */
  tlsPort: number;
  runtime: EdgeRuntime;
  workers(): Worker[];
  close(): Promise<void>;
}

function workerEntry(): { exec: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    // Running from sources (tests, `node --import tsx`). The parent's execArgv is not inherited
    // here: under vitest it holds the test runner's own loader flags.
    // A test run bundles this worker from the sources once (tests/support/src/source-bundles.ts):
    // it then starts in ~0.15 s of CPU instead of ~1 s through tsx.
    const bundle = process.env['VITEST'] ? process.env['BUCKETFRONT_TEST_BUNDLES'] : undefined;
    if (bundle && existsSync(join(bundle, 'edge-worker.mjs'))) return { exec: join(bundle, 'edge-worker.mjs'), execArgv: ['--enable-source-maps'] };
    // Otherwise workers need the TypeScript loader and the `source` condition so @bucketfront/* resolve to src/.
    return { exec: here.replace(/cluster\.ts$/, 'worker.ts'), execArgv: ['--conditions=source', '--import', 'tsx'] };
  }
  return { exec: here.replace(/cluster\.js$/, 'worker.js'), execArgv: process.execArgv };
}

/**
 * glibc's malloc raises its mmap threshold (up to 32 MiB) each time a large block is freed, so
 * after a burst of multi-MiB bodies they are carved from the heap, and freed bodies stay in the
 * process (measured: 40 fills of 9 MB left 1.1 GiB RSS at rest instead of about 0.5). A fixed
 * 1 MiB threshold keeps bodies in mmap'd blocks that go back to the system when freed; small
 * allocations (socket reads are 64 KiB) are unaffected. An operator's own setting wins.
 * https://man7.org/linux/man-pages/man3/mallopt.3.html (M_MMAP_THRESHOLD)
 */
function workerMallocEnv(): Record<string, string> {
  return process.env['MALLOC_MMAP_THRESHOLD_'] === undefined ? { MALLOC_MMAP_THRESHOLD_: String(1024 * 1024) } : {};
}

export async function startCluster(
  config: EdgeConfig,
  opts: {
    workers: number;
    port: number;
    host: string;
    shared?: SharedTier;
    sharedDir?: string;
    published?: readonly PublishedFunction[];
    /** Distributions created through the control API (served by every worker from its start). */
    distributions?: readonly DistributionConfig[];
    kvsFile?: string;
    /** The TLS viewer listener of every worker; SIGHUP to this process reloads its certificate in each. */
    tls?: { files: TlsFiles; port: number };
    /** A worker's certificate reload (on SIGHUP), or why it kept the old one. */
    onTlsReload?: (event: { pid: number | undefined; error?: string }) => void;
    /** A worker exited (stopped, crashed or killed): what it left behind can be taken over. */
    onWorkerExit?: (pid: number) => void;
  },
): Promise<EdgeCluster> {
  if (!cluster.isPrimary) throw new Error('startCluster must run in the primary');
  cluster.schedulingPolicy = process.env['BUCKETFRONT_CLUSTER_SCHED'] === 'none' ? cluster.SCHED_NONE : cluster.SCHED_RR;
  const entry = workerEntry();
  // `advanced` (structured clone) serialization: filled entries cross IPC with their Buffers.
  cluster.setupPrimary({ exec: entry.exec, execArgv: entry.execArgv, serialization: 'advanced' });

  const live = new Set<Worker>();
  let closing = false;
  let nextId = 1;
  const pending = new Map<number, { waiting: Set<Worker>; snapshots: EdgeMetricsSnapshot[]; errors: string[]; done: () => void; fail: (e: Error) => void }>();
  // Functions published through the control API, LIVE stage, by name: what a starting worker
  // compiles before it serves. Workers that asked for them (`bf:functions?`) get every change
  // after, from then on, even before they are ready.
  const published = new Map((opts.published ?? []).map((f) => [f.name, f]));
  const subscribed = new Set<Worker>();
  // Likewise the distributions created through the control API (all of them, replaced as a whole).
  let apiDistributions: DistributionConfig[] = [...(opts.distributions ?? [])];
  // Workers open the shared tier as members, in the directory this process (its owner) opened.
  const configJson = JSON.stringify(opts.sharedDir === undefined ? { ...config, cache: { ...config.cache, diskPath: false } } : { ...config, cache: { ...config.cache, diskPath: opts.sharedDir } });
  let port = opts.port;
  // Workers share listen handles by address:port, so two listeners on port 0 would be one: the TLS
  // listener gets a free port picked here.
  const tlsPort = opts.tls === undefined ? 0 : opts.tls.port === 0 ? await freePort(opts.host) : opts.tls.port;

  // Cross-worker collapsing (coordinator.ts): key → the leading worker's request and the waiters.
  // A fill is `persisting` from the leader's response until its shared-tier write settled: new
  // askers then get the shipped entry at once, or wait and read the shared tier.
  const fills = new Map<
    string,
    {
      leader: Worker;
      leaderId: number;
      distributionId: string;
      waiters: Array<{ w: Worker; id: number }>;
      persisting?: { entry: WireEntry | null };
    }
  >();
  const sendTo = (w: Worker, m: CoordinatorToWorker | PrimaryToWorker): void => {
    if (w.isConnected()) w.send(m);
  };
  const releaseFill = (key: string, entry: WireEntry | null): void => {
    const rec = fills.get(key);
    if (!rec) return;
    fills.delete(key);
    for (const { w, id } of rec.waiters) sendTo(w, { type: 'bf:fill', id, entry });
  };

  function onCoordinatorMessage(w: Worker, m: CoordinatorToPrimary): void {
    if (m.type === 'bf:lead?') {
      const rec = fills.get(m.key);
      if (!rec || rec.leader.isDead()) {
        fills.set(m.key, { leader: w, leaderId: m.id, distributionId: m.distributionId, waiters: [] });
        sendTo(w, { type: 'bf:lead', id: m.id, lead: true });
      } else if (rec.persisting) {
        sendTo(w, { type: 'bf:lead', id: m.id, lead: false });
        if (rec.persisting.entry) sendTo(w, { type: 'bf:fill', id: m.id, entry: rec.persisting.entry });
        else rec.waiters.push({ w, id: m.id });
      } else {
        rec.waiters.push({ w, id: m.id });
        sendTo(w, { type: 'bf:lead', id: m.id, lead: false });
        if (rec.waiters.length === 1) sendTo(rec.leader, { type: 'bf:want', id: rec.leaderId });
      }
    } else if (m.type === 'bf:filled') {
      const rec = fills.get(m.key);
      if (!rec || rec.leader !== w || rec.leaderId !== m.id) return;
      if (!m.persisting) return releaseFill(m.key, m.entry);
      // Shipped: the waiters have it now. Not shipped (nobody waited when the leader finished):
      // they wait for the shared-tier write, then read it there.
      if (m.entry) for (const { w: ww, id } of rec.waiters.splice(0)) sendTo(ww, { type: 'bf:fill', id, entry: m.entry });
      rec.persisting = { entry: m.entry };
    } else if (m.type === 'bf:persisted') {
      const rec = fills.get(m.key);
      if (rec && rec.leader === w && rec.leaderId === m.id) releaseFill(m.key, null);
    }
  }

  function onMessage(w: Worker, raw: unknown): void {
    if (!isMessage(raw)) return;
    const type = (raw as { type: string }).type;
    if (type === 'bf:lead?' || type === 'bf:filled' || type === 'bf:persisted') {
      onCoordinatorMessage(w, raw as CoordinatorToPrimary);
      return;
    }
    const m = raw as WorkerToPrimary;
    if (m.type === 'bf:tls-reload') {
      opts.onTlsReload?.({ pid: w.process.pid, ...(m.error === undefined ? {} : { error: m.error }) });
      return;
    }
    if (m.type === 'bf:functions?') {
      subscribed.add(w);
      sendTo(w, { type: 'bf:functions', functions: [...published.values()], distributions: apiDistributions });
      return;
    }
    if (m.type === 'bf:ack' || m.type === 'bf:metrics') {
      const p = pending.get(m.id);
      if (!p) return;
      if (m.type === 'bf:metrics') p.snapshots.push(m.snapshot);
      if (m.type === 'bf:ack' && m.error !== undefined) p.errors.push(m.error);
      p.waiting.delete(w);
      if (p.waiting.size === 0) p.done();
    }
  }

  function fork(): Promise<Worker> {
    // Every worker listens with the *requested* port (0 included): the primary keys shared listen
    // handles by address:port, so all workers share one socket, on the same random port.
    const w = cluster.fork({
      ...workerMallocEnv(),
      [WORKER_ENV.config]: configJson,
      [WORKER_ENV.port]: String(opts.port),
      [WORKER_ENV.host]: opts.host,
      ...(opts.kvsFile === undefined ? {} : { [WORKER_ENV.kvsFile]: opts.kvsFile }),
      ...(opts.tls === undefined ? {} : { [WORKER_ENV.tlsCertFile]: opts.tls.files.certFile, [WORKER_ENV.tlsKeyFile]: opts.tls.files.keyFile, [WORKER_ENV.tlsPort]: String(tlsPort) }),
    });
    w.once('exit', () => {
      if (w.process.pid !== undefined) opts.onWorkerExit?.(w.process.pid);
      subscribed.delete(w);
      // A worker that dies (ready or still starting) no longer owes acks.
      for (const p of pending.values()) {
        p.waiting.delete(w);
        if (p.waiting.size === 0) p.done();
      }
    });
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`edge worker exited during start-up (code ${code})`));
      w.once('exit', onExit);
      w.on('message', (raw: unknown) => {
        if (isMessage(raw) && (raw as WorkerToPrimary).type === 'bf:ready') {
          w.off('exit', onExit);
          port = (raw as unknown as { port: number }).port;
          live.add(w);
          w.on('exit', () => {
            live.delete(w);
            for (const [key, rec] of fills) if (rec.leader === w) releaseFill(key, null);
            if (!closing) void fork().catch((err: unknown) => console.error(String(err)));
          });
          resolve(w);
        }
        onMessage(w, raw);
      });
    });
  }

  const started = await Promise.allSettled(Array.from({ length: opts.workers }, () => fork()));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // e.g. the viewer port is in use: stop the workers that did start, then report.
    closing = true;
    for (const w of live) w.process.kill('SIGTERM');
    throw failed.reason;
  }
  // SIGHUP (certificate renewed) reaches this process only: passed on to every serving worker,
  // which reloads its own listener (worker.ts). A worker still starting reads the files itself.
  const forwardSighup = (): void => {
    for (const w of live) if (!w.isDead()) w.process.kill('SIGHUP');
  };
  if (opts.tls) process.on('SIGHUP', forwardSighup);

  function broadcast(make: (id: number) => PrimaryToWorker, to: Iterable<Worker> = live): Promise<EdgeMetricsSnapshot[]> {
    const id = nextId++;
    const targets = new Set([...to].filter((w) => w.isConnected()));
    if (targets.size === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`edge workers did not answer within ${IPC_TIMEOUT_MS} ms`));
      }, IPC_TIMEOUT_MS);
      const entry = {
        waiting: targets,
        snapshots: [] as EdgeMetricsSnapshot[],
        errors: [] as string[],
        done: () => {
          clearTimeout(timer);
          pending.delete(id);
          if (entry.errors.length > 0) reject(new Error(`edge workers could not apply it: ${entry.errors.join('; ')}`));
          else resolve(entry.snapshots);
        },
        fail: (e: Error) => {
          clearTimeout(timer);
          pending.delete(id);
          reject(e);
        },
      };
      pending.set(id, entry);
      const msg = make(id);
      for (const w of targets) w.send(msg);
    });
  }

  const runtime: EdgeRuntime = {
    config,
    async invalidate(distributionId, paths) {
      // The shared tier first: a worker reading it after this point cannot bring the old entry back.
      await opts.shared?.invalidate(distributionId, paths);
      // Fills in flight for this distribution may hold pre-invalidation content: waiters fetch themselves.
      for (const [key, rec] of fills) if (rec.distributionId === distributionId) releaseFill(key, null);
      await broadcast((id) => ({ type: 'bf:invalidate', id, distributionId, paths: [...paths] }));
    },
    async metrics() {
      return mergeSnapshots(await broadcast((id) => ({ type: 'bf:metrics', id })));
    },
    async setFunction(name, fn) {
      // Recorded first: a worker starting from now on compiles it at start.
      if (fn === null) published.delete(name);
      else published.set(name, fn);
      await broadcast((id) => ({ type: 'bf:function', id, name, fn }), new Set([...live, ...subscribed]));
    },
    async setDistributions(dists) {
      apiDistributions = [...dists];
      const distributions = apiDistributions;
      await broadcast((id) => ({ type: 'bf:distributions', id, distributions }), new Set([...live, ...subscribed]));
    },
  };

  return {
    port,
    tlsPort,
    runtime,
    workers: () => [...live],
    async close() {
      closing = true;
      process.off('SIGHUP', forwardSighup);
      await Promise.all(
        [...live].map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.isDead()) return resolve();
              const t = setTimeout(() => {
                w.process.kill('SIGKILL');
              }, 3000);
              w.once('exit', () => {
                clearTimeout(t);
                resolve();
              });
              try {
                w.send({ type: 'bf:shutdown' } satisfies PrimaryToWorker);
              } catch {
                w.process.kill('SIGTERM');
              }
            }),
        ),
      );
    },
  };
}

/** A port free on `host` now (the TLS listener's, when asked for port 0 in a cluster). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
