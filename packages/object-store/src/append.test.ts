import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appendedEtag, appendedMetadata, checkWriteOffset } from './append.js';
import { S3_LIMITS, isStoreError, type ObjectInfo } from './types.js';

const md5 = (s: string): Buffer => createHash('md5').update(s).digest();
const info = (size: number, etag: string, metadata: ObjectInfo['metadata'] = { userMetadata: {} }): ObjectInfo => ({ key: 'k', size, etag, lastModified: new Date(0), metadata });

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return isStoreError(err) ? err.code : 'not a StoreError';
  }
}

describe('checkWriteOffset', () => {
  const plain = info(3, `"${md5('abc').toString('hex')}"`);
  it.each([
    ['missing key, offset 0', null, 0, undefined],
    ['missing key, offset 1', null, 1, 'InvalidWriteOffset'],
    ['offset = size', plain, 3, undefined],
    ['offset < size', plain, 2, 'InvalidWriteOffset'],
    ['offset > size', plain, 4, 'InvalidWriteOffset'],
    ['offset 0 on an existing object', plain, 0, 'InvalidWriteOffset'],
    ['an encrypted object', info(3, '"x"', { userMetadata: {}, sealed: 'env' }), 3, 'InvalidRequest'],
    ['9,999 parts', info(9_999, '"x-9999"', { userMetadata: {}, partSizes: Array(9_999).fill(1) }), 9_999, undefined],
    ['10,000 parts', info(10_000, '"x-10000"', { userMetadata: {}, partSizes: Array(S3_LIMITS.maxParts).fill(1) }), 10_000, 'TooManyParts'],
  ] as const)('%s', (_name, current, offset, expected) => {
    expect(codeOf(() => checkWriteOffset(current, offset))).toBe(expected);
  });
});

describe('appendedEtag and appendedMetadata', () => {
  it('chains the previous digest with the part MD5 and counts parts', () => {
    const first = info(3, `"${md5('abc').toString('hex')}"`);
    const second = appendedEtag(first, md5('def'));
    const chain = createHash('md5').update(md5('abc')).update(md5('def')).digest('hex');
    expect(second).toBe(`"${chain}-2"`);
    const third = appendedEtag(info(6, second, { userMetadata: {}, partSizes: [3, 3] }), md5('g'));
    expect(third).toBe(`"${createHash('md5').update(Buffer.from(chain, 'hex')).update(md5('g')).digest('hex')}-3"`);
  });

  it('keeps the metadata, extends the parts and drops the checksum', () => {
    const md = appendedMetadata(info(3, '"x"', { contentType: 'text/plain', userMetadata: { a: '1' }, checksum: { algorithm: 'CRC32', value: 'AAAAAA==' } }), 5);
    expect(md).toEqual({ contentType: 'text/plain', userMetadata: { a: '1' }, partSizes: [3, 5] });
  });
});
