/**
 * The upload demo's presign endpoint against a real origin: the form it signs uploads an image
 * with a real multipart POST (undici FormData), keys are sanitised, only images are signed, and
 * the origin refuses the form when its Content-Type is not an image (the policy's condition).
 */
import { CreateBucketCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { startTestOrigin, type TestOrigin } from '@bucketfront/origin/testing';
import { FormData, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PresignEndpoint } from '../src/dev/presign-endpoint.js';
import { startUploadPresigner, UPLOADS_BUCKET } from '../src/dev/uploads-demo.js';

let origin: TestOrigin;
let presigner: PresignEndpoint;

beforeAll(async () => {
  origin = await startTestOrigin();
  await origin.s3.send(new CreateBucketCommand({ Bucket: UPLOADS_BUCKET }));
  presigner = await startUploadPresigner({ host: '127.0.0.1', originUrl: origin.url, region: 'us-east-1', credentials: origin.credentials });
});
afterAll(async () => {
  await presigner?.close();
  await origin?.stop();
});

interface Signed {
  url: string;
  key: string;
  fields: Record<string, string>;
  thumbnails: Record<string, string>;
}

async function presign(filename: string, contentType: string) {
  const res = await request(`${presigner.url}/api/presign?${new URLSearchParams({ filename, contentType })}`);
  return { status: res.statusCode, body: (await res.body.json()) as Signed };
}

async function postForm(fields: Record<string, string>, file: Buffer) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([new Uint8Array(file)]), 'upload.bin');
  const res = await request(`${origin.url}/${UPLOADS_BUCKET}`, { method: 'POST', body: form });
  return { status: res.statusCode, text: await res.body.text() };
}

describe('presign endpoint', () => {
  it('signs a form for one sanitised key that the origin accepts', async () => {
    const { status, body } = await presign('../../My Photo (1).png', 'image/png');
    expect(status).toBe(200);
    expect(body.url).toBe(`/${UPLOADS_BUCKET}`);
    expect(body.key).toMatch(/^incoming\/[0-9a-f-]{36}\/My_Photo__1_\.png$/);
    expect(body.thumbnails).toEqual({ '128': `/thumbs/128/${body.key}.webp`, '512': `/thumbs/512/${body.key}.webp` });
    const posted = await postForm(body.fields, Buffer.from('not really a png'));
    expect(posted.status).toBe(204);
    const head = await origin.s3.send(new HeadObjectCommand({ Bucket: UPLOADS_BUCKET, Key: body.key }));
    expect(head.ContentType).toBe('image/png');
  });

  it('signs images only, and the origin refuses the form once its Content-Type is changed', async () => {
    expect((await presign('a.html', 'text/html')).status).toBe(400);
    const { body } = await presign('a.png', 'image/png');
    const posted = await postForm({ ...body.fields, 'Content-Type': 'text/html' }, Buffer.from('<script>alert(1)</script>'));
    expect(posted.status).toBe(403);
    expect(posted.text).toContain('<Code>AccessDenied</Code>');
  });
});
