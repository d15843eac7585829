/**
 * Group commit into the durable outbox: every append of one event-loop turn shares one
 * `appendOutbox` (one durable write); the next group forms while a write is in flight. Each caller
 * resolves once its records are durable. Used by the notifier and by replication's queue.
 */
import type { EventOutbox } from '@bucketfront/object-store';

interface Waiting {
  records: string[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class OutboxGroupCommit {
  private waiting: Waiting[] = [];
  private scheduled = false;
  /** The append in flight: the next group forms meanwhile and is written when it is done. */
  private inFlight: Promise<void> | null = null;

  /** `appended`: told of each durable batch (the in-process sender takes it from there). */
  constructor(
    private readonly outbox: Pick<EventOutbox, 'appendOutbox'>,
    private readonly partition: string,
    private readonly appended: (batchId: string, records: string[]) => void,
  ) {}

  append(records: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ records, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // The appends of this turn of the event loop join the group.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    if (this.inFlight) await this.inFlight;
    this.scheduled = false;
    const group = this.waiting;
    this.waiting = [];
    if (group.length === 0) return;
    const records = group.flatMap((w) => w.records);
    const write = (async () => {
      try {
        const batchId = await this.outbox.appendOutbox(this.partition, records);
        this.appended(batchId, records);
        for (const w of group) w.resolve();
      } catch (err) {
        for (const w of group) w.reject(err);
      }
    })();
    this.inFlight = write;
    await write;
    if (this.inFlight === write) this.inFlight = null;
  }
}
