/**
 * CRC combination: crc(A‖B) from crc(A), crc(B) and len(B), without the data.
 * S3 uses it for multipart uploads with ChecksumType FULL_OBJECT (always so for
 * CRC64NVME): the object's checksum is the CRC of the whole object.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html#full-object-checksums
 * Algorithm: zlib's crc32_combine (multmodp / x2nmodp), generalised to 64 bits with BigInt;
 * it runs once per part, so BigInt speed does not matter.
 */
import type { ChecksumAlgorithm } from './index.js';

interface CrcSpec {
  width: bigint;
  /** reflected polynomial */
  poly: bigint;
}

const SPECS: Record<'CRC32' | 'CRC32C' | 'CRC64NVME', CrcSpec> = {
  CRC32: { width: 32n, poly: 0xedb88320n },
  CRC32C: { width: 32n, poly: 0x82f63b78n },
  CRC64NVME: { width: 64n, poly: 0x9a6c9329ac4bc9b5n },
};

/** a(x)·b(x) mod p(x) in the reflected representation (a must be non-zero). */
function multmodp(a: bigint, b: bigint, spec: CrcSpec): bigint {
  let m = 1n << (spec.width - 1n);
  let p = 0n;
  while (m !== 0n) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1n)) === 0n) break;
    }
    m >>= 1n;
    b = b & 1n ? (b >> 1n) ^ spec.poly : b >> 1n;
  }
  return p;
}

const x2nTables = new Map<CrcSpec, bigint[]>();

/** x^(2^k) mod p for k = 0…63. */
function x2nTable(spec: CrcSpec): bigint[] {
  let table = x2nTables.get(spec);
  if (!table) {
    table = [1n << (spec.width - 2n)];
    for (let k = 1; k < 64; k++) {
      const prev = table[k - 1] as bigint;
      table.push(multmodp(prev, prev, spec));
    }
    x2nTables.set(spec, table);
  }
  return table;
}

/** x^(n·2^k) mod p. */
function x2nmodp(n: bigint, k: number, spec: CrcSpec): bigint {
  const table = x2nTable(spec);
  let p = 1n << (spec.width - 1n);
  while (n > 0n) {
    if (n & 1n) p = multmodp(table[k] as bigint, p, spec);
    n >>= 1n;
    k++;
  }
  return p;
}

function combine(crc1: bigint, crc2: bigint, length2: number, spec: CrcSpec): bigint {
  return multmodp(x2nmodp(BigInt(length2), 3, spec), crc1, spec) ^ crc2;
}

export function isCrcAlgorithm(algorithm: ChecksumAlgorithm): algorithm is 'CRC32' | 'CRC32C' | 'CRC64NVME' {
  return algorithm === 'CRC32' || algorithm === 'CRC32C' || algorithm === 'CRC64NVME';
}

/**
 * FULL_OBJECT checksum of a multipart upload from its parts' checksums (base64) and
 * byte lengths, in part order. Only CRC algorithms can be combined.
 */
export function fullObjectChecksum(algorithm: 'CRC32' | 'CRC32C' | 'CRC64NVME', parts: Array<{ checksumBase64: string; length: number }>): string {
  const spec = SPECS[algorithm];
  const bytes = Number(spec.width / 8n);
  let crc = 0n;
  for (const part of parts) {
    const value = BigInt('0x' + (Buffer.from(part.checksumBase64, 'base64').toString('hex') || '0'));
    crc = combine(crc, value, part.length, spec);
  }
  return Buffer.from(crc.toString(16).padStart(bytes * 2, '0'), 'hex').toString('base64');
}
