/**
 * The fs driver's EventOutbox (types.ts): one file per batch, `<data>/outbox/<partition>/<id>.json`
 * holding the JSON array of records. A batch is written like an object: temp name, fsync, rename,
 * directory fsync (durable-fs.ts), so an acknowledged append survives a crash and a torn write is
 * never read (temp names are skipped). docs/notifications.md#the-outbox.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { asStoreError, errnoCode, fsyncDir, mkdirDurable, TMP_SUFFIX, writeFileDurable } from '../durable-fs.js';
import { newOutboxBatchId } from '../outbox-ids.js';
import { StoreError, type EventOutbox, type OutboxBatch } from '../types.js';
import { checkOutboxPartition, isOutboxBatchId } from '../validate.js';

const BATCH_SUFFIX = '.json';

export class FsOutbox implements EventOutbox {
  private readonly dir: string;
  /** Partition directories known to exist (created durably once per process). */
  private readonly ready = new Set<string>();

  constructor(private readonly root: string) {
    this.dir = join(root, 'outbox');
  }

  async appendOutbox(partition: string, records: string[]): Promise<string> {
    checkOutboxPartition(partition);
    const id = newOutboxBatchId();
    const text = JSON.stringify(records);
    try {
      await writeFileDurable(await this.partitionDir(partition), `${id}${BATCH_SUFFIX}`, text);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      // The directory went away (removed by hand): made again once, then the write is retried.
      this.ready.delete(partition);
      await writeFileDurable(await this.partitionDir(partition), `${id}${BATCH_SUFFIX}`, text);
    }
    return id;
  }

  async readOutbox(partition: string, limit: number, after?: string): Promise<OutboxBatch[]> {
    checkOutboxPartition(partition);
    const dir = join(this.dir, partition);
    const ids = (await this.batchIds(dir)).filter((id) => after === undefined || id > after);
    const out: OutboxBatch[] = [];
    for (const id of ids.slice(0, Math.max(0, limit))) {
      let text: string;
      try {
        text = await fsp.readFile(join(dir, `${id}${BATCH_SUFFIX}`), 'utf8');
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') continue; // removed meanwhile
        throw asStoreError(err);
      }
      out.push({ id, records: parseRecords(text, partition, id) });
    }
    return out;
  }

  async removeOutbox(partition: string, batchIds: string[]): Promise<void> {
    checkOutboxPartition(partition);
    const dir = join(this.dir, partition);
    const ids = batchIds.filter(isOutboxBatchId);
    if (ids.length === 0) return;
    await Promise.all(ids.map((id) => fsp.rm(join(dir, `${id}${BATCH_SUFFIX}`), { force: true })));
    try {
      await fsyncDir(dir);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw asStoreError(err);
    }
  }

  async listOutboxPartitions(): Promise<string[]> {
    let names: string[];
    try {
      names = await fsp.readdir(this.dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw asStoreError(err);
    }
    const out: string[] = [];
    for (const name of names.sort()) {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name)) continue;
      if ((await this.batchIds(join(this.dir, name))).length > 0) out.push(name);
    }
    return out;
  }

  /**
   * Removes the temp files of appends that never completed (the process died before the rename).
   * Only when nothing appends: at open, under the data directory's lock (recovery.ts).
   */
  async removeTempFiles(): Promise<void> {
    let partitions: string[];
    try {
      partitions = await fsp.readdir(this.dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      throw asStoreError(err);
    }
    for (const partition of partitions) {
      let names: string[];
      try {
        names = await fsp.readdir(join(this.dir, partition));
      } catch {
        continue; // not a directory
      }
      const stale = names.filter((n) => n.endsWith(TMP_SUFFIX));
      await Promise.all(stale.map((n) => fsp.rm(join(this.dir, partition, n), { force: true })));
    }
  }

  private async partitionDir(partition: string): Promise<string> {
    const dir = join(this.dir, partition);
    if (this.ready.has(partition)) return dir;
    try {
      await mkdirDurable(this.dir, this.root);
      await mkdirDurable(dir, this.dir);
    } catch (err) {
      throw asStoreError(err);
    }
    this.ready.add(partition);
    return dir;
  }

  /** Batch ids in the directory, oldest first. */
  private async batchIds(dir: string): Promise<string[]> {
    let names: string[];
    try {
      names = await fsp.readdir(dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return [];
      throw asStoreError(err);
    }
    const ids: string[] = [];
    for (const name of names) {
      // A temp name is an append in progress, or one that died before it was acknowledged: never a batch.
      if (name.endsWith(TMP_SUFFIX) || !name.endsWith(BATCH_SUFFIX)) continue;
      const id = name.slice(0, -BATCH_SUFFIX.length);
      if (isOutboxBatchId(id)) ids.push(id);
    }
    return ids.sort();
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
