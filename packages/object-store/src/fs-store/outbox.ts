/**
 * The fs driver's EventOutbox (types.ts): `<data>/outbox/<partition>/`, each partition a log of
 * batches (outbox-log.ts: appends share O_DSYNC writes, so an acknowledged append survives a
 * crash, and a torn write is never read).
 * docs/notifications.md#the-outbox.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { asStoreError, errnoCode, mkdirDurable, TMP_SUFFIX } from '../durable-fs.js';
import { newOutboxBatchId } from '../outbox-ids.js';
import { StoreError, type EventOutbox, type OutboxBatch } from '../types.js';
import { checkOutboxPartition, isOutboxBatchId, isOutboxPartition } from '../validate.js';
import { PartitionLog } from './outbox-log.js';

/** The live batches of an fs store's outbox partition, read from its files beside the running store (PartitionLog.readFiles). */
export function readFsOutboxFiles(dataDir: string, partition: string): Promise<OutboxBatch[]> {
  checkOutboxPartition(partition);
  return PartitionLog.readFiles(join(dataDir, 'outbox', partition));
}

export class FsOutbox implements EventOutbox {
  private readonly dir: string;
  /** Each partition's log, opened (read) on first use and kept: this process owns the directory. */
  private readonly logs = new Map<string, Promise<PartitionLog>>();
  /** Closed with the store: it no longer holds the data directory's lock, so it reads and writes nothing. */
  private closed = false;

  constructor(private readonly root: string) {
    this.dir = join(root, 'outbox');
  }

  async appendOutbox(partition: string, records: string[]): Promise<string> {
    checkOutboxPartition(partition);
    const log = await this.log(partition);
    const id = newOutboxBatchId();
    await log.append(id, records);
    return id;
  }

  async readOutbox(partition: string, limit: number, after?: string): Promise<OutboxBatch[]> {
    checkOutboxPartition(partition);
    return (await this.log(partition)).read(Math.max(0, limit), after);
  }

  async removeOutbox(partition: string, batchIds: string[]): Promise<void> {
    checkOutboxPartition(partition);
    const ids = batchIds.filter(isOutboxBatchId);
    if (ids.length === 0) return;
    await (await this.log(partition)).remove(ids);
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
      if (isOutboxPartition(name) && (await this.log(name)).hasLive) out.push(name);
    }
    return out;
  }

  /** Closes every partition's files (appends still queued fail). */
  async close(): Promise<void> {
    this.closed = true;
    const logs = [...this.logs.values()];
    this.logs.clear();
    for (const log of logs) await (await log.catch(() => null))?.close();
  }

  /**
   * Removes the temp files of earlier-format appends (one file per batch) that never completed:
   * the process died before the rename. At open, under the data directory's lock (recovery.ts).
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

  private log(partition: string): Promise<PartitionLog> {
    if (this.closed) return Promise.reject(new StoreError('ServiceUnavailable', 'the store is closed'));
    let log = this.logs.get(partition);
    if (log === undefined) {
      const dir = join(this.dir, partition);
      log = PartitionLog.open(dir, async () => {
        await mkdirDurable(this.dir, this.root);
        await mkdirDurable(dir, this.dir);
      });
      // A failed open is not kept: the next call tries again.
      log.catch(() => this.logs.delete(partition));
      this.logs.set(partition, log);
    }
    return log;
  }
}
