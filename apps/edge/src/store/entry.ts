/**
 * A response as the worker holds it in its memory tier: the tiers' serialisable CachedResponse
 * (cache-store.ts) plus per-process state: pre-built hit headers, a sequence number, a
 * revalidation flag.
 */
import type { BodyFile } from './body-files.js';
import type { CachedResponse, StoredBody } from './cache-store.js';

export type { Coding } from './cache-store.js';

/** One encoding of a stored response: the body and its pre-built header arrays. */
export interface Variant extends StoredBody {
  /**
   * `headers` + X-Cache (Hit, or Error for ≥ 400), Via and X-Amz-Cf-Pop, for
   * `res.writeHead(status, headers)`: the hit path appends only Date, Age, X-Amz-Cf-Id.
   */
  hitHeaders: string[];
  /**
   * Set on a large body read from the shared tier for one response (cache-lookup.ts SharedRead):
   * the bytes are in this open file, streamed by viewer/send-file.ts; `body` is empty.
   */
  file?: BodyFile;
}

export interface StoredEntry extends CachedResponse<Variant> {
  /** Memory-tier sequence number taken when the origin fetch *started* (ban ordering). */
  seq: number;
  /** Bytes accounted in the LRU. */
  size: number;
  /** Set while an SWR background revalidation is running. */
  revalidating?: boolean;
  /** ms when the shared tier last heard of a hit on it (LRU there); see engine.ts. */
  touchedAt?: number;
}
