/**
 * The rules of an append (S3 Express One Zone: PutObject with `x-amz-write-offset-bytes`),
 * shared by every driver: which offsets are valid, how many parts an object may have, and
 * what the appended version's ETag and metadata are. docs/append.md explains the choices.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/directory-buckets-objects-append.html
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { toBuffer } from './body-prefix.js';
import { S3_LIMITS, StoreError, type ObjectInfo, type ObjectMetadata } from './types.js';
import { freezeMetadata, quoteEtag } from './validate.js';

/** The number of parts of `info`: a multipart or appended object has one per part, any other one. */
export function partCountOf(info: ObjectInfo): number {
  return info.metadata.partSizes?.length ?? 1;
}

/**
 * InvalidWriteOffset unless `offset` is the current size (0 for a missing key: "If no object
 * exists, setting this header to 0 will create a new object", API_PutObject.html); TooManyParts
 * when the object already has the maximum number of parts (each append is one part).
 */
export function checkWriteOffset(current: ObjectInfo | null | undefined, offset: number): void {
  const size = current?.size ?? 0;
  if (offset !== size || (current == null && offset !== 0)) {
    throw new StoreError('InvalidWriteOffset', 'The write offset value that you specified does not match the current object size.');
  }
  // Deviation from S3: an object encrypted at rest cannot be appended to (docs/append.md). Checked
  // by the driver under its commit, so a concurrent encrypted overwrite is never appended to.
  if (current?.metadata.sealed !== undefined) {
    throw new StoreError('InvalidRequest', 'Appending to an object encrypted at rest is not supported.');
  }
  if (current != null && partCountOf(current) >= S3_LIMITS.maxParts) {
    throw new StoreError('TooManyParts', 'You have attempted to add more parts than the maximum of 10000 that are allowed for this object.');
  }
}

/**
 * The ETag of `current` with one more part whose MD5 is `partMd5`: MD5 of (the previous ETag's
 * digest, the part's MD5), then `-N` with N the new part count. Multipart-shaped, so no client
 * takes it for the MD5 of the bytes. Deviation from S3: S3 Express ETags are opaque; ours is a
 * deterministic chain, so the same appends give the same ETag on every driver.
 */
export function appendedEtag(current: ObjectInfo, partMd5: Buffer): string {
  const digest = current.etag.replace(/^"|"$/g, '').replace(/-\d+$/, '');
  const h = createHash('md5').update(Buffer.from(digest, 'hex')).update(partMd5);
  return quoteEtag(`${h.digest('hex')}-${partCountOf(current) + 1}`);
}

/**
 * The metadata of `current` with one more part of `partSize` bytes: its own metadata (an
 * append does not change it), the part list extended, and no checksum (the stored one was of
 * the old bytes). Deviation from S3: S3 Express combines CRC checksums into a full-object one;
 * we drop it (docs/append.md).
 */
export function appendedMetadata(current: ObjectInfo, partSize: number): ObjectMetadata {
  const { checksum: _dropped, partChecksums: _partChecksums, ...rest } = current.metadata;
  return freezeMetadata({ ...rest, partSizes: [...(current.metadata.partSizes ?? [current.size]), partSize] });
}

/** EntityTooLarge when the appended object would exceed `maxObjectBytes`. */
export function checkAppendedSize(current: ObjectInfo | null | undefined, partSize: number, maxObjectBytes: number): void {
  if ((current?.size ?? 0) + partSize > maxObjectBytes) {
    throw new StoreError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', { MaxSizeAllowed: String(maxObjectBytes) });
  }
}

/**
 * `body`, failing with BadDigest at its end when its MD5 is not `contentMd5`: for a driver that
 * sends the appended bytes on inside a larger body, so the backend never stores that body.
 */
export function md5CheckedBody(body: Readable, contentMd5: string): Readable {
  async function* checked(): AsyncGenerator<Buffer> {
    const h = createHash('md5');
    for await (const chunk of body) {
      const b = toBuffer(chunk);
      h.update(b);
      yield b;
    }
    const got = h.digest('base64');
    if (got !== contentMd5) {
      throw new StoreError('BadDigest', 'The Content-MD5 you specified did not match what we received.', { ExpectedDigest: contentMd5, CalculatedDigest: got });
    }
  }
  return Readable.from(checked(), { objectMode: false });
}
