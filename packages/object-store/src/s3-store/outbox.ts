/**
 * The s3 driver's EventOutbox (types.ts): one object per batch in the system bucket,
 * `outbox/<partition>/<batch-id>`, holding the JSON array of records. A batch is durable once the
 * backend acknowledged its PUT (as an object is); every origin node on the same backend sees every
 * partition (docs/notifications.md#the-outbox).
 */
import { StoreError, type EventOutbox, type OutboxBatch } from '../types.js';
import { checkOutboxPartition, isOutboxBatchId } from '../validate.js';
import { newOutboxBatchId } from '../outbox-ids.js';
import type { SystemBucket } from './system-bucket.js';

const PREFIX = 'outbox/';

export class S3Outbox implements EventOutbox {
  constructor(private readonly sys: SystemBucket) {}

  async appendOutbox(partition: string, records: string[]): Promise<string> {
    checkOutboxPartition(partition);
    const id = newOutboxBatchId();
    await this.sys.put(`${PREFIX}${partition}/${id}`, JSON.stringify(records));
    return id;
  }

  async readOutbox(partition: string, limit: number, after?: string): Promise<OutboxBatch[]> {
    checkOutboxPartition(partition);
    const prefix = `${PREFIX}${partition}/`;
    const ids = (await this.sys.list(prefix))
      .map((key) => key.slice(prefix.length))
      .filter((id) => isOutboxBatchId(id) && (after === undefined || id > after))
      .sort()
      .slice(0, Math.max(0, limit));
    const out: OutboxBatch[] = [];
    for (const id of ids) {
      const text = await this.sys.get(`${prefix}${id}`);
      if (text === null) continue; // removed meanwhile
      out.push({ id, records: parseRecords(text, partition, id) });
    }
    return out;
  }

  async removeOutbox(partition: string, batchIds: string[]): Promise<void> {
    checkOutboxPartition(partition);
    const keys = batchIds.filter(isOutboxBatchId).map((id) => `${PREFIX}${partition}/${id}`);
    if (keys.length > 0) await this.sys.deleteAll(keys);
  }

  async listOutboxPartitions(): Promise<string[]> {
    const partitions = new Set<string>();
    for (const key of await this.sys.list(PREFIX)) {
      const [partition, id] = key.slice(PREFIX.length).split('/');
      if (partition !== undefined && id !== undefined && isOutboxBatchId(id)) partitions.add(partition);
    }
    return [...partitions].sort();
  }
}

function parseRecords(text: string, partition: string, id: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || !value.every((r) => typeof r === 'string')) {
    throw new StoreError('InternalError', `outbox batch ${partition}/${id} is not a list of records`);
  }
  return value;
}
