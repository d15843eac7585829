/**
 * The edge's control API, on its own port:
 * - CloudFront 2020-05-31 REST-XML, SigV4-authenticated (service `cloudfront`,
 *   any region): CreateInvalidation, GetInvalidation, ListInvalidations,
 *   ListDistributions, GetDistribution, GetDistributionConfig, CreateDistribution(WithTags),
 *   UpdateDistribution, DeleteDistribution, Tag/UntagResource, ListTagsForResource (distributions
 *   of the configuration file are read-only); other operations answer NotImplemented (501).
 * - `GET /metrics` (Prometheus text) and `GET /health`: unauthenticated, like
 *   most Prometheus targets; bind the control port to a trusted interface.
 * - Peer fan-out: an accepted invalidation is applied by the local runtime and
 *   sent to every `config.peers` control URL; it is Completed once all acknowledged.
 *   PublishFunction / DeleteFunction are applied on every local worker before the
 *   answer and sent to the peers in the background (apply-function.ts).
 * - Key value stores: the management operations under /2020-05-31/key-value-store and the
 *   `cloudfront-keyvaluestore` data API under /key-value-stores/ (REST-JSON, SigV4A or SigV4:
 *   kvs-api/), both on ../kvs/kvs-db.ts, which every worker reads.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { TlsMaterial } from '@bucketfront/http-basics';
import { splitTarget } from '@bucketfront/http-basics';
import { authenticate } from './auth.js';
import { readBody } from './body.js';
import type { ControlContext, ControlResponse } from './context.js';
import { ControlMetrics } from './control-metrics.js';
import { ControlError, errors, renderErrorResponse } from './errors.js';
import { FunctionStore } from './function-store.js';
import { DistributionStore } from './distribution-store.js';
import { KvsDb } from '../kvs/kvs-db.js';
import { lazyKeyValueStores } from './function-kvs.js';
import { openInvalidationHistory } from './invalidation-history.js';
import { InvalidationStore } from './invalidation-store.js';
import { applyInvalidation } from './apply-invalidation.js';
import { DEFAULT_PEER_RETRY, type PeerRetryPolicy } from './peer-fanout.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from './prometheus.js';
import { API_PREFIX, route } from './router.js';
import { KvsApiError, renderKvsError } from './kvs-api/errors.js';
import { handleKvsApi, KVS_API_PREFIX } from './kvs-api/router.js';
import type { EdgeConfig, EdgeRuntime } from './runtime-types.js';

export type { EdgeConfig, EdgeRuntime } from './runtime-types.js';
export type { PeerRetryPolicy } from './peer-fanout.js';
export { PEER_HEADER } from './peer-fanout.js';

export interface ControlServerOptions {
  runtime: EdgeRuntime;
  credentials: { accessKeyId: string; secretAccessKey: string };
  config: EdgeConfig;
  now?: () => Date;
  /** How long CreateInvalidation waits for Completed before answering InProgress (default 1000 ms). */
  createWaitMs?: number;
  /** Peer fan-out retries (default: 100 ms doubling to 5 s, for 10 min; 10 s per attempt). */
  peerRetry?: Partial<PeerRetryPolicy>;
  /** Operational messages (peer failures, internal errors). Default: stderr. */
  log?: (message: string) => void;
  /**
   * SQLite file keeping the invalidation history across restarts (created if missing; the
   * edge passes `<cache.diskPath>/invalidations.sqlite`). Without it the history is in memory.
   * Records still InProgress when loaded are applied again. Closed when the server closes.
   */
  historyFile?: string;
  /**
   * The CloudFront Functions created through the API (PublishFunction, …). Either an opened
   * store (startEdge opens it first: its LIVE functions are compiled before workers serve), or
   * `functionsFile`, an SQLite file (the edge uses `<cache.diskPath>/functions.sqlite`); neither:
   * in memory. Closed when the server closes.
   */
  functionStore?: FunctionStore;
  functionsFile?: string;
  /**
   * The key value stores created through the API: an opened database (startEdge opens
   * `<cache.diskPath>/kvs.sqlite` first: its workers read it) or `kvsFile`; neither: in memory.
   * Closed when the server closes.
   */
  kvsDb?: KvsDb;
  kvsFile?: string;
  /**
   * The distributions created through the API (CreateDistribution, …): an opened store (startEdge
   * opens `<cache.diskPath>/distributions.sqlite` first: its distributions serve from the first
   * request) or `distributionsFile` (its distributions are then applied to the runtime at once);
   * neither: in memory. Closed when the server closes.
   */
  distributionStore?: DistributionStore;
  distributionsFile?: string;
  /** Serve HTTPS with this certificate (startEdge's `controlTls`; reloaded on SIGHUP with setSecureContext). */
  tls?: TlsMaterial;
}

/** Returns a server that is not listening yet (an https.Server with `tls`); the caller (startEdge) listens on the control port. */
export function createControlServer(opts: ControlServerOptions): http.Server {
  const log = opts.log ?? ((message: string) => process.stderr.write(`[edge control] ${message}\n`));
  const opened = opts.historyFile === undefined ? undefined : openInvalidationHistory(opts.historyFile, log);
  const kvs = opts.kvsDb ?? KvsDb.open(opts.kvsFile, log);
  const ctx: ControlContext = {
    runtime: opts.runtime,
    config: opts.config,
    credentials: opts.credentials,
    now: opts.now ?? (() => new Date()),
    store: new InvalidationStore(opened?.history),
    functions: opts.functionStore ?? FunctionStore.open(opts.functionsFile, log),
    kvs,
    distributions: opts.distributionStore ?? DistributionStore.open(opts.distributionsFile, opts.config, log),
    keyValueStores: lazyKeyValueStores(opts.config, kvs),
    metrics: new ControlMetrics(),
    startedAt: (opts.now ?? (() => new Date()))(),
    createWaitMs: opts.createWaitMs ?? 1000,
    peerRetry: { ...DEFAULT_PEER_RETRY, ...opts.peerRetry },
    log,
  };
  if (opened) ctx.store.restore(opened.records, (r) => applyInvalidation(ctx, r));
  if (!opts.distributionStore && ctx.distributions.list().length > 0) {
    ctx.runtime.setDistributions(ctx.distributions.configs()).catch((err: unknown) => log(`distributions not applied: ${(err as Error)?.message ?? String(err)}`));
  }
  // Slowloris: the header block must arrive within 20 s (checked every 5 s).
  const listener: http.RequestListener = (req, res) => {
    handle(ctx, req).then(
      (response) => send(res, response),
      (err: unknown) => {
        ctx.log(`internal error: ${(err as Error)?.stack ?? String(err)}`);
        send(res, errorResponse(errors.internal(), randomUUID()));
      },
    );
  };
  const limits = { headersTimeout: 20_000, requestTimeout: 120_000, connectionsCheckingInterval: 5_000 };
  // https.Server is an http.Server over TLS (same request API); typed as the plain one for callers.
  const server = opts.tls ? (https.createServer({ ...limits, cert: opts.tls.cert, key: opts.tls.key }, listener) as unknown as http.Server) : http.createServer(limits, listener);
  if (opened) server.once('close', () => opened.history.close());
  server.once('close', () => ctx.functions.close());
  server.once('close', () => kvs.close());
  server.once('close', () => ctx.distributions.close());
  return server;
}

function send(res: http.ServerResponse, response: ControlResponse & { requestId?: string }): void {
  if (res.headersSent) return;
  const body = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : response.body;
  res.writeHead(response.status, {
    'content-type': 'text/xml',
    ...response.headers,
    'content-length': String(body.length),
  });
  res.end(body);
}

function errorResponse(err: ControlError, requestId: string): ControlResponse {
  return { status: err.status, headers: { 'x-amzn-requestid': requestId }, body: renderErrorResponse(err, requestId) };
}

async function handle(ctx: ControlContext, req: http.IncomingMessage): Promise<ControlResponse> {
  const requestId = randomUUID();
  const method = req.method ?? 'GET';
  const { path, query } = splitTarget(req.url);

  if (method === 'GET' && path === '/health') {
    req.resume();
    return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"status":"ok"}\n' };
  }
  if (method === 'GET' && path === '/metrics') {
    req.resume();
    const snapshot = await ctx.runtime.metrics();
    return { status: 200, headers: { 'content-type': PROMETHEUS_CONTENT_TYPE }, body: renderPrometheus(snapshot, ctx.metrics, ctx.config.pop) };
  }

  if (path.startsWith(KVS_API_PREFIX)) {
    try {
      return handleKvsApi(ctx, req, await readBody(req), path, query, requestId);
    } catch (err) {
      if (err instanceof ControlError) return renderKvsError(new KvsApiError(err.status === 413 ? 'ValidationException' : err.code, err.status === 413 ? 400 : err.status, err.message), requestId);
      throw err;
    }
  }

  try {
    const body = await readBody(req);
    const authError = authenticate(req, body, ctx.credentials, ctx.now());
    if (authError) throw authError;
    if (path !== API_PREFIX && !path.startsWith(`${API_PREFIX}/`)) {
      throw new ControlError('NotFound', 404, `No CloudFront API resource at ${path}; the API lives under ${API_PREFIX}/.`);
    }
    const r = route(method, path);
    if (r.kind === 'error') throw r.error;
    const response = await r.handler(ctx, {
      req,
      body,
      params: r.params,
      query: new URLSearchParams(query),
      requestId,
      baseUrl: baseUrlOf(req),
    });
    return { ...response, headers: { ...response.headers, 'x-amzn-requestid': requestId } };
  } catch (err) {
    if (err instanceof ControlError) {
      // Drain what the client may still be sending (e.g. after a 413) so the connection stays usable.
      req.resume();
      return errorResponse(err, requestId);
    }
    throw err;
  }
}

function baseUrlOf(req: http.IncomingMessage): string {
  const tls = (req.socket as { encrypted?: boolean }).encrypted === true;
  const host = req.headers.host ?? `${req.socket.localAddress ?? '127.0.0.1'}:${req.socket.localPort ?? (tls ? 443 : 80)}`;
  return `${tls ? 'https' : 'http'}://${host}`;
}
