/**
 * The checksums S3 accepts in x-amz-checksum-*: incremental, base64 of the
 * big-endian digest. https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import { crc32c } from './crc32c.js';
import { crc64nvmeDigest, crc64nvmeInit, crc64nvmeUpdate } from './crc64nvme.js';

export { crc32c } from './crc32c.js';
export { crc64nvme } from './crc64nvme.js';

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';
export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];

/** Digest sizes in bytes (a header value must decode to exactly this many). */
export const CHECKSUM_DIGEST_BYTES: Record<ChecksumAlgorithm, number> = {
  CRC32: 4,
  CRC32C: 4,
  CRC64NVME: 8,
  SHA1: 20,
  SHA256: 32,
};

// zlib.crc32 exists since Node 20.15 / 22.2 (native, fast).
const zlibCrc32 = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** CRC-32 (ISO-HDLC, as zlib): check value for "123456789" is cbf43926. */
export function crc32(data: Uint8Array, previous = 0): number {
  if (!zlibCrc32) throw new Error('zlib.crc32 requires Node >= 20.15');
  return zlibCrc32(data, previous);
}

export interface Checksum {
  readonly algorithm: ChecksumAlgorithm;
  update(data: Uint8Array): this;
  /** the raw big-endian digest; call once */
  digest(): Buffer;
  digestBase64(): string;
}

function uint32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

/** A checksum from its two steps: `absorb` feeds data in, `finish` gives the raw digest. */
class StreamChecksum implements Checksum {
  constructor(
    readonly algorithm: ChecksumAlgorithm,
    private readonly absorb: (data: Uint8Array) => void,
    private readonly finish: () => Buffer,
  ) {}
  update(data: Uint8Array): this {
    this.absorb(data);
    return this;
  }
  digest(): Buffer {
    return this.finish();
  }
  digestBase64(): string {
    return this.digest().toString('base64');
  }
}

function crcChecksum(algorithm: 'CRC32' | 'CRC32C', fn: (data: Uint8Array, previous: number) => number): Checksum {
  let value = 0;
  return new StreamChecksum(
    algorithm,
    (data) => {
      value = fn(data, value);
    },
    () => uint32be(value),
  );
}

export function createChecksum(algorithm: ChecksumAlgorithm): Checksum {
  switch (algorithm) {
    case 'CRC32':
      return crcChecksum('CRC32', crc32);
    case 'CRC32C':
      return crcChecksum('CRC32C', crc32c);
    case 'CRC64NVME': {
      const state = crc64nvmeInit();
      return new StreamChecksum(
        'CRC64NVME',
        (data) => crc64nvmeUpdate(state, data),
        () => crc64nvmeDigest(state),
      );
    }
    case 'SHA1':
    case 'SHA256': {
      const hash = createHash(algorithm === 'SHA1' ? 'sha1' : 'sha256');
      return new StreamChecksum(
        algorithm,
        (data) => hash.update(data),
        () => hash.digest(),
      );
    }
  }
}

export function checksumBase64(algorithm: ChecksumAlgorithm, data: Uint8Array): string {
  return createChecksum(algorithm).update(data).digestBase64();
}

/** 'crc32' / 'x-amz-checksum-crc32' / 'CRC32' → 'CRC32'; undefined when unknown. */
export function parseChecksumAlgorithm(name: string): ChecksumAlgorithm | undefined {
  const upper = name
    .trim()
    .toUpperCase()
    .replace(/^X-AMZ-CHECKSUM-/, '');
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(upper) ? (upper as ChecksumAlgorithm) : undefined;
}

/** True when `value` is canonical base64 of exactly the algorithm's digest size. */
export function isValidChecksumValue(algorithm: ChecksumAlgorithm, value: string): boolean {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return false;
  return Buffer.from(value, 'base64').length === CHECKSUM_DIGEST_BYTES[algorithm];
}

/**
 * Multipart COMPOSITE checksum: the checksum of the concatenated raw part
 * digests, suffixed with `-<part count>`.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html#large-object-checksums
 */
export function compositeChecksum(algorithm: ChecksumAlgorithm, partChecksumsBase64: string[]): string {
  const c = createChecksum(algorithm);
  for (const part of partChecksumsBase64) c.update(Buffer.from(part, 'base64'));
  return `${c.digestBase64()}-${partChecksumsBase64.length}`;
}

export { fullObjectChecksum, isCrcAlgorithm } from './crc-combine.js';
