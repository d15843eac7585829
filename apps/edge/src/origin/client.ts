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

export type OriginFailureKind = 'connect' | 'timeout' | 'error';

export class OriginFailure extends Error {
  constructor(readonly kind: OriginFailureKind, message: string, override readonly cause?: unknown) {
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
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'EPIPE']);

function classify(err: unknown): OriginFailure {
  if (err instanceof OriginFailure) return err;
  const e = err as { code?: string; message?: string };
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) return new OriginFailure('timeout', e.message ?? 'origin timeout', err);
  if (e.code === 'UND_ERR_CONNECT_TIMEOUT') return new OriginFailure('timeout', 'connect timeout', err);
  if (e.code !== undefined && CONNECT_CODES.has(e.code)) return new OriginFailure('connect', `${e.code}: ${e.message ?? ''}`, err);
  return new OriginFailure('error', e.message ?? String(err), err);
}

export class OriginClient {
  private readonly pool: Pool;
  readonly hostHeader: string;
  private readonly pathPrefix: string;

  constructor(readonly config: OriginConfig) {
    const u = new URL(config.url);
    this.hostHeader = config.hostHeader ?? u.host;
    this.pathPrefix = u.pathname.replace(/\/+$/, '');
    this.pool = new Pool(u.origin, {
      connections: 256,
      pipelining: 1,
      connect: { timeout: config.connectionTimeout * 1000 },
      headersTimeout: config.responseTimeout * 1000,
      bodyTimeout: config.responseTimeout * 1000,
      keepAliveTimeout: config.keepaliveTimeout * 1000,
      keepAliveMaxTimeout: Math.max(config.keepaliveTimeout, 60) * 1000,
    });
  }

  /** Send a request; rejects with OriginFailure. Connect failures are retried up to connectionAttempts (not for streamed bodies). */
  async request(req: OriginRequest): Promise<OriginResponse> {
    const attempts = req.body ? 1 : this.config.connectionAttempts;
    let last: OriginFailure | undefined;
    for (let i = 0; i < attempts; i++) {
      const started = performance.now();
      try {
        const r = await this.pool.request({
          method: req.method as 'GET',
          path: this.pathPrefix + req.path,
          headers: { ...req.headers, host: this.hostHeader },
          body: req.body ?? null,
        });
        return { status: r.statusCode, headers: r.headers, body: r.body as unknown as Readable, latencyMs: performance.now() - started };
      } catch (err) {
        last = classify(err);
        if (last.kind !== 'connect' && !(last.kind === 'timeout' && (err as { code?: string }).code === 'UND_ERR_CONNECT_TIMEOUT')) throw last;
      }
    }
    throw last ?? new OriginFailure('error', 'no attempt made');
  }

  close(): Promise<void> {
    return this.pool.close().catch(() => undefined);
  }

  destroy(): Promise<void> {
    return this.pool.destroy().catch(() => undefined);
  }
}

/** Read a body fully, up to `limit` bytes. When larger, stops (paused) and hands back what was read plus the rest of the stream. */
export function readBody(body: Readable, limit: number): Promise<{ buffer: Buffer } | { tooLarge: true; head: Buffer[]; rest: Readable }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = (): void => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
    };
    const onData = (b: Buffer): void => {
      chunks.push(b);
      total += b.length;
      if (total > limit) {
        body.pause();
        cleanup();
        resolve({ tooLarge: true, head: chunks, rest: body });
      }
    };
    const onEnd = (): void => { cleanup(); resolve({ buffer: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total) }); };
    const onError = (err: Error): void => { cleanup(); reject(err); };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
  });
}
