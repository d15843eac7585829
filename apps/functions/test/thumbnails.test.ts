/**
 * examples/thumbnails on a real origin: a JPEG made with sharp, posted as an S3 event to the
 * runtime's webhook trigger, becomes two WebP objects 128 and 512 px wide with the original's
 * user metadata; a file that is not an image is skipped without a failure.
 */
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { startTestOrigin, type TestOrigin } from '@bucketfront/origin/testing';
import sharp from 'sharp';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningFunctions, startFunctions } from '../src/index.js';
import { s3Event } from './fixtures/s3-event.js';

const thumbnailsHandler = fileURLToPath(new URL('../../../examples/thumbnails/thumbnails.mjs', import.meta.url));

describe('examples/thumbnails', () => {
  let origin: TestOrigin;
  let fns: RunningFunctions;

  beforeAll(async () => {
    origin = await startTestOrigin();
    for (const Bucket of ['uploads', 'thumbnails']) await origin.s3.send(new CreateBucketCommand({ Bucket }));
    fns = await startFunctions({
      config: {
        origin: { endpoint: origin.url, accessKeyId: origin.credentials.accessKeyId, secretAccessKey: origin.credentials.secretAccessKey },
        listen: { port: 0 },
        functions: [{ name: 'thumbnails', handler: thumbnailsHandler, trigger: { type: 'webhook' }, timeout: 60, retries: 0, environment: { THUMBNAIL_BUCKET: 'thumbnails' } }],
      },
      log: () => undefined,
    });
  });
  afterAll(async () => {
    await fns?.close();
    await origin?.stop();
  });

  async function upload(key: string, body: Buffer, contentType: string) {
    const put = await origin.s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: body, ContentType: contentType, Metadata: { author: 'ada' } }));
    const res = await request(fns.webhookUrlOf('thumbnails'), { method: 'POST', body: JSON.stringify(s3Event('uploads', key, { size: body.length, eTag: put.ETag!.replaceAll('"', '') })) });
    return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
  }

  it('writes 128 and 512 px wide WebP thumbnails with the original’s metadata', async () => {
    const jpeg = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: { r: 200, g: 80, b: 20 } } })
      .composite([{ input: Buffer.from('<svg width="800" height="600"><circle cx="400" cy="300" r="250" fill="navy"/></svg>'), top: 300, left: 400 }])
      .jpeg({ quality: 85 })
      .toBuffer();
    const res = await upload('holiday photos/beach 1.jpg', jpeg, 'image/jpeg');
    expect(res).toMatchObject({ status: 200, json: { status: 'success' } });
    for (const width of [128, 512]) {
      const thumb = await origin.s3.send(new GetObjectCommand({ Bucket: 'thumbnails', Key: `thumbs/${width}/holiday photos/beach 1.jpg.webp` }));
      expect(thumb.ContentType).toBe('image/webp');
      expect(thumb.Metadata).toEqual({ author: 'ada' });
      const meta = await sharp(Buffer.from(await thumb.Body!.transformToByteArray())).metadata();
      expect(meta.format).toBe('webp');
      expect(meta.width).toBe(width);
      expect(meta.height).toBe((width * 3) / 4);
    }
  });

  it('skips an image with more pixels than THUMBNAIL_MAX_PIXELS (a decompression bomb) without decoding it', async () => {
    // 12000×12000 of one colour: a tiny PNG that would decode to 432 MB.
    const bomb = await sharp({ create: { width: 12_000, height: 12_000, channels: 3, background: '#000' }, limitInputPixels: false })
      .png()
      .toBuffer();
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const res = await upload('bomb.png', bomb, 'image/png');
    expect(res).toMatchObject({ status: 200, json: { status: 'success' } });
    const listed = await origin.s3.send(new ListObjectsV2Command({ Bucket: 'thumbnails', Prefix: 'thumbs/128/bomb' }));
    expect(listed.KeyCount).toBe(0);
  });

  it('skips a file that is not an image (no thumbnail, no failure)', async () => {
    const res = await upload('notes/readme.jpg', Buffer.from('this is text, not a JPEG'), 'image/jpeg');
    expect(res).toMatchObject({ status: 200, json: { status: 'success' } });
    const listed = await origin.s3.send(new ListObjectsV2Command({ Bucket: 'thumbnails', Prefix: 'thumbs/128/notes/' }));
    expect(listed.KeyCount).toBe(0);
  });
});
