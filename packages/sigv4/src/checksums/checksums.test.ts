import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checksumBase64, compositeChecksum, crc32, crc32c, crc64nvme, createChecksum, fullObjectChecksum, isValidChecksumValue } from './index.js';

const CHECK = Buffer.from('123456789');

describe('CRC check values ("123456789")', () => {
  it('CRC32 = cbf43926', () => expect(crc32(CHECK).toString(16)).toBe('cbf43926'));
  it('CRC32C = e3069283', () => expect(crc32c(CHECK).toString(16)).toBe('e3069283'));
  it('CRC64NVME = ae8b14860a799888', () => expect(crc64nvme(CHECK).toString('hex')).toBe('ae8b14860a799888'));
  it('empty input', () => {
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    expect(crc64nvme(Buffer.alloc(0)).toString('hex')).toBe('0000000000000000');
  });
  // Values S3 documents / the AWS SDKs produce for well-known inputs.
  it('x-amz-checksum values of "Hello world" match the AWS SDK encodings', () => {
    const hello = Buffer.from('Hello world');
    expect(checksumBase64('CRC32', hello)).toBe(Buffer.from('8bd69e52', 'hex').toString('base64'));
    expect(checksumBase64('SHA256', hello)).toBe(createHash('sha256').update(hello).digest('base64'));
    expect(checksumBase64('SHA1', hello)).toBe(createHash('sha1').update(hello).digest('base64'));
  });
});

describe('incremental checksums equal one-shot ones for any split', () => {
  for (const alg of ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const) {
    it(alg, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(300), { maxLength: 6 }), (data, cuts) => {
          const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
          const c = createChecksum(alg);
          let prev = 0;
          for (const p of [...points, data.length]) {
            c.update(data.subarray(prev, p));
            prev = p;
          }
          expect(c.digestBase64()).toBe(checksumBase64(alg, data));
        }),
        { numRuns: 200 },
      );
    });
  }

  it('slicing-by-8 CRC32C equals the bytewise definition', () => {
    const bytewise = (data: Uint8Array): number => {
      let crc = 0xffffffff;
      for (const b of data) {
        crc ^= b;
        for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
      }
      return ~crc >>> 0;
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (d) => {
        expect(crc32c(d)).toBe(bytewise(d));
      }),
      { numRuns: 200 },
    );
  });

  it('slicing-by-8 CRC64NVME equals the bytewise BigInt definition', () => {
    const poly = 0x9a6c9329ac4bc9b5n;
    const mask = (1n << 64n) - 1n;
    const bytewise = (data: Uint8Array): string => {
      let crc = mask;
      for (const b of data) {
        crc ^= BigInt(b);
        for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ poly : crc >> 1n;
      }
      return (~crc & mask).toString(16).padStart(16, '0');
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (d) => {
        expect(crc64nvme(d).toString('hex')).toBe(bytewise(d));
      }),
      {
        numRuns: 200,
      },
    );
  });
});

describe('composite multipart checksum', () => {
  it('is the checksum of the concatenated raw part digests, suffixed -N', () => {
    const p1 = Buffer.alloc(100, 1);
    const p2 = Buffer.alloc(50, 2);
    const parts = [checksumBase64('CRC32', p1), checksumBase64('CRC32', p2)];
    const raw = Buffer.concat(parts.map((p) => Buffer.from(p, 'base64')));
    expect(compositeChecksum('CRC32', parts)).toBe(`${checksumBase64('CRC32', raw)}-2`);
    expect(compositeChecksum('SHA256', [checksumBase64('SHA256', p1)])).toMatch(/^[A-Za-z0-9+/]{43}=-1$/);
  });
});

describe('checksum header value validation', () => {
  it.each([
    ['CRC32', 'AAAAAA==', true],
    ['CRC32', 'AAAAAAA=', false],
    ['CRC64NVME', 'AAAAAAAAAAA=', true],
    ['SHA256', 'not base64!', false],
    ['SHA1', Buffer.alloc(20).toString('base64'), true],
  ] as const)('%s %s → %s', (alg, v, ok) => expect(isValidChecksumValue(alg, v)).toBe(ok));
});

describe('FULL_OBJECT multipart checksum (CRC combination)', () => {
  for (const alg of ['CRC32', 'CRC32C', 'CRC64NVME'] as const) {
    it(`${alg}: combining part CRCs equals the CRC of the whole object`, () => {
      fc.assert(
        fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 5 }), (parts) => {
          const whole = Buffer.concat(parts);
          const combined = fullObjectChecksum(
            alg,
            parts.map((p) => ({ checksumBase64: checksumBase64(alg, p), length: p.length })),
          );
          expect(combined).toBe(checksumBase64(alg, whole));
        }),
        { numRuns: 100 },
      );
    });
  }

  it('large part lengths (5 GiB) combine without touching data', () => {
    // crc(A‖zeros(n)) computed two ways: combine, and combine of smaller zero blocks.
    const z = Buffer.alloc(1 << 16);
    const zc = checksumBase64('CRC64NVME', z);
    const a = checksumBase64('CRC64NVME', Buffer.from('abc'));
    const parts = [{ checksumBase64: a, length: 3 }, ...Array.from({ length: 4 }, () => ({ checksumBase64: zc, length: z.length }))];
    expect(fullObjectChecksum('CRC64NVME', parts)).toBe(checksumBase64('CRC64NVME', Buffer.concat([Buffer.from('abc'), z, z, z, z])));
    expect(
      fullObjectChecksum('CRC32', [
        { checksumBase64: checksumBase64('CRC32', Buffer.from('x')), length: 1 },
        { checksumBase64: 'AAAAAA==', length: 5 * 2 ** 30 },
      ]),
    ).toMatch(/^[A-Za-z0-9+/]{6}==$/);
  });
});
