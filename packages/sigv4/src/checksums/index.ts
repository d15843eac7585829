/**
 * The checksums S3 accepts in x-amz-checksum-*: incremental, base64 of the
 * big-endian digest. https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
import { createHash, type Hash } from 'node:crypto';
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

class CrcChecksum implements Checksum {
  private value = 0;
  constructor(
    readonly algorithm: 'CRC32' | 'CRC32C',
    private readonly fn: (data: Uint8Array, previous: number) => number,
  ) {}
  update(data: Uint8Array): this {
    this.value = this.fn(data, this.value);
    return this;
  }
  digest(): Buffer {
    return uint32be(this.value);
  }
  digestBase64(): string {
    return this.digest().toString('base64');
  }
}

class Crc64Checksum implements Checksum {
  readonly algorithm = 'CRC64NVME' as const;
  private readonly state = crc64nvmeInit();
  update(data: Uint8Array): this {
    crc64nvmeUpdate(this.state, data);
    return this;
  }
  digest(): Buffer {
    return crc64nvmeDigest(this.state);
  }
  digestBase64(): string {
    return this.digest().toString('base64');
  }
}

class HashChecksum implements Checksum {
  private readonly hash: Hash;
  constructor(readonly algorithm: 'SHA1' | 'SHA256') {
    this.hash = createHash(algorithm === 'SHA1' ? 'sha1' : 'sha256');
  }
  update(data: Uint8Array): this {
    this.hash.update(data);
    return this;
  }
  digest(): Buffer {
    return this.hash.digest();
  }
  digestBase64(): string {
    return this.digest().toString('base64');
  }
}

export function createChecksum(algorithm: ChecksumAlgorithm): Checksum {
  switch (algorithm) {
    case 'CRC32':
      return new CrcChecksum('CRC32', crc32);
    case 'CRC32C':
      return new CrcChecksum('CRC32C', crc32c);
    case 'CRC64NVME':
      return new Crc64Checksum();
    case 'SHA1':
    case 'SHA256':
      return new HashChecksum(algorithm);
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
