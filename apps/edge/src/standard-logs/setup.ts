/**
 * Standard logs for one edge (docs/cloudfront-logs.md): the spool directory, the deliverer (run
 * by the single process or the cluster primary) and each viewer process's spool writer.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StandardLogsConfig } from '../config/logging-fields.js';
import type { EdgeConfig } from '../config/types.js';
import { LogDeliverer } from './delivery.js';
import { logDestination } from './destination.js';
import { SpoolWriter } from './spool.js';

export interface LogDelivery {
  deliverer: LogDeliverer;
  intervalMs: number;
  /** The last round (what the stopped viewer processes spooled), then the temporary spool goes. */
  close(): Promise<void>;
}

const intervalMsOf = (logs: StandardLogsConfig): number => Math.round(logs.deliveryInterval * 1000);

/**
 * The spool is `standardLogs.spoolDir`, else `standard-logs/` in the cache directory, else a
 * temporary directory. Sets `config.standardLogs.spoolDir` (the workers read it there), adopts
 * what earlier processes left in it and delivers it at once.
 */
export async function openLogDelivery(config: EdgeConfig, cacheDir: string | undefined, log: (message: string) => void): Promise<LogDelivery | undefined> {
  const logs = config.standardLogs;
  if (logs === undefined) return undefined;
  const temporary = logs.spoolDir === undefined && cacheDir === undefined ? await mkdtemp(join(tmpdir(), 'bucketfront-logs-')) : undefined;
  logs.spoolDir ??= temporary ?? join(cacheDir!, 'standard-logs');
  const deliverer = new LogDeliverer(logs.spoolDir, logDestination(logs), log);
  await deliverer.adopt();
  void deliverer.deliver();
  return {
    deliverer,
    intervalMs: intervalMsOf(logs),
    async close() {
      deliverer.stop();
      // Every viewer process has stopped: what one that was killed left is delivered too.
      await deliverer.adopt();
      await deliverer.deliver();
      if (temporary !== undefined) await rm(temporary, { recursive: true, force: true });
    },
  };
}

/** A viewer process's spool writer, closing its file off every delivery interval (cluster workers). */
export function openSpoolWriter(config: EdgeConfig, log: (message: string) => void, rotating: boolean): SpoolWriter | undefined {
  const logs = config.standardLogs;
  if (logs?.spoolDir === undefined) return undefined;
  const spool = new SpoolWriter(logs.spoolDir, (err) => log(`standard logs: spool write failed (kept for the next batch): ${err.message}`));
  if (rotating) spool.rotateEvery(intervalMsOf(logs));
  return spool;
}
