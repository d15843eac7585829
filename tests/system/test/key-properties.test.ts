/**
 * Property tests over the wire: any valid S3 key survives PUT → GET →
 * ListObjectsV2 (with and without encoding-type=url, as the SDK and the CLI
 * send it), and paginated listings return every key exactly once, in UTF-8
 * binary order. https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
 */
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from '@bucketfront/origin/testing';

let origin: TestOrigin;
beforeAll(async () => {
  origin = await startTestOrigin();
});
afterAll(async () => {
  await origin?.stop();
});

/** Keys of 1–1024 UTF-8 bytes, without characters XML 1.0 cannot carry. */
const keyArb = fc
  .string({
    unit: fc.oneof(
      fc.constantFrom('a', '/', ' ', '.', '..', '%', '+', '&', '?', '#', '~', 'é', 'ß', '日', '\u{1F600}', 'ﬀ', '\uFFFD', '=', '\\'),
      fc.integer({ min: 0x20, max: 0x2ffff }).map((cp) => String.fromCodePoint(cp)),
    ),
    minLength: 1,
    maxLength: 60,
  })
  .filter(
    (k) =>
      Buffer.byteLength(k) <= 1024 && !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/u.test(k) && !/[\uD800-\uDFFF]/.test(k.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, '')) && k.trim() === k,
  );

const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe('S3 keys over HTTP', () => {
  it('any valid key round-trips through PutObject, GetObject and ListObjectsV2', async () => {
    let bucketNo = 0;
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(keyArb, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 5 }), async (keys, pageSize) => {
        const Bucket = `prop-${bucketNo++}`;
        await origin.s3.send(new CreateBucketCommand({ Bucket }));
        for (const Key of keys) await origin.s3.send(new PutObjectCommand({ Bucket, Key, Body: `body:${Key}` }));
        for (const Key of keys) {
          const res = await origin.s3.send(new GetObjectCommand({ Bucket, Key }));
          expect(await res.Body!.transformToString()).toBe(`body:${Key}`);
        }
        for (const EncodingType of [undefined, 'url' as const]) {
          const seen: string[] = [];
          let ContinuationToken: string | undefined;
          do {
            const page = await origin.s3.send(new ListObjectsV2Command({ Bucket, MaxKeys: pageSize, ContinuationToken, EncodingType }));
            expect((page.Contents ?? []).length).toBeLessThanOrEqual(pageSize);
            for (const o of page.Contents ?? []) seen.push(EncodingType ? decodeURIComponent(o.Key!.replace(/\+/g, ' ')) : o.Key!);
            ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
          } while (ContinuationToken);
          expect(seen).toEqual([...keys].sort(utf8Order));
        }
      }),
      { numRuns: 25 },
    );
  });
});
