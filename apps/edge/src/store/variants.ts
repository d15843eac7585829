/**
 * Encoding variants of a stored entry. The variant the origin sent (identity, or gzip/br when the
 * origin encoded it) is built at fill; the others are produced lazily, the first time a viewer that
 * needs one is served the entry, once per entry and coding (concurrent viewers share the work in
 * flight and all wait for it):
 * - gzip and br of an identity body, when CloudFront's rules allow compressing it (cache-policy
 *   isCompressibleResponse); compressed output gets a weak ETag;
 * - identity of an origin-encoded body, for viewers that do not accept the origin's coding
 *   (decoded, capped at cache.maxObjectBytes against decompression bombs; weak ETag).
 * Nothing is produced for a coding no viewer asked for, and an uncached response only in the coding
 * its own viewer asked for.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html
 */
import { promisify } from 'node:util';
import { brotliCompress, brotliDecompress, constants as zc, gunzip, gzip } from 'node:zlib';
import { weakenEtag } from '@bucketfront/cache-policy';
import type { EngineState } from '../context.js';
import type { Coding, StoredEntry, Variant } from './entry.js';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);
const gunzipAsync = promisify(gunzip);
const unbrotliAsync = promisify(brotliDecompress);

/** A variant with its pre-built header arrays. `common`: filtered origin headers (+ Vary); `served`: its ETag as served. */
export function buildVariant(
  s: Pick<EngineState, 'config' | 'via'>,
  status: number,
  common: readonly string[],
  body: Buffer,
  coding: Coding,
  served: { etag: string | undefined; contentEncoding: string | undefined },
): Variant {
  const headers = [...common];
  if (status !== 204 && status !== 304) headers.push('content-length', String(body.length));
  // An identity variant may still carry a coding we neither make nor undo (deflate…), as sent.
  if (coding !== 'identity') headers.push('content-encoding', coding);
  else if (served.contentEncoding !== undefined) headers.push('content-encoding', served.contentEncoding);
  const etag = served.etag;
  if (etag !== undefined) headers.push('etag', etag);
  const v: Variant = { body, headers, hitHeaders: hitHeadersFor(s, status, headers) };
  if (etag !== undefined) v.etag = etag;
  return v;
}

/** `headers` + X-Cache (Hit, or Error for ≥ 400), Via and X-Amz-Cf-Pop: what a hit sends but Date, Age, X-Amz-Cf-Id. */
export function hitHeadersFor(s: Pick<EngineState, 'config' | 'via'>, status: number, headers: readonly string[]): string[] {
  return [...headers, 'x-cache', `${status >= 400 ? 'Error' : 'Hit'} from ${s.config.productWord}`, 'via', s.via, 'x-amz-cf-pop', s.config.pop];
}

/** Accounted bytes of one variant in the cache (body + header arrays, roughly). */
export const variantSize = (v: Variant): number => v.body.length + 64;

function compress(body: Buffer, coding: 'gzip' | 'br'): Promise<Buffer> {
  if (coding === 'gzip') return gzipAsync(body, { level: 6 });
  return brotliAsync(body, { params: { [zc.BROTLI_PARAM_QUALITY]: 4, [zc.BROTLI_PARAM_SIZE_HINT]: body.length } });
}

function decode(body: Buffer, coding: 'gzip' | 'br', limit: number): Promise<Buffer> {
  return coding === 'gzip' ? gunzipAsync(body, { maxOutputLength: limit }) : unbrotliAsync(body, { maxOutputLength: limit });
}

/**
 * How the entry's `coding` variant can be made from one it has, if it can, and the fill budget the
 * work holds while it runs: what its output may grow to. Compressing outputs about its input's size
 * at most; a decoded body may be up to 1000× its input (a gzip bomb), so decoding
 * holds the most it may output — cache.maxObjectBytes, or the whole budget if smaller — and is cut
 * off there (then the entry is undecodable: its identity form could never be cached or held).
 */
function derivation(s: EngineState, e: StoredEntry, coding: Coding): { input: Variant; holds: number; make(): Promise<Buffer> } | undefined {
  const enc = e.originEncoding;
  if (coding === 'identity') {
    if ((enc !== 'gzip' && enc !== 'br') || e.undecodable === true) return undefined;
    const input = e.variants[enc];
    const holds = Math.max(1, Math.min(s.store.maxObjectBytes, s.fillBudget.limitBytes));
    return input && { input, holds, make: () => decode(input.body, enc, holds) };
  }
  const input = e.variants.identity;
  if (!e.compressible || input === undefined) return undefined;
  return { input, holds: input.body.length, make: () => compress(input.body, coding) };
}

const inflight = new WeakMap<StoredEntry, Map<Coding, Promise<Variant | undefined>>>();

/**
 * The entry's `coding` variant, made once if needed. Resolves undefined (serve what the entry has)
 * when it cannot be made (not compressible, does not decode) or the worker's fill budget cannot hold
 * the work while it runs. A variant added to a stored entry grows its accounted size.
 */
export function ensureVariant(s: EngineState, e: StoredEntry, coding: Coding): Promise<Variant | undefined> {
  const have = e.variants[coding];
  if (have) return Promise.resolve(have);
  const how = derivation(s, e, coding);
  if (how === undefined) return Promise.resolve(undefined);
  let byCoding = inflight.get(e);
  const running = byCoding?.get(coding);
  if (running) return running;
  // Not now (the budget is held by other work): this viewer gets what the entry has, as the origin sent it.
  const held = how.holds;
  if (!s.fillBudget.reserve(held)) return Promise.resolve(undefined);
  const common = withoutFields(how.input.headers, ['content-length', 'content-encoding', 'etag']);
  // A transformed representation gets a weak validator (docs/cloudfront-caching.md#compression, RFC 9110 §8.8.1).
  const served = { etag: e.etag === undefined ? undefined : weakenEtag(e.etag), contentEncoding: undefined };
  const p = how
    .make()
    .then((out) => {
      const v = buildVariant(s, e.status, common, out, coding, served);
      e.variants[coding] = v;
      e.size += variantSize(v);
      s.store.resize(e);
      return v;
    })
    .catch(() => {
      if (coding === 'identity') e.undecodable = true;
      return undefined;
    })
    .finally(() => {
      s.fillBudget.release(held);
      byCoding?.delete(coding);
    });
  if (!byCoding) {
    byCoding = new Map();
    inflight.set(e, byCoding);
  }
  byCoding.set(coding, p);
  return p;
}

export function withoutFields(headers: readonly string[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) if (!names.includes(headers[i]!)) out.push(headers[i]!, headers[i + 1]!);
  return out;
}
