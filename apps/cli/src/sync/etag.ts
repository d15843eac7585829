/**
 * ETags and how to reproduce them locally.
 * - Single-part uploads: ETag = hex MD5 of the body.
 * - Multipart uploads: ETag = hex MD5 of the concatenated binary part MD5s,
 *   then `-<number of parts>` (https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html).
 *   Reproducing it needs the part size the uploader used; the count in the ETag
 *   narrows it down to the common client defaults.
 */
import { createHash } from 'node:crypto';

const MiB = 1024 * 1024;

/** Our uploader's settings, same as aws-cli's defaults (multipart_threshold / multipart_chunksize = 8 MB). */
export const MULTIPART_THRESHOLD = 8 * MiB;
export const PART_SIZE = 8 * MiB;
const MAX_PARTS = 10_000;

/** Part size our uploader uses for a body of `size` bytes (grows so a body fits in 10,000 parts). */
export function partSizeFor(size: number): number {
  let part = PART_SIZE;
  while (Math.ceil(size / part) > MAX_PARTS) part *= 2;
  return part;
}

export function isMultipartUpload(size: number): boolean {
  return size >= MULTIPART_THRESHOLD;
}

/** Part sizes in common use: ours/aws-cli/boto3 (8), lib-storage/rclone (5), mc (16), s3cmd (15)… */
const CANDIDATE_PART_SIZES = [8, 5, 16, 15, 10, 32, 64, 100, 128, 256, 512].map((m) => m * MiB);

export type EtagCheck = { kind: 'md5' } | { kind: 'multipart'; partSizes: number[] } | { kind: 'unknown' };

export function normalizeEtag(etag: string | undefined): string {
  return (etag ?? '').replace(/^W\//, '').replace(/"/g, '').toLowerCase();
}

/** How a local body of `size` bytes can be compared with `remoteEtag`. */
export function etagCheckFor(remoteEtag: string, size: number): EtagCheck {
  const etag = normalizeEtag(remoteEtag);
  if (/^[0-9a-f]{32}$/.test(etag)) return { kind: 'md5' };
  const m = /^[0-9a-f]{32}-(\d+)$/.exec(etag);
  if (!m) return { kind: 'unknown' };
  const parts = Number(m[1]);
  if (parts < 1) return { kind: 'unknown' };
  const sizes = [partSizeFor(size), ...CANDIDATE_PART_SIZES].filter((p, i, all) => all.indexOf(p) === i && Math.max(1, Math.ceil(size / p)) === parts);
  return sizes.length ? { kind: 'multipart', partSizes: sizes } : { kind: 'unknown' };
}

/** Local hashes of one file: the plain MD5 and multipart ETags per part size. */
export interface LocalHashes {
  md5?: string;
  multipart?: Record<string, string>;
}

/** Does the local content (as hashed) equal the remote ETag? `undefined` = cannot tell. */
export function contentMatches(remoteEtag: string, size: number, hashes: LocalHashes): boolean | undefined {
  const check = etagCheckFor(remoteEtag, size);
  const etag = normalizeEtag(remoteEtag);
  if (check.kind === 'md5') return hashes.md5 === undefined ? undefined : hashes.md5 === etag;
  if (check.kind === 'multipart') {
    let known = false;
    for (const p of check.partSizes) {
      const local = hashes.multipart?.[String(p)];
      if (local === undefined) continue;
      known = true;
      if (local === etag) return true;
    }
    return known ? false : undefined;
  }
  return undefined;
}

/** Incremental hasher producing the MD5 and the multipart ETag for each requested part size at once. */
export class MultiEtagHasher {
  private readonly full = createHash('md5');
  private readonly parts: { size: number; filled: number; current: ReturnType<typeof createHash>; digests: Buffer[] }[];

  constructor(
    partSizes: readonly number[],
    private readonly wantMd5 = true,
  ) {
    this.parts = partSizes.map((size) => ({ size, filled: 0, current: createHash('md5'), digests: [] }));
  }

  update(chunk: Buffer): void {
    if (this.wantMd5) this.full.update(chunk);
    for (const p of this.parts) {
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(p.size - p.filled, chunk.length - offset);
        p.current.update(chunk.subarray(offset, offset + take));
        p.filled += take;
        offset += take;
        if (p.filled === p.size) {
          p.digests.push(p.current.digest());
          p.current = createHash('md5');
          p.filled = 0;
        }
      }
    }
  }

  digest(): LocalHashes {
    const out: LocalHashes = {};
    if (this.wantMd5) out.md5 = this.full.digest('hex');
    if (this.parts.length) {
      out.multipart = {};
      for (const p of this.parts) {
        const digests = p.filled > 0 || p.digests.length === 0 ? [...p.digests, p.current.digest()] : p.digests;
        out.multipart[String(p.size)] = `${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${digests.length}`;
      }
    }
    return out;
  }
}
