/**
 * `dev`: origin + edge + demo site in one command (see ../dev/run-dev.ts).
 * Runs until SIGINT/SIGTERM, then stops everything cleanly.
 */
import { resolve } from 'node:path';
import { UsageError } from '../util/errors.js';
import { describeTlsReload, tlsFilesFrom } from './tls-flags.js';

export interface DevOpts {
  data: string;
  store?: string;
  host: string;
  port: string;
  websitePort: string;
  edgePort: string;
  controlPort: string;
  workers?: string;
  site?: string;
  /** HTTPS everywhere with the local dev CA (`<data>/tls`). */
  tls?: boolean;
  tlsCert?: string;
  tlsKey?: string;
}

function toPort(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${name} must be a port number (0-65535), got ${value}`);
  return n;
}

export async function devCommand(o: DevOpts): Promise<number> {
  const { runDev } = await import('../dev/run-dev.js');
  const workers = o.workers === undefined ? undefined : Number(o.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) throw new UsageError(`--workers must be a positive integer, got ${o.workers}`);
  const tls = tlsFilesFrom(o.tlsCert, o.tlsKey);
  const stack = await runDev({
    ...(tls ? { tls } : {}),
    devCa: o.tls === true && !tls,
    dataDir: resolve(o.data),
    ...(o.store !== undefined ? { store: o.store } : {}),
    host: o.host,
    originPort: toPort(o.port, '--port'),
    websitePort: toPort(o.websitePort, '--website-port'),
    edgePort: toPort(o.edgePort, '--edge-port'),
    controlPort: toPort(o.controlPort, '--control-port'),
    workers,
    siteDir: o.site ? resolve(o.site) : undefined,
  });
  const stopReload = stack.tls ? stack.reloadTlsOnSighup((event) => process.stderr.write(`${describeTlsReload(event)}\n`)) : () => {};
  return new Promise((done) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`${signal}: stopping bucketfront dev\n`);
      stopReload();
      stack.close().then(
        () => done(0),
        (err: unknown) => {
          process.stderr.write(`error while stopping: ${(err as Error).message}\n`);
          done(1);
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
