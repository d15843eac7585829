/**
 * The "running" marker of an origin node's replication engine: a batch in the outbox partition
 * `run.<node id>`, written when the engine starts and removed when it stops cleanly. Found at
 * start, it means the last process of this node did not stop cleanly (a crash, SIGKILL, power
 * loss): a version written PENDING may have missed its queue record, and crash-scan.ts looks for
 * such versions. docs/replication.md#after-an-unclean-stop.
 *
 * The outbox is where it lives because both stores keep one, durable and shared by the nodes of a
 * backend (fs: fsynced files under `<data>/outbox/`; s3: objects of the system bucket), and it can
 * remove what it wrote (system documents are create-only), as the partition leases use it
 * (notifications/partition-leases.ts). No feature drains `run.*` partitions: notifications
 * leave them alone (start-notifications.ts), replication owns `repl.*`, the access-log spool `s3log.*`.
 */
import type { EventOutbox } from '@bucketfront/object-store';

/** The namespace of the markers' partitions (node ids may not start with it: start-notifications.ts nodeIdOf). */
export const RUNNING_MARKER_PREFIX = 'run.';

export class RunningMarker {
  private constructor(
    private readonly outbox: EventOutbox,
    private readonly partition: string,
    /** The marker's batches in the outbox (one, when a previous process left it). */
    private batches: string[],
  ) {}

  /** The node's marker; `leftByCrash`: a previous process left it (it did not stop cleanly). */
  static async open(outbox: EventOutbox, nodeId: string): Promise<{ marker: RunningMarker; leftByCrash: boolean }> {
    const partition = `${RUNNING_MARKER_PREFIX}${nodeId}`;
    const left = (await outbox.readOutbox(partition, 100)).map((b) => b.id);
    return { marker: new RunningMarker(outbox, partition, left), leftByCrash: left.length > 0 };
  }

  /** Writes the marker, durably, unless the last process left it there. */
  async write(): Promise<void> {
    if (this.batches.length > 0) return;
    this.batches = [await this.outbox.appendOutbox(this.partition, [JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() })])];
  }

  /** A clean stop: the next start scans nothing. */
  async remove(): Promise<void> {
    await this.outbox.removeOutbox(this.partition, this.batches);
    this.batches = [];
  }
}
