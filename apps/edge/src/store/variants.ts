/**
 * Encoding variants of a stored entry. The identity (or origin-encoded) variant is built at fill;
 * gzip and br are produced lazily, the first time a viewer accepting that coding is served the
 * entry, once per entry and coding (concurrent viewers share the compression in flight and all
 * wait for it). Nothing is compressed for a coding no viewer asked for, and an uncached response
 * is compressed only in the coding its own viewer asked for. CloudFront's rules still decide what
 * may be compressed (cache-policy isCompressibleResponse) and compressed output gets a weak ETag:
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html
 */
import { promisify } from 'node:util';
import { brotliCompress, constants as zc, gzip } from 'node:zlib';
import { weakenEtag } from '@bucketfront/cache-policy';
import type { EngineState } from '../context.js';
import type { Coding, StoredEntry, Variant } from './entry.js';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** A variant with its pre-built header arrays. `common`: filtered origin headers (+ Vary). */
export function buildVariant(
  s: Pick<EngineState, 'config' | 'via'>, status: number, common: readonly string[], body: Buffer, coding: Coding,
  origin: { etag: string | undefined; encoding: string | undefined },
): Variant {
  const headers = [...common];
  if (status !== 204 && status !== 304) headers.push('content-length', String(body.length));
  if (coding !== 'identity') headers.push('content-encoding', coding);
  else if (origin.encoding !== undefined) headers.push('content-encoding', origin.encoding);
  const etag = origin.etag === undefined ? undefined : coding === 'identity' || origin.encoding !== undefined ? origin.etag : weakenEtag(origin.etag);
  if (etag !== undefined) headers.push('etag', etag);
  const hitHeaders = [...headers, 'x-cache', `${status >= 400 ? 'Error' : 'Hit'} from ${s.config.productWord}`, 'via', s.via, 'x-amz-cf-pop', s.config.pop];
  const v: Variant = { body, headers, hitHeaders };
  if (etag !== undefined) v.etag = etag;
  return v;
}

/** Accounted bytes of one variant in the cache (body + header arrays, roughly). */
export const variantSize = (v: Variant): number => v.body.length + 64;

function compress(body: Buffer, coding: 'gzip' | 'br'): Promise<Buffer> {
  if (coding === 'gzip') return gzipAsync(body, { level: 6 });
  return brotliAsync(body, { params: { [zc.BROTLI_PARAM_QUALITY]: 4, [zc.BROTLI_PARAM_SIZE_HINT]: body.length } });
}

const inflight = new WeakMap<StoredEntry, Map<Coding, Promise<Variant | undefined>>>();

/**
 * The entry's `coding` variant, compressing the identity body once if needed. Resolves undefined
 * (serve identity) when the entry may not be compressed or the worker's fill budget cannot hold
 * the output while it is produced. A variant added to a stored entry grows its accounted size.
 */
export function ensureVariant(s: EngineState, e: StoredEntry, coding: 'gzip' | 'br'): Promise<Variant | undefined> {
  const have = e.variants[coding];
  if (have) return Promise.resolve(have);
  const identity = e.variants.identity;
  if (!e.compressible || identity === undefined) return Promise.resolve(undefined);
  let byCoding = inflight.get(e);
  const running = byCoding?.get(coding);
  if (running) return running;
  if (!s.fillBudget.reserve(identity.body.length)) return Promise.resolve(undefined);
  const common = withoutFields(identity.headers, ['content-length', 'etag']);
  const p = compress(identity.body, coding)
    .then((out) => {
      const v = buildVariant(s, e.status, common, out, coding, { etag: e.etag, encoding: undefined });
      e.variants[coding] = v;
      e.size += variantSize(v);
      s.store.resize(e);
      return v;
    })
    .catch(() => undefined)
    .finally(() => {
      s.fillBudget.release(identity.body.length);
      byCoding?.delete(coding);
    });
  if (!byCoding) { byCoding = new Map(); inflight.set(e, byCoding); }
  byCoding.set(coding, p);
  return p;
}

export function withoutFields(headers: readonly string[], names: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) if (!names.includes(headers[i]!)) out.push(headers[i]!, headers[i + 1]!);
  return out;
}
