import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { MultiEtagHasher, contentMatches, etagCheckFor, partSizeFor } from './etag.js';

const MiB = 1024 * 1024;
const md5 = (b: Buffer) => createHash('md5').update(b).digest();

/** The multipart ETag by its definition, for checking the incremental hasher. */
function referenceEtag(body: Buffer, partSize: number): string {
  const parts: Buffer[] = [];
  for (let o = 0; o < body.length; o += partSize) parts.push(md5(body.subarray(o, o + partSize)));
  return `${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-${parts.length}`;
}

describe('etagCheckFor', () => {
  it.each([
    ['"0123456789abcdef0123456789abcdef"', 10, { kind: 'md5' }],
    ['0123456789ABCDEF0123456789ABCDEF', 10, { kind: 'md5' }],
    ['0123456789abcdef0123456789abcdef-2', 10 * MiB, { kind: 'multipart', partSizes: [8 * MiB, 5 * MiB] }],
    ['0123456789abcdef0123456789abcdef-1', 6 * MiB, { kind: 'multipart', partSizes: [8 * MiB, 16 * MiB, 15 * MiB, 10 * MiB, 32 * MiB, 64 * MiB, 100 * MiB, 128 * MiB, 256 * MiB, 512 * MiB] }],
    ['0123456789abcdef0123456789abcdef-999', 10 * MiB, { kind: 'unknown' }],
    ['abc', 10, { kind: 'unknown' }],
    ['', 10, { kind: 'unknown' }],
  ])('%s (%d bytes)', (etag, size, expected) => {
    expect(etagCheckFor(etag, size)).toEqual(expected);
  });

  it('our part size grows to stay within 10,000 parts', () => {
    expect(partSizeFor(10 * MiB)).toBe(8 * MiB);
    expect(partSizeFor(100_000 * MiB)).toBe(16 * MiB);
  });
});

describe('MultiEtagHasher', () => {
  it.each([0, 1, 5 * MiB, 8 * MiB, 8 * MiB + 1, 17 * MiB + 3])('matches the definition for %d bytes in odd chunks', (size) => {
    const body = randomBytes(size);
    const h = new MultiEtagHasher([8 * MiB, 5 * MiB]);
    for (let o = 0; o < body.length; o += 777_777) h.update(body.subarray(o, o + 777_777));
    const out = h.digest();
    expect(out.md5).toBe(md5(body).toString('hex'));
    if (size > 0) {
      expect(out.multipart?.[String(8 * MiB)]).toBe(referenceEtag(body, 8 * MiB));
      expect(out.multipart?.[String(5 * MiB)]).toBe(referenceEtag(body, 5 * MiB));
    }
  });

  it('contentMatches finds a multipart ETag made with another client part size', () => {
    const body = randomBytes(11 * MiB);
    const remote = referenceEtag(body, 5 * MiB); // 3 parts: only 5 MiB fits
    const h = new MultiEtagHasher((etagCheckFor(remote, body.length) as { partSizes: number[] }).partSizes, false);
    h.update(body);
    expect(contentMatches(remote, body.length, h.digest())).toBe(true);
    body[0] = (body[0] ?? 0) ^ 1;
    const h2 = new MultiEtagHasher([5 * MiB], false);
    h2.update(body);
    expect(contentMatches(remote, body.length, h2.digest())).toBe(false);
  });
});
