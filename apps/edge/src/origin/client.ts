/**
 * Edge → origin HTTP: one keep-alive undici Pool per origin, with CloudFront's timeouts.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesOrigin.html#DownloadDistValuesOtherCustomOrigin
 * - connection timeout (1–10 s) × connection attempts (1–3): retried only for connect failures;
 * - response timeout (1–60 s): time to the first byte and between body chunks;
 * - keep-alive timeout (1–60 s).
 */
import { Pool, errors as undiciErrors } from 'undici';
import type { Readable } from 'node:stream';
import type { OriginConfig } from '../config/types.js';
import type { FillBudget } from '../fill-budget.js';
import { Slots } from './slots.js';

/**
 * `busy`: no pass-through connection freed up within PASS_THROUGH_QUEUE_MS. `tls`: the origin's
 * certificate did not verify (never retried; the viewer gets 502 like CloudFront's
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/http-502-bad-gateway.html#ssl-certificate-expired).
 */
export type OriginFailureKind = 'connect' | 'timeout' | 'error' | 'busy' | 'tls';

/**
 * Pass-through requests (PUT/POST/… streamed both ways, viewer/pass-through.ts) get their own
 * pool per origin with this many connections, so slow uploads can hold at most these and never
 * the connections cache fills use (issue 18 item 4). A request that waits longer than
 * PASS_THROUGH_QUEUE_MS for one fails `busy` (the viewer gets 503).
 */
export const PASS_THROUGH_CONNECTIONS = 64;
export const PASS_THROUGH_QUEUE_MS = 5_000;

export class OriginFailure extends Error {
  constructor(
    readonly kind: OriginFailureKind,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'OriginFailure';
  }
}

export interface OriginResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
  /** Time to response headers, ms. */
  latencyMs: number;
}

export interface OriginRequest {
  method: string;
  /** Path + query as sent to the origin, without the origin's own path prefix. */
  path: string;
  headers: Record<string, string>;
  /** Streaming body for pass-through requests (no retries then). */
  body?: Readable | null;
  /** Pass-through: called when the request has its connection slot and is being sent. */
  onStart?: () => void;
  /** Aborts the request (and its response body) and gives its connection back, e.g. when the viewer goes away. */
  signal?: AbortSignal;
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'EPIPE']);

/** OpenSSL's verification failures (X509_V_ERR_* names as Node reports them) and Node's host name check. */
const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'INVALID_PURPOSE',
]);

function classify(err: unknown): OriginFailure {
  if (err instanceof OriginFailure) return err;
  const e = err as { code?: string; message?: string };
  if (e.code !== undefined && TLS_CODES.has(e.code)) return new OriginFailure('tls', `origin certificate refused: ${e.code}: ${e.message ?? ''}`, err);
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) return new OriginFailure('timeout', e.message ?? 'origin timeout', err);
  if (e.code === 'UND_ERR_CONNECT_TIMEOUT') return new OriginFailure('timeout', 'connect timeout', err);
  if (e.code !== undefined && CONNECT_CODES.has(e.code)) return new OriginFailure('connect', `${e.code}: ${e.message ?? ''}`, err);
  return new OriginFailure('error', e.message ?? String(err), err);
}

export class OriginClient {
  private readonly pool: Pool;
  private readonly passPool: Pool;
  private readonly passSlots = new Slots(PASS_THROUGH_CONNECTIONS);
  readonly hostHeader: string;
  private readonly pathPrefix: string;

  /**
   * `ca`: the trust anchors for an https origin (origin/trust.ts); default Node's. The certificate
   * is verified for the URL's host name, which is also sent as the TLS server name (SNI) unless it
   * is an IP address (undici's default, RFC 6066 §3), as CloudFront does with the origin domain.
   */
  constructor(
    readonly config: OriginConfig,
    tls: { ca?: string[] | undefined } = {},
  ) {
    const u = new URL(config.url);
    this.hostHeader = config.hostHeader ?? u.host;
    this.pathPrefix = u.pathname.replace(/\/+$/, '');
    const pool = (connections: number): Pool =>
      new Pool(u.origin, {
        connections,
        pipelining: 1,
        connect: { timeout: config.connectionTimeout * 1000, ...(tls.ca === undefined ? {} : { ca: tls.ca }) },
        headersTimeout: config.responseTimeout * 1000,
        bodyTimeout: config.responseTimeout * 1000,
        keepAliveTimeout: config.keepaliveTimeout * 1000,
        keepAliveMaxTimeout: Math.max(config.keepaliveTimeout, 60) * 1000,
      });
    this.pool = pool(256);
    this.passPool = pool(PASS_THROUGH_CONNECTIONS);
  }

  /**
   * A pass-through request on the pass-through pool: waits at most PASS_THROUGH_QUEUE_MS for a
   * connection (then rejects `busy`); the connection is held until the response body is done.
   */
  async passThrough(req: OriginRequest): Promise<OriginResponse> {
    const release = await this.passSlots.acquire(PASS_THROUGH_QUEUE_MS);
    if (!release) throw new OriginFailure('busy', `no origin connection for pass-through within ${PASS_THROUGH_QUEUE_MS} ms`);
    try {
      req.signal?.throwIfAborted();
      req.onStart?.();
      const r = await this.send(this.passPool, req);
      r.body.once('close', release);
      return r;
    } catch (err) {
      release();
      throw classify(err);
    }
  }

  /** Send a request; rejects with OriginFailure. Connect failures are retried up to connectionAttempts (not for streamed bodies). */
  async request(req: OriginRequest): Promise<OriginResponse> {
    const attempts = req.body ? 1 : this.config.connectionAttempts;
    let last: OriginFailure | undefined;
    for (let i = 0; i < attempts; i++) {
      try {
        return await this.send(this.pool, req);
      } catch (err) {
        last = classify(err);
        if (last.kind !== 'connect' && !(last.kind === 'timeout' && (err as { code?: string }).code === 'UND_ERR_CONNECT_TIMEOUT')) throw last;
      }
    }
    throw last ?? new OriginFailure('error', 'no attempt made');
  }

  private async send(pool: Pool, req: OriginRequest): Promise<OriginResponse> {
    const started = performance.now();
    const r = await pool.request({
      method: req.method as 'GET',
      path: this.pathPrefix + req.path,
      headers: { ...req.headers, host: this.hostHeader },
      body: req.body ?? null,
      signal: req.signal ?? null,
    });
    return { status: r.statusCode, headers: r.headers, body: r.body as unknown as Readable, latencyMs: performance.now() - started };
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.close().catch(() => undefined), this.passPool.close().catch(() => undefined)]);
  }

  async destroy(): Promise<void> {
    await Promise.all([this.pool.destroy().catch(() => undefined), this.passPool.destroy().catch(() => undefined)]);
  }
}

export type ReadBodyResult = { buffer: Buffer; reserved: number } | { tooLarge: true; overBudget: boolean; head: Buffer[]; rest: Readable };

/**
 * Read a body fully, up to `limit` bytes, taking what it buffers from `budget` (the caller
 * releases `reserved` once the body is stored or dropped). When larger than `limit`, or when the
 * budget is spent, stops (paused, nothing left reserved) and hands back what was read plus the
 * rest of the stream. With a Content-Length the body is copied into one buffer of that size as it
 * arrives: no second copy at the end (Buffer.concat) and no undici socket chunks kept alive.
 */
export function readBody(body: Readable, limit: number, opts: { contentLength?: number; budget?: FillBudget } = {}): Promise<ReadBodyResult> {
  const { contentLength, budget } = opts;
  let reserved = 0;
  const take = (n: number): boolean => {
    if (budget && !budget.reserve(n)) return false;
    reserved += n;
    return true;
  };
  const giveBack = (): void => {
    budget?.release(reserved);
    reserved = 0;
  };
  if (contentLength !== undefined && contentLength <= limit && !take(contentLength)) {
    body.pause();
    return Promise.resolve({ tooLarge: true, overBudget: true, head: [], rest: body });
  }
  const whole = contentLength !== undefined && contentLength <= limit ? Buffer.allocUnsafeSlow(contentLength) : undefined;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = (): void => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
    };
    const stop = (overBudget: boolean): void => {
      body.pause();
      cleanup();
      giveBack();
      resolve({ tooLarge: true, overBudget, head: whole ? [whole.subarray(0, total)] : chunks, rest: body });
    };
    const onData = (b: Buffer): void => {
      if (whole) {
        if (total + b.length > whole.length) {
          cleanup();
          giveBack();
          body.destroy();
          reject(new OriginFailure('error', 'origin body longer than its Content-Length'));
          return;
        }
        b.copy(whole, total);
        total += b.length;
        return;
      }
      chunks.push(b);
      total += b.length;
      if (total > limit) stop(false);
      else if (!take(b.length)) stop(true);
    };
    const onEnd = (): void => {
      cleanup();
      const buffer = whole ? whole.subarray(0, total) : Buffer.concat(chunks, total); // a copy: no socket slab kept
      resolve({ buffer, reserved });
    };
    const onError = (err: Error): void => {
      cleanup();
      giveBack();
      reject(err);
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
  });
}
