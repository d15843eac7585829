import { describe, expect, it } from 'vitest';
import { chooseCompletedParts, completedMetadata, listUploadsPage, type PartEntry } from './multipart.js';
import { isStoreError, type MultipartUploadInfo, type PartInfo, type StoreErrorCode } from './types.js';

const part = (partNumber: number, size: number): PartEntry => ({
  info: { partNumber, size, etag: `"etag${partNumber}"`, lastModified: new Date(0) },
  file: `${partNumber}.data`,
  md5: Buffer.alloc(16),
});
const available = new Map([1, 2, 3].map((n) => [n, part(n, n === 3 ? 10 : 100)]));

describe('chooseCompletedParts', () => {
  it.each<[string, { partNumber: number; etag: string }[], StoreErrorCode | number[]]>([
    ['all parts', [1, 2, 3].map((n) => ({ partNumber: n, etag: `"etag${n}"` })), [1, 2, 3]],
    [
      'a subset, unquoted ETags',
      [
        { partNumber: 1, etag: 'etag1' },
        { partNumber: 3, etag: 'etag3' },
      ],
      [1, 3],
    ],
    ['the small part last only', [{ partNumber: 3, etag: '"etag3"' }], [3]],
    ['empty list', [], 'InvalidArgument'],
    ['unknown part', [{ partNumber: 4, etag: '"etag4"' }], 'InvalidPart'],
    ['ETag mismatch', [{ partNumber: 1, etag: '"etag2"' }], 'InvalidPart'],
    [
      'descending',
      [
        { partNumber: 2, etag: '"etag2"' },
        { partNumber: 1, etag: '"etag1"' },
      ],
      'InvalidPartOrder',
    ],
    [
      'repeated: once',
      [
        { partNumber: 1, etag: '"etag1"' },
        { partNumber: 1, etag: '"etag1"' },
      ],
      [1],
    ],
    [
      'repeated: the later entry names the part (a re-sent part, ceph/s3-tests test_multipart_resend_first_finishes_last)',
      [
        { partNumber: 1, etag: '"an earlier send"' },
        { partNumber: 1, etag: '"etag1"' },
        { partNumber: 2, etag: '"etag2"' },
      ],
      [1, 2],
    ],
    [
      'repeated: the later entry is checked',
      [
        { partNumber: 1, etag: '"etag1"' },
        { partNumber: 1, etag: '"an earlier send"' },
      ],
      'InvalidPart',
    ],
    [
      'repeated after a higher number',
      [
        { partNumber: 1, etag: '"etag1"' },
        { partNumber: 2, etag: '"etag2"' },
        { partNumber: 1, etag: '"etag1"' },
      ],
      'InvalidPartOrder',
    ],
    [
      'small part not last',
      [
        { partNumber: 3, etag: '"etag3"' },
        { partNumber: 4, etag: 'x' },
      ],
      'InvalidPart',
    ],
  ])('%s', (_name, refs, expected) => {
    if (Array.isArray(expected)) {
      expect(chooseCompletedParts('u', available, refs, 50).map((p) => p.info.partNumber)).toEqual(expected);
    } else {
      let caught: unknown;
      try {
        chooseCompletedParts('u', available, refs, 50);
      } catch (err) {
        caught = err;
      }
      expect(isStoreError(caught, expected)).toBe(true);
    }
  });

  it('EntityTooSmall names the part', () => {
    const small = new Map([
      [1, part(1, 10)],
      [2, part(2, 10)],
    ]);
    let caught: unknown;
    try {
      chooseCompletedParts(
        'u',
        small,
        [
          { partNumber: 1, etag: 'etag1' },
          { partNumber: 2, etag: 'etag2' },
        ],
        50,
      );
    } catch (err) {
      caught = err;
    }
    expect(isStoreError(caught, 'EntityTooSmall')).toBe(true);
    expect((caught as { detail: Record<string, string> }).detail).toMatchObject({ PartNumber: '1', ProposedSize: '10' });
  });
});

describe('completedMetadata', () => {
  it.each([
    ['no checksum', undefined, undefined, undefined],
    ['announced but empty is dropped', { algorithm: 'CRC32' as const, value: '' }, undefined, undefined],
    ['given at completion wins', { algorithm: 'CRC32' as const, value: '' }, { algorithm: 'CRC32' as const, value: 'x-2' }, 'x-2'],
    ['announced with a value is kept', { algorithm: 'SHA1' as const, value: 'v' }, undefined, 'v'],
  ])('%s', (_name, announced, given, value) => {
    const md = completedMetadata({ userMetadata: { a: '1' }, ...(announced ? { checksum: announced } : {}) }, [part(1, 5).info, part(2, 1).info], given);
    expect(md.partSizes).toEqual([5, 1]);
    expect(md.userMetadata).toEqual({ a: '1' });
    expect(md.checksum?.value).toBe(value);
    expect(md.partChecksums).toBeUndefined();
  });

  const withSum = (n: number, algorithm: 'CRC32' | 'SHA256', value: string): PartInfo => ({ ...part(n, 5).info, checksum: { algorithm, value } });
  it.each([
    ['every part with the object algorithm: kept in part order', [withSum(1, 'SHA256', 'a'), withSum(3, 'SHA256', 'c')], ['a', 'c']],
    ['a part without one: none kept', [withSum(1, 'SHA256', 'a'), part(3, 5).info], undefined],
    ['a part of another algorithm: none kept', [withSum(1, 'SHA256', 'a'), withSum(3, 'CRC32', 'c')], undefined],
  ])('part checksums, %s', (_name, parts, expected) => {
    const md = completedMetadata({ userMetadata: {} }, parts, { algorithm: 'SHA256', value: 'x-2', type: 'COMPOSITE' });
    expect(md.partChecksums).toEqual(expected);
  });
});

describe('listUploadsPage', () => {
  const up = (key: string, id: string, t: number): MultipartUploadInfo => ({ key, uploadId: id, initiated: new Date(t), metadata: { userMetadata: {} } });
  const uploads = [up('b/2', 'i5', 1), up('a', 'i2', 2), up('a', 'i1', 3), up('b/1', 'i4', 1), up('\u{1F600}', 'i6', 1), up('ﬀ', 'i7', 1)];
  it.each([
    [{ maxUploads: 10 }, ['i2', 'i1', 'i4', 'i5', 'i7', 'i6'], [], false],
    [{ maxUploads: 2 }, ['i2', 'i1'], [], true],
    [{ maxUploads: 10, delimiter: '/' }, ['i2', 'i1', 'i7', 'i6'], ['b/'], false],
    [{ maxUploads: 10, prefix: 'b/' }, ['i4', 'i5'], [], false],
    [{ maxUploads: 10, keyMarker: 'a' }, ['i4', 'i5', 'i7', 'i6'], [], false],
    [{ maxUploads: 10, keyMarker: 'a', uploadIdMarker: 'i2' }, ['i1', 'i4', 'i5', 'i7', 'i6'], [], false],
    [{ maxUploads: 10, keyMarker: 'b/', delimiter: '/' }, ['i7', 'i6'], [], false],
    [{ maxUploads: 0 }, [], [], true],
  ])('%j', (opts, ids, prefixes, truncated) => {
    const page = listUploadsPage(uploads, opts);
    expect(page.uploads.map((u) => u.uploadId)).toEqual(ids);
    expect(page.commonPrefixes).toEqual(prefixes);
    expect(page.isTruncated).toBe(truncated);
  });
});
