import type { EntryTimes } from '@bucketfront/cache-policy';

export type Coding = 'identity' | 'gzip' | 'br';

/** One encoding of a stored response: the body and its pre-built header array. */
export interface Variant {
  body: Buffer;
  /**
   * Flat [name, value, name, value…] array for `res.writeHead(status, headers)`:
   * filtered origin headers + Content-Length/Content-Encoding/ETag for this variant + X-Cache, Via, Pop.
   * Per request the server appends only Date, Age and X-Amz-Cf-Id.
   */
  headers: string[];
  /** `headers` + X-Cache (Hit, or Error for ≥ 400), Via and X-Amz-Cf-Pop: the hit path appends only Date, Age, X-Amz-Cf-Id. */
  hitHeaders: string[];
  /** ETag as served for this variant (weak for edge-compressed variants). */
  etag?: string;
}

export interface StoredEntry {
  key: string;
  distributionId: string;
  /** Request path in invalidation-normalised form (ban matching). */
  path: string;
  /** A second path bans also match (`/index.html` for `/` with a defaultRootObject). */
  altPath?: string;
  /** Keyed query string ('' when none). */
  query: string;
  status: number;
  /** Filtered origin headers, flat (no hop-by-hop, Date, Age, Content-Length, Content-Encoding, ETag). */
  baseHeaders: string[];
  variants: Partial<Record<Coding, Variant>>;
  /** The edge may add gzip/br variants on demand (store/variants.ts): CloudFront's rules allow it. */
  compressible?: boolean;
  /** The coding the origin applied (Content-Encoding), when it did: `gzip`/`br`, or as sent. */
  originEncoding?: string;
  /** The origin-encoded body did not decode: viewers that refuse its coding get it as it is. */
  undecodable?: boolean;
  times: EntryTimes;
  /** Origin validators for conditional revalidation and viewer 304s. */
  etag?: string;
  lastModified?: string;
  /** Raw Cache-Control / Expires from the origin (TTL recomputation on 304). */
  cacheControl?: string;
  expires?: string;
  /** False when the response disables collapsing (spec §1.9). */
  collapsible: boolean;
  /** Store sequence number taken when the origin fetch *started* (ban ordering). */
  seq: number;
  /** Bytes accounted in the LRU. */
  size: number;
  /** Set while an SWR background revalidation is running. */
  revalidating?: boolean;
}
