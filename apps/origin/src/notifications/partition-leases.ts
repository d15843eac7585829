/**
 * Outbox partitions of dead nodes (docs/notifications.md#several-origin-nodes-on-one-backend):
 * every node renews a lease on its partition, and a node adopts (drains) a partition that holds
 * batches and whose lease has not been renewed for `adoptAfterMs`.
 *
 * A lease is the outbox itself: partition `lease.<node id>` holds empty batches whose ids start with
 * the time they were appended (outbox-ids.ts), so the newest id says when the lease was last
 * renewed; each renewal removes the older ones. Adoption is at least once: two nodes adopting the
 * same partition at the same moment both deliver it (duplicates, same message ids).
 */
import type { EventOutbox } from '@bucketfront/object-store';

export const LEASE_PREFIX = 'lease.';

/** A partition whose lease has not been renewed for this long is adopted, unless told otherwise. */
export const DEFAULT_ADOPT_AFTER_MS = 60_000;

/** What drains an adopted partition (the notifications' OutboxSender, replication's sender). */
export interface PartitionDrainer {
  start(): Promise<void>;
  close(): Promise<void>;
  /** Records taken but not done yet. */
  readonly queueDepth: number;
}

export interface PartitionLeasesOptions {
  outbox: EventOutbox;
  /** This node's partition (its lease is `lease.<partition>`). */
  partition: string;
  /** A lease older than this is stale: its partition is adopted. */
  adoptAfterMs: number;
  /**
   * Which partitions of the shared outbox this feature drains (each feature keeps its own
   * namespace: notifications, replication `repl.*`, the access-log spool `s3log.*`).
   */
  owns: (partition: string) => boolean;
  /** A drainer for an adopted partition. */
  drainer: (partition: string) => PartitionDrainer;
  log: (line: string) => void;
}

/** When the batch id was appended (its first 12 hex digits are the ms time). */
export function batchTimeMs(batchId: string): number {
  return Number.parseInt(batchId.slice(0, 12), 16);
}

export class PartitionLeases {
  private timer: NodeJS.Timeout | null = null;
  private readonly adopted = new Map<string, PartitionDrainer>();
  private closed = false;
  private running: Promise<void> | null = null;

  constructor(private readonly opts: PartitionLeasesOptions) {}

  /** Renews this node's lease now, then renews and looks for stale partitions every `everyMs` / 3 (default adoptAfterMs). */
  async start(everyMs = this.opts.adoptAfterMs): Promise<void> {
    await this.renew(this.opts.partition);
    this.timer = setInterval(
      () => {
        this.running ??= this.tick().finally(() => {
          this.running = null;
        });
      },
      Math.max(50, Math.floor(everyMs / 3)),
    );
    this.timer.unref();
  }

  /** Partitions this node drains for others. */
  get adoptedPartitions(): string[] {
    return [...this.adopted.keys()];
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await Promise.all([...this.adopted.values()].map((s) => s.close()));
  }

  private async tick(): Promise<void> {
    try {
      await this.renew(this.opts.partition);
      for (const partition of this.adopted.keys()) await this.renew(partition);
      await this.releaseDrained();
      await this.adoptStale();
    } catch (err) {
      this.opts.log(`partition leases: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async renew(partition: string): Promise<void> {
    const lease = `${LEASE_PREFIX}${partition}`;
    const id = await this.opts.outbox.appendOutbox(lease, []);
    const older = (await this.opts.outbox.readOutbox(lease, 100)).map((b) => b.id).filter((b) => b < id);
    if (older.length > 0) await this.opts.outbox.removeOutbox(lease, older);
  }

  private async adoptStale(): Promise<void> {
    const now = Date.now();
    for (const partition of await this.opts.outbox.listOutboxPartitions()) {
      if (this.closed) return;
      if (partition === this.opts.partition || partition.startsWith(LEASE_PREFIX) || this.adopted.has(partition) || !this.opts.owns(partition)) continue;
      const leases = await this.opts.outbox.readOutbox(`${LEASE_PREFIX}${partition}`, 100);
      const renewed = leases.length === 0 ? 0 : batchTimeMs(leases[leases.length - 1]!.id);
      if (now - renewed < this.opts.adoptAfterMs) continue;
      // Ours now: renewed by this node while it drains it, so no third node adopts it too.
      await this.renew(partition);
      const sender = this.opts.drainer(partition);
      this.adopted.set(partition, sender);
      this.opts.log(`adopted outbox partition ${partition} (its lease was last renewed ${renewed === 0 ? 'never' : new Date(renewed).toISOString()})`);
      await sender.start();
    }
  }

  /** An adopted partition that is empty and fully delivered is given back (its lease goes stale again). */
  private async releaseDrained(): Promise<void> {
    for (const [partition, sender] of this.adopted) {
      if (sender.queueDepth > 0) continue;
      if ((await this.opts.outbox.readOutbox(partition, 1)).length > 0) continue;
      await sender.close();
      this.adopted.delete(partition);
      this.opts.log(`released outbox partition ${partition} (drained)`);
    }
  }
}

/**
 * The leases of a feature's partitions (notifications, replication), started as every feature
 * does: `adoptAfterMs` undefined means the default, 0 never adopts (this node still renews its own
 * lease, at the default pace). The first renewal happens before this resolves, so a node that
 * starts is never mistaken for a dead one; when it fails, this node's `sender` is closed and the
 * error thrown.
 */
export async function startLeases(opts: Omit<PartitionLeasesOptions, 'adoptAfterMs'> & { adoptAfterMs: number | undefined; sender: Pick<PartitionDrainer, 'close'> }): Promise<PartitionLeases> {
  const { sender, adoptAfterMs = DEFAULT_ADOPT_AFTER_MS, ...rest } = opts;
  const leases = new PartitionLeases({ ...rest, adoptAfterMs: adoptAfterMs > 0 ? adoptAfterMs : Number.POSITIVE_INFINITY });
  try {
    await leases.start(adoptAfterMs > 0 ? adoptAfterMs : DEFAULT_ADOPT_AFTER_MS);
  } catch (err) {
    await sender.close();
    throw err;
  }
  return leases;
}
