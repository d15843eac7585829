/**
 * `origin` and `edge`: run the servers in the foreground until SIGINT/SIGTERM.
 * The packages are imported lazily so the S3 commands never load them.
 */
import { join, resolve } from 'node:path';
import { userCacheDir } from '../util/cache-dir.js';
import { UsageError } from '../util/errors.js';
import { describeTlsReload, edgeTlsOptions, tlsFilesFrom } from './tls-flags.js';

function port(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${name} must be a port number (0-65535), got ${value}`);
  return n;
}

function credentialsFrom(o: { accessKeyId?: string; secretAccessKey?: string }) {
  if (!o.accessKeyId && !o.secretAccessKey) return undefined;
  if (!o.accessKeyId || !o.secretAccessKey) throw new UsageError('give both --access-key-id and --secret-access-key');
  return { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey };
}

/** Resolves when SIGINT or SIGTERM arrives, then runs `close` once. */
export function untilSignal(close: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    let closing = false;
    const stop = (signal: NodeJS.Signals) => {
      if (closing) return;
      closing = true;
      process.stderr.write(`${signal}: shutting down\n`);
      close().then(
        () => resolve(0),
        (err: unknown) => {
          process.stderr.write(`error while shutting down: ${(err as Error).message}\n`);
          resolve(1);
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export interface OriginOpts {
  port?: string;
  host?: string;
  data?: string;
  store?: string;
  bucketRevalidate?: string;
  region?: string;
  websitePort?: string;
  websiteDomain?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  accessLog?: boolean;
  spaFallback?: boolean;
  serverAccessLogInterval?: string;
  tlsCert?: string;
  tlsKey?: string;
  websiteTlsCert?: string;
  websiteTlsKey?: string;
  config?: string;
}

export async function originCommand(o: OriginOpts): Promise<number> {
  const { startOrigin, loadOriginConfigFile, OriginConfigError } = await import('@bucketfront/origin');
  let file: Awaited<ReturnType<typeof loadOriginConfigFile>> = {};
  if (o.config !== undefined) {
    try {
      file = await loadOriginConfigFile(o.config);
    } catch (err) {
      if (err instanceof OriginConfigError) throw new UsageError(err.message);
      throw err;
    }
  }
  const region = o.region ?? 'us-east-1';
  const domain = o.websiteDomain ?? 'localhost';
  if (o.data !== undefined && o.store !== undefined) throw new UsageError('give --data DIR or --store SPEC, not both (--data DIR means --store fs:DIR)');
  const tls = tlsFilesFrom(o.tlsCert, o.tlsKey);
  const websiteTls = tlsFilesFrom(o.websiteTlsCert, o.websiteTlsKey, ['--website-tls-cert', '--website-tls-key']);
  if (websiteTls && o.websitePort === undefined) throw new UsageError('--website-tls-cert/--website-tls-key need --website-port');
  const revalidate = Number(o.bucketRevalidate ?? '500');
  if (!Number.isInteger(revalidate) || revalidate < 0) throw new UsageError(`--bucket-revalidate must be milliseconds (an integer ≥ 0), got ${o.bucketRevalidate}`);
  const flushIntervalMs = Number(o.serverAccessLogInterval ?? '30000');
  if (!Number.isInteger(flushIntervalMs) || flushIntervalMs < 1) throw new UsageError(`--server-access-log-interval must be milliseconds (an integer ≥ 1), got ${o.serverAccessLogInterval}`);
  const origin = await startOrigin({
    ...(o.store !== undefined ? { store: o.store } : { dataDir: o.data ?? './data' }),
    bucketRevalidateMs: revalidate,
    serverAccessLogs: { flushIntervalMs },
    port: port(o.port, '--port', 9000),
    host: o.host ?? '127.0.0.1',
    region,
    websiteDomain: domain,
    ...(o.websitePort !== undefined ? { websitePort: port(o.websitePort, '--website-port', 0) } : {}),
    ...(credentialsFrom(o) ? { credentials: credentialsFrom(o) } : {}),
    ...(o.accessLog === false ? { accessLog: false as const } : {}),
    spaFallback: o.spaFallback === true,
    ...(tls ? { tls } : {}),
    ...(websiteTls ? { websiteTls } : {}),
    ...(file.notifications !== undefined ? { notifications: file.notifications } : {}),
    ...(file.replication !== undefined ? { replication: file.replication } : {}),
  });
  const err = (s: string) => process.stderr.write(`${s}\n`);
  const stopReload = origin.reloadTlsOnSighup((event) => err(describeTlsReload(event)));
  err(`bucketfront origin (region ${region}, store ${origin.storeDescription})`);
  err(`  S3 API:           ${origin.url}`);
  err(`  website (vhost):  ${origin.tls ? 'https' : 'http'}://BUCKET.s3-website-${region}.${domain}:${origin.port}/`);
  if (origin.websiteUrl) err(`  website (port):   ${origin.websiteUrl}  (Host header = bucket name)`);
  if (o.spaFallback) err('  SPA fallback:     on (website routing rules with HttpRedirectCode 200 are accepted)');
  if (file.replication) {
    const r = file.replication;
    err(
      `  replication:      ${[r.nodeId && `node ${r.nodeId}`, r.concurrency && `concurrency ${r.concurrency}`, r.initialBackoffMs && `backoff ${r.initialBackoffMs}–${r.maxBackoffMs ?? 30_000} ms`].filter(Boolean).join(', ') || 'defaults'}`,
    );
  }
  if (origin.notifications) err(`  notifications:    ${origin.notifications.destinations.length} destination(s), outbox partition ${origin.notifications.partition}`);
  if (origin.credentials.generated) {
    err(`  credentials (generated once, stored in the store${o.store === undefined ? ' (0600 in the data dir)' : ''}; shown once):`);
    err(`    export AWS_ACCESS_KEY_ID=${origin.credentials.accessKeyId}`);
    err(`    export AWS_SECRET_ACCESS_KEY=${origin.credentials.secretAccessKey}`);
  }
  if (origin.tls || origin.websiteTls)
    err(
      `  TLS:              ${[tls, websiteTls]
        .filter((f) => f !== undefined)
        .map((f) => f.certFile)
        .join(', ')}  (kill -HUP ${process.pid} reloads it)`,
    );
  err(`  try: bucketfront ls --endpoint-url ${origin.url}`);
  return untilSignal(async () => {
    stopReload();
    await origin.close();
  });
}

export interface EdgeOpts {
  config: string;
  cacheDir?: string;
  port?: string;
  controlPort?: string;
  host?: string;
  workers?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsPort?: string;
}

/**
 * Where the edge keeps its disk cache (and invalidation history): --cache-dir, else the config's
 * cache.diskPath (false = memory only), else <user cache dir>/edge ($XDG_CACHE_HOME/bucketfront/edge
 * or ~/.cache/bucketfront/edge; see util/cache-dir.ts) so that it survives restarts.
 */
export function edgeCacheDir(flag: string | undefined, configured: string | false | undefined): string | false {
  if (flag !== undefined) {
    if (flag === '') throw new UsageError('--cache-dir needs a directory');
    return resolve(flag);
  }
  return configured ?? join(userCacheDir(), 'edge');
}

export async function edgeCommand(o: EdgeOpts): Promise<number> {
  const { loadEdgeConfig, startEdge } = await import('@bucketfront/edge');
  const workers = o.workers === undefined ? undefined : Number(o.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) throw new UsageError('--workers must be a positive integer');
  const tls = tlsFilesFrom(o.tlsCert, o.tlsKey);
  const config = await loadEdgeConfig(o.config);
  const diskPath = edgeCacheDir(o.cacheDir, config.cache.diskPath);
  const edge = await startEdge({
    config: { ...config, cache: { ...config.cache, diskPath } },
    port: port(o.port, '--port', 8080),
    controlPort: port(o.controlPort, '--control-port', 8081),
    host: o.host ?? '127.0.0.1',
    ...(workers ? { workers } : {}),
    ...(credentialsFrom(o) ? { credentials: credentialsFrom(o) } : {}),
    ...edgeTlsOptions(tls),
    ...(tls ? { tlsPort: port(o.tlsPort, '--tls-port', 8443) } : {}),
  });
  const err = (s: string) => process.stderr.write(`${s}\n`);
  err(`bucketfront edge (config ${o.config})`);
  err(`  viewers: ${edge.url}`);
  if (tls) err(`  viewers (HTTPS, HTTP/2 and HTTP/1.1): ${edge.tlsUrl}`);
  err(`  control: ${edge.controlUrl}  (CloudFront API: --endpoint-url ${edge.controlUrl})`);
  err(`  cache:   ${diskPath === false ? 'memory only (cache.diskPath: false)' : diskPath}`);
  if (tls) err(`  TLS:     ${tls.certFile} (viewer and control listeners)`);
  if (edge.credentials.generated) {
    // Like `bucketfront origin`: a generated pair is useless unless shown (once; the edge does not store it).
    err('  control API credentials (generated for this run, shown once):');
    err(`    export AWS_ACCESS_KEY_ID=${edge.credentials.accessKeyId}`);
    err(`    export AWS_SECRET_ACCESS_KEY=${edge.credentials.secretAccessKey}`);
    err("  to share the origin's pair instead, start the edge with BUCKETFRONT_ACCESS_KEY_ID and");
    err("  BUCKETFRONT_SECRET_ACCESS_KEY set to the origin's credentials (or --access-key-id/--secret-access-key)");
  }
  return untilSignal(() => edge.close());
}
