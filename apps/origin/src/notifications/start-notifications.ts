/**
 * startOrigin's `notifications`: validates the section, opens the destinations, starts the sender
 * on this node's outbox partition (re-sending what a previous process left there) and builds the
 * notifier the handlers call. docs/notifications.md.
 */
import { hostname } from 'node:os';
import type { EventOutbox, ObjectStore } from '@bucketfront/object-store';
import { createDestination, DEAD_LETTER_PARTITION, OutboxSender, parseDestinationsConfig, type DeliveryPolicy, type DestinationConfig } from '@bucketfront/notifications';
import type { OriginMetrics } from '../http/metrics.js';
import { Notifier } from './notifier.js';
import { LEASE_PREFIX, type PartitionLeases, startLeases } from './partition-leases.js';
import { ACCESS_LOG_PARTITION_PREFIX } from '../access-logging/server-access-log.js';
import { REPLICATION_PARTITION_PREFIX } from '../replication/records.js';
import { RUNNING_MARKER_PREFIX } from '../replication/running-marker.js';

export interface NotificationsOptions {
  /** The destinations a bucket's configuration may name (validated: parseDestinationsConfig). */
  destinations: DestinationConfig[] | unknown[];
  /** This node's outbox partition. Default: the host name. Every origin node on one backend needs its own. */
  nodeId?: string;
  /** Retries before a message is dead-lettered, and the backoff between them. */
  delivery?: Partial<DeliveryPolicy>;
  /** Parallel in-order lanes per destination (default 8) and messages per deliver() call (default 100). */
  lanesPerDestination?: number;
  maxMessagesPerDelivery?: number;
  /**
   * A node adopts (drains) another node's partition whose lease it has not renewed for this long
   * (partition-leases.ts). Default 60000; 0 never adopts (this node still renews its own lease).
   */
  adoptAfterMs?: number;
}

export interface RunningNotifications {
  notifier: Notifier;
  sender: OutboxSender;
  partition: string;
  leases: PartitionLeases;
  close(): Promise<void>;
}

/** A problem in the `notifications` section, naming the field. */
export class NotificationsConfigError extends Error {
  override name = 'NotificationsConfigError';
}

/** A node id is a partition name, and `lease.<node id>` must be one too (at most 128 characters). */
const PARTITION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,121}$/;

/**
 * The partitions of the shared outbox that hold notification records: not the dead letters, nor
 * the server access log spool (access-logging/server-access-log.ts), nor replication's
 * (replication/records.ts) and its running markers (replication/running-marker.ts).
 */
export function ownsNotificationPartition(partition: string): boolean {
  return (
    partition !== DEAD_LETTER_PARTITION && !partition.startsWith(ACCESS_LOG_PARTITION_PREFIX) && !partition.startsWith(REPLICATION_PARTITION_PREFIX) && !partition.startsWith(RUNNING_MARKER_PREFIX)
  );
}

export function nodeIdOf(nodeId: string | undefined): string {
  // A host name may hold characters a partition cannot (it names a directory or key): replaced.
  const id =
    nodeId ??
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .replace(/^[^A-Za-z0-9]+/, '')
      .slice(0, 122);
  if (!PARTITION.test(id)) throw new NotificationsConfigError(`notifications.nodeId: ${JSON.stringify(id)} must be 1–122 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  if (id === DEAD_LETTER_PARTITION) throw new NotificationsConfigError(`notifications.nodeId: ${JSON.stringify(id)} is reserved for dead-lettered messages`);
  if (id.startsWith(REPLICATION_PARTITION_PREFIX))
    throw new NotificationsConfigError(`notifications.nodeId: ${JSON.stringify(id)}: ids starting with ${REPLICATION_PARTITION_PREFIX} are reserved for replication`);
  if (id.startsWith(RUNNING_MARKER_PREFIX))
    throw new NotificationsConfigError(`notifications.nodeId: ${JSON.stringify(id)}: ids starting with ${RUNNING_MARKER_PREFIX} are reserved for replication's running markers`);
  if (id.startsWith(LEASE_PREFIX)) throw new NotificationsConfigError(`notifications.nodeId: ${JSON.stringify(id)}: ids starting with ${LEASE_PREFIX} are reserved for partition leases`);
  return id;
}

export function deliveryPolicyOf(delivery: Partial<DeliveryPolicy> | undefined): Partial<DeliveryPolicy> {
  if (delivery === undefined) return {};
  if (typeof delivery !== 'object' || delivery === null) throw new NotificationsConfigError('notifications.delivery: must be an object');
  const out: Partial<DeliveryPolicy> = {};
  for (const [field, value] of Object.entries(delivery)) {
    if (field !== 'maxAttempts' && field !== 'initialBackoffMs' && field !== 'maxBackoffMs') throw new NotificationsConfigError(`notifications.delivery.${field}: is not a known field`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new NotificationsConfigError(`notifications.delivery.${field}: must be a whole number ≥ 1`);
    out[field] = value;
  }
  if (out.initialBackoffMs !== undefined && out.maxBackoffMs !== undefined && out.initialBackoffMs > out.maxBackoffMs) {
    throw new NotificationsConfigError('notifications.delivery.initialBackoffMs: must not exceed maxBackoffMs');
  }
  return out;
}

export async function startNotifications(
  opts: NotificationsOptions,
  deps: { store: ObjectStore; outbox: EventOutbox; region: string; ownerId: string; metrics: OriginMetrics },
): Promise<RunningNotifications> {
  const partition = nodeIdOf(opts.nodeId);
  const policy = deliveryPolicyOf(opts.delivery);
  const configs = parseDestinationsConfig(opts.destinations);
  const destinations = configs.map((config) => createDestination(config));
  const sender = new OutboxSender({
    outbox: deps.outbox,
    partition,
    destinations,
    policy,
    ...(opts.lanesPerDestination !== undefined ? { lanesPerDestination: opts.lanesPerDestination } : {}),
    ...(opts.maxMessagesPerDelivery !== undefined ? { maxMessagesPerDelivery: opts.maxMessagesPerDelivery } : {}),
  });
  deps.metrics.addSection((w) => sender.renderMetrics(w));
  // What a previous process of this node left undelivered goes out again (in the background: the
  // origin serves meanwhile; its new events join the same lanes).
  const log = (line: string): void => void process.stderr.write(`bucketfront notifications: ${line}\n`);
  const recovery = sender.start().catch((err: unknown) => log(`recovery of outbox partition ${partition} failed: ${err instanceof Error ? err.message : String(err)}`));
  const leases = await startLeases({
    outbox: deps.outbox,
    partition,
    adoptAfterMs: opts.adoptAfterMs,
    owns: ownsNotificationPartition,
    drainer: (p) => new OutboxSender({ outbox: deps.outbox, partition: p, destinations: configs.map((c) => createDestination(c)), policy, log }),
    log,
    sender,
  });
  const notifier = new Notifier({
    store: deps.store,
    outbox: deps.outbox,
    partition,
    sender,
    region: deps.region,
    ownerId: deps.ownerId,
    destinations: new Set(configs.map((c) => c.arn)),
  });
  return {
    notifier,
    sender,
    partition,
    leases,
    close: async () => {
      await leases.close();
      await sender.close();
      await recovery;
    },
  };
}
