// A bucketfront function (docs/functions.md): for each ObjectCreated record, reads the image from
// the origin, writes WebP thumbnails 128 and 512 px wide to $THUMBNAIL_BUCKET as
// thumbs/<width>/<key>.webp with the original's user metadata, and skips what is not an image.
// The event is S3's (https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html): one record, the
// key URL-encoded with + for spaces.
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import sharp from 'sharp';

/** Widths in pixels ($THUMBNAIL_WIDTHS, comma-separated). */
const WIDTHS = (process.env.THUMBNAIL_WIDTHS ?? '128,512').split(',').map((w) => Number(w.trim()));
/** Where the thumbnails go; the source bucket itself when unset (then thumbs/ must not trigger the function). */
const TARGET = process.env.THUMBNAIL_BUCKET;
const PREFIX = process.env.THUMBNAIL_PREFIX ?? 'thumbs/';
/** Images larger than this are skipped (bytes; sharp also refuses more than 268 megapixels). */
const MAX_BYTES = Number(process.env.THUMBNAIL_MAX_BYTES ?? 50 * 1024 * 1024);
/** Pixels an image may have (a small file can decode to gigabytes: a decompression bomb); sharp's own default is 268 million. */
const MAX_PIXELS = Number(process.env.THUMBNAIL_MAX_PIXELS ?? 50_000_000);
/** What sharp reads; anything else is skipped. */
const IMAGE_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'avif', 'tiff', 'heif']);

export const decodeKey = (key) => decodeURIComponent(key.replace(/\+/g, ' '));
export const thumbnailKey = (width, key) => `${PREFIX}${width}/${key}.webp`;

export async function handler(event, context) {
  const results = [];
  for (const record of event.Records ?? []) {
    if (!record.eventName?.startsWith('ObjectCreated:')) continue;
    const bucket = record.s3.bucket.name;
    const key = decodeKey(record.s3.object.key);
    const target = TARGET ?? bucket;
    // Our own output must never feed the function again (an endless loop on a shared bucket).
    if (target === bucket && key.startsWith(PREFIX)) continue;
    if ((record.s3.object.size ?? 0) > MAX_BYTES) {
      context.log(`skip ${key}: ${record.s3.object.size} bytes is more than ${MAX_BYTES}`);
      continue;
    }
    const original = await context.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = Buffer.from(await original.Body.transformToByteArray());
    let image;
    try {
      image = sharp(body, { failOn: 'error', limitInputPixels: MAX_PIXELS });
      const { format, width = 0, height = 0 } = await image.metadata();
      if (!IMAGE_FORMATS.has(format)) throw new Error(`format ${format}`);
      if (width * height > MAX_PIXELS) throw new Error(`${width}×${height} is more than ${MAX_PIXELS} pixels`);
    } catch (err) {
      context.log(`skip ${key}: not an image (${err.message})`);
      results.push({ key, skipped: true });
      continue;
    }
    const written = [];
    for (const width of WIDTHS) {
      // rotate() applies the EXIF orientation; a small image is not enlarged.
      const webp = await image.clone().rotate().resize({ width, withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();
      const thumbKey = thumbnailKey(width, key);
      await context.s3.send(
        new PutObjectCommand({
          Bucket: target,
          Key: thumbKey,
          Body: webp,
          ContentType: 'image/webp',
          CacheControl: 'public, max-age=31536000, immutable',
          Metadata: original.Metadata ?? {},
        }),
      );
      written.push(thumbKey);
    }
    context.log(`thumbnails of ${bucket}/${key}: ${written.join(', ')}`);
    results.push({ key, thumbnails: written });
  }
  return results;
}
