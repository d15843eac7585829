import { describe, expect, it } from 'vitest';
import { encodeS3Key, parseListBucketResult } from './raw-s3.js';

describe('encodeS3Key (RFC 3986, like the SDK)', () => {
  it.each([
    ['a/b.html', 'a/b.html'],
    ['a b/ü.txt', 'a%20b/%C3%BC.txt'],
    ["a+b!c'(d)*e.txt", 'a%2Bb%21c%27%28d%29%2Ae.txt'],
    ['x=y&z,;:@$', 'x%3Dy%26z%2C%3B%3A%40%24'],
    ['~-_.', '~-_.'],
    ['dir//double', 'dir//double'],
  ])('%s → %s', (key, expected) => {
    expect(encodeS3Key(key)).toBe(expected);
  });
});

describe('parseListBucketResult', () => {
  it('reads contents, truncation and the continuation token', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix></Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated>
<Contents><Key>a&amp;b.txt</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>&quot;0123&quot;</ETag><Size>12</Size><StorageClass>STANDARD</StorageClass></Contents>
<Contents><Key>c/d.html</Key><LastModified>2026-01-02T00:00:00.000Z</LastModified><ETag>"4567-2"</ETag><Size>9000000</Size></Contents>
<NextContinuationToken>tok+/=</NextContinuationToken></ListBucketResult>`;
    expect(parseListBucketResult(xml)).toEqual({
      contents: [
        { key: 'a&b.txt', size: 12, etag: '"0123"', lastModified: Date.UTC(2026, 0, 1) },
        { key: 'c/d.html', size: 9000000, etag: '"4567-2"', lastModified: Date.UTC(2026, 0, 2) },
      ],
      isTruncated: true,
      nextContinuationToken: 'tok+/=',
    });
  });

  it('an empty, final page', () => {
    expect(parseListBucketResult('<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>')).toEqual({ contents: [], isTruncated: false });
  });

  it('not a listing → undefined', () => {
    expect(parseListBucketResult('<Error><Code>NoSuchBucket</Code></Error>')).toBeUndefined();
  });
});
