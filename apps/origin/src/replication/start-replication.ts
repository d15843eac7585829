/**
 * Starts the origin's replication side (docs/replication.md): the remotes (remotes.ts), the
 * durable queue in this node's outbox partition `repl.<node id>` (records.ts), its sender
 * (sender.ts, copy-version.ts), the leases that let a live node drain a dead node's partition
 * (notifications/partition-leases.ts, with replication's own namespace), the metrics, and the
 * service handlers use (service.ts), the replication of existing objects (backfill.ts) and the scan
 * after an unclean stop (running-marker.ts, crash-scan.ts), on both stores: on the s3 store the
 * scans look each listed version up, its listings carrying no version metadata (version-scan.ts,
 * docs/replication.md#the-s3-store).
 */
import type { EventOutbox, KeyStore, ObjectStore, ReplicationStatus, SystemDocuments } from '@bucketfront/object-store';
import { isStoreError } from '@bucketfront/object-store';
import type { OriginMetrics } from '../http/metrics.js';
import { OutboxGroupCommit } from '../notifications/group-commit.js';
import { startLeases } from '../notifications/partition-leases.js';
import { copyVersion, type CopyOutcome } from './copy-version.js';
import { REPLICATION_PARTITION_PREFIX, replicationPartitionOf, type ReplicationRecord } from './records.js';
import type { RemoteEndpoint } from './remote-client.js';
import { REMOTES_REFRESH_MS, RemoteStore } from './remotes.js';
import { DEFAULT_BACKOFF, ReplicationSender, type BackoffPolicy } from './sender.js';
import { replicationService, type ReplicationService } from './service.js';
import { ReplicationStats } from './stats.js';
import { Backfill } from './backfill.js';
import { BackfillStats } from './backfill-stats.js';
import { crashScan } from './crash-scan.js';
import { RunningMarker } from './running-marker.js';

/** startOrigin's `replication` tuning (all optional). */
export interface ReplicationOptions {
  /** Backoff between attempts of a record that failed in a retryable way (default 500 ms doubling to 30 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Versions copied at once per partition (default 4). */
  concurrency?: number;
  /** Batches per read of the outbox (default 100), and records held in memory per partition before reading stops (default 10,000). */
  readPageSize?: number;
  maxRecordsInMemory?: number;
  /** Adopt a dead node's replication partition after this long without its lease renewed (default 60000; 0 never). */
  adoptAfterMs?: number;
  /** This node's id (its partition is `repl.<node id>`): default the notifications node id, else the host name. */
  nodeId?: string;
  /** Versions listed per page by the scans (existing objects, after an unclean stop); default 1000. */
  backfillPageSize?: number;
  /** The scans wait before their next page while this node's queue holds this many records (default 10000). */
  backfillMaxQueued?: number;
}

export interface RunningReplication {
  service: ReplicationService;
  /** This node's replication partition. */
  partition: string;
  close(): Promise<void>;
}

const DEFAULT_BACKFILL_PAGE = 1000;
const DEFAULT_BACKFILL_MAX_QUEUED = 10_000;

export async function startReplication(
  deps: {
    system: SystemDocuments;
    keys: KeyStore | null;
    store: ObjectStore;
    outbox: EventOutbox;
    /** The driver's in-place version updates (OpenedStore.versionUpdates): where statuses are kept. */
    statusStore: Pick<ObjectStore, 'updateVersionMetadata'>;
    nodeId: string;
    metrics: OriginMetrics;
    /**
     * Whether the store's ListObjectVersions carries each version's metadata (its status and tags),
     * as the fs store's does; without it (the s3 store) the scans look each version up (version-scan.ts).
     */
    listsVersionMetadata: boolean;
  },
  opts: ReplicationOptions = {},
): Promise<RunningReplication> {
  const startedAt = Date.now();
  const log = (line: string): void => void process.stderr.write(`bucketfront replication: ${line}\n`);
  const remotes = await RemoteStore.open(deps.system, deps.keys);
  const statusStore = deps.statusStore;
  // Left by the last process of this node: it did not stop cleanly (running-marker.ts, crash-scan.ts).
  const running = await RunningMarker.open(deps.outbox, deps.nodeId);

  // The remotes with their secrets opened, re-read at most every REMOTES_REFRESH_MS.
  let endpoints: { at: number; list: RemoteEndpoint[] } | null = null;
  async function reloadEndpoints(): Promise<RemoteEndpoint[]> {
    await remotes.refresh();
    endpoints = { at: Date.now(), list: await remotes.endpoints((r, err) => log(`remote ${r} is unusable: ${err.message}`)) };
    return endpoints.list;
  }
  async function remoteOf(region: string): Promise<RemoteEndpoint | undefined> {
    const list = endpoints === null || Date.now() - endpoints.at > REMOTES_REFRESH_MS ? await reloadEndpoints() : endpoints.list;
    // A remote added since the last read (PutBucketReplication found it just now): read again before
    // the version is FAILED for want of it.
    return list.find((e) => e.region === region) ?? (await reloadEndpoints()).find((e) => e.region === region);
  }

  async function mark(r: ReplicationRecord, status: ReplicationStatus): Promise<void> {
    if (r.kind !== 'object') return;
    try {
      await statusStore.updateVersionMetadata(r.bucket, r.key, r.versionId, { replicationStatus: status });
    } catch (err) {
      // Deleted meanwhile: nothing left to mark.
      if (!isStoreError(err, 'NoSuchVersion') && !isStoreError(err, 'NoSuchKey') && !isStoreError(err, 'NoSuchBucket')) throw err;
    }
  }

  async function replicate(r: ReplicationRecord): Promise<CopyOutcome> {
    const remote = await remoteOf(r.destinationRegion);
    const outcome: CopyOutcome =
      remote === undefined
        ? { kind: 'failed', code: 'NoSuchRemote', message: `no replication remote for region ${r.destinationRegion} (bucketfront replication add-remote)` }
        : await copyVersion(deps.store, remote, r);
    if (outcome.kind === 'done') await mark(r, 'COMPLETED');
    else if (outcome.kind === 'failed') await mark(r, 'FAILED');
    return outcome;
  }

  const stats = new ReplicationStats((r, code, message) => {
    // One line per FAILED version, naming it and where it was going.
    log(
      `FAILED ${r.kind === 'deleteMarker' ? 'delete marker' : 'version'} s3://${r.bucket}/${r.key} versionId=${r.versionId} → s3://${r.destinationBucket} (${r.destinationRegion}): ${code}${message ? ` ${message}` : ''}`,
    );
  });
  const backfillStats = new BackfillStats();
  deps.metrics.addSection((w) => {
    stats.render(w);
    backfillStats.render(w);
  });
  const backoff: BackoffPolicy = {
    initialBackoffMs: opts.initialBackoffMs ?? DEFAULT_BACKOFF.initialBackoffMs,
    maxBackoffMs: opts.maxBackoffMs ?? DEFAULT_BACKOFF.maxBackoffMs,
  };
  const senderOf = (partition: string): ReplicationSender =>
    new ReplicationSender({
      outbox: deps.outbox,
      partition,
      replicate,
      stats,
      backoff,
      concurrency: opts.concurrency ?? 4,
      ...(opts.readPageSize !== undefined ? { readPageSize: opts.readPageSize } : {}),
      ...(opts.maxRecordsInMemory !== undefined ? { maxRecordsInMemory: opts.maxRecordsInMemory } : {}),
      log,
    });

  const partition = replicationPartitionOf(deps.nodeId);
  const sender = senderOf(partition);
  const queue = new OutboxGroupCommit(deps.outbox, partition, (batchId, records) => sender.offer(batchId, records));
  // What a previous process of this node left goes out again, in the background.
  const recovery = sender.start().catch((err: unknown) => log(`recovery of partition ${partition} failed: ${err instanceof Error ? err.message : String(err)}`));
  const leases = await startLeases({
    outbox: deps.outbox,
    partition,
    adoptAfterMs: opts.adoptAfterMs,
    owns: (p) => p.startsWith(REPLICATION_PARTITION_PREFIX),
    drainer: senderOf,
    log,
    sender,
  });
  try {
    await running.marker.write();
  } catch (err) {
    await leases.close();
    await sender.close();
    throw err;
  }

  // The scans: existing objects (backfill.ts, jobs resumed from their documents) and, after an
  // unclean stop, PENDING versions without a record (crash-scan.ts). Both in the background.
  let closed = false;
  const scanDeps = {
    statusStore,
    queue,
    queueDepth: () => sender.queueDepth,
    maxQueued: opts.backfillMaxQueued ?? DEFAULT_BACKFILL_MAX_QUEUED,
    store: deps.store,
    listsVersionMetadata: deps.listsVersionMetadata,
    pageSize: Math.max(1, Math.min(1000, opts.backfillPageSize ?? DEFAULT_BACKFILL_PAGE)),
    log,
  };
  const backfill = new Backfill({ ...scanDeps, stats: backfillStats });
  const resumed = backfill.resumeAll().catch((err: unknown) => log(`resuming the backfill jobs failed: ${err instanceof Error ? err.message : String(err)}`));
  // Until it has walked every bucket, the marker stays even through a clean stop: the next start scans again.
  let crashScanDone = !running.leftByCrash;
  const scanned = crashScanDone
    ? Promise.resolve()
    : crashScan({ ...scanDeps, outbox: deps.outbox, stats: backfillStats, startedAt, stopped: () => closed }).then(
        (done) => {
          crashScanDone = done;
        },
        (err: unknown) => log(`the scan after an unclean stop failed: ${err instanceof Error ? err.message : String(err)} (it runs again at the next start)`),
      );
  return {
    service: replicationService({ remotes, store: deps.store, queue, backfill, onError: (e) => log(e.message) }),
    partition,
    close: async () => {
      closed = true;
      await resumed;
      await backfill.close();
      await scanned;
      await leases.close();
      await sender.close();
      await recovery;
      if (crashScanDone) await running.marker.remove();
    },
  };
}
