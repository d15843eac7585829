/**
 * Applies a change on peer edges: a signed control request (CreateInvalidation here;
 * PublishFunction / DeleteFunction in function-peers.ts) to each peer's control URL, marked
 * with `x-bucketfront-peer: 1` so the peer applies it locally, acknowledges once its workers
 * have applied it, and does not fan out again. Transient failures are retried with capped
 * exponential backoff for a bounded time.
 */
import { request } from 'undici';
import { renderInvalidationBatch, type InvalidationBatch } from './invalidation-batch.js';
import { signRequest } from '@bucketfront/sigv4';

export const PEER_HEADER = 'x-bucketfront-peer';
/** The originating invalidation's id, so the peer's answer and logs use the same id. */
export const PEER_INVALIDATION_ID_HEADER = 'x-bucketfront-invalidation-id';

export interface PeerRetryPolicy {
  /** First retry delay; doubles up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** Give up after this long (the invalidation then stays InProgress). */
  windowMs: number;
  /** Per-attempt bound on connect + response. */
  attemptTimeoutMs: number;
}

export const DEFAULT_PEER_RETRY: PeerRetryPolicy = {
  initialDelayMs: 100,
  maxDelayMs: 5_000,
  windowMs: 10 * 60_000,
  attemptTimeoutMs: 10_000,
};

export class PeerError extends Error {
  constructor(
    readonly peer: string,
    message: string,
    /** False for answers that retrying cannot change (e.g. 403 from different credentials). */
    readonly retryable: boolean,
  ) {
    super(`peer ${peer}: ${message}`);
    this.name = 'PeerError';
  }
}

export interface PeerSendOptions {
  credentials: { accessKeyId: string; secretAccessKey: string };
  now: () => Date;
  retry: PeerRetryPolicy;
}

/** A signed control request to a peer, marked with PEER_HEADER. */
export interface PeerRequest {
  method: 'POST' | 'PUT' | 'DELETE';
  /** Below the peer's control URL, e.g. `/2020-05-31/distribution/E1/invalidation`. */
  path: string;
  /** Our own headers (signed too). */
  headers: Record<string, string>;
  body: string;
  /** A 404 with this error code means the peer has nothing to change: acknowledged. */
  absentCode: string;
}

/** One attempt. Resolves on acknowledgement; rejects with a PeerError. */
async function sendOnce(peer: string, r: PeerRequest, opts: PeerSendOptions): Promise<void> {
  const base = peer.endsWith('/') ? peer.slice(0, -1) : peer;
  const url = new URL(`${base}${r.path}`);
  const ownHeaders = { [PEER_HEADER]: '1', ...r.headers };
  const headers = {
    ...ownHeaders,
    ...signRequest({
      method: r.method,
      url,
      headers: ownHeaders,
      body: r.body,
      credentials: opts.credentials,
      region: 'us-east-1',
      service: 'cloudfront',
      now: opts.now(),
    }),
  };
  let status: number;
  let text: string;
  try {
    const res = await request(url, {
      method: r.method,
      headers,
      body: r.body,
      headersTimeout: opts.retry.attemptTimeoutMs,
      bodyTimeout: opts.retry.attemptTimeoutMs,
    });
    status = res.statusCode;
    text = await res.body.text();
  } catch (err) {
    throw new PeerError(peer, (err as Error).message, true);
  }
  if (status >= 200 && status < 300) return;
  if (status === 404 && text.includes(`<Code>${r.absentCode}</Code>`)) return;
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? 'unknown';
  throw new PeerError(peer, `HTTP ${status} ${code}`, status >= 500 || status === 429);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** Sends until acknowledged, retrying transient failures within the retry window. */
export async function sendRequestToPeer(peer: string, r: PeerRequest, opts: PeerSendOptions): Promise<void> {
  const deadline = Date.now() + opts.retry.windowMs;
  let delay = opts.retry.initialDelayMs;
  for (;;) {
    try {
      await sendOnce(peer, r, opts);
      return;
    } catch (err) {
      const e = err as PeerError;
      if (!e.retryable || Date.now() + delay > deadline) throw e;
      await sleep(delay);
      delay = Math.min(delay * 2, opts.retry.maxDelayMs);
    }
  }
}

/** CreateInvalidation on a peer. A peer without this distribution holds nothing cached for it: acknowledged. */
export function sendToPeer(peer: string, distributionId: string, invalidationId: string, batch: InvalidationBatch, opts: PeerSendOptions): Promise<void> {
  return sendRequestToPeer(
    peer,
    {
      method: 'POST',
      path: `/2020-05-31/distribution/${encodeURIComponent(distributionId)}/invalidation`,
      headers: { [PEER_INVALIDATION_ID_HEADER]: invalidationId },
      body: renderInvalidationBatch(batch),
      absentCode: 'NoSuchDistribution',
    },
    opts,
  );
}
