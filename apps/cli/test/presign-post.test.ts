/**
 * `bucketfront presign --post`: the printed {url, fields} is a working browser form upload against
 * the real origin; the policy it signs refuses what it should (Content-Type outside the prefix, a
 * file over --max-size). `createPresignedPost` is the same code, exported for other callers.
 */
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { TestOrigin } from '@bucketfront/origin/testing';
import type { TempDir } from '@bucketfront/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPresignedPost } from '../src/index.js';
import { runCli, startCliTestbed } from './helpers.js';

let origin: TestOrigin;
let tmp: TempDir;
let env: NodeJS.ProcessEnv;
const bucket = 'browser-uploads';

beforeAll(async () => {
  ({ origin, tmp, env } = await startCliTestbed('bucketfront-cli-presign-post-'));
  await origin.s3.send(new CreateBucketCommand({ Bucket: bucket }));
});
afterAll(async () => {
  await origin?.stop();
  await tmp?.cleanup();
});

interface Printed {
  url: string;
  fields: Record<string, string>;
}

/** POSTs the presigned fields, then Content-Type (when given), then the file, with undici's FormData. */
async function upload(p: Printed, file: { name: string; bytes: Buffer | string }, contentType?: string): Promise<{ status: number; body: string }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(p.fields)) form.append(name, value);
  if (contentType !== undefined) form.append('Content-Type', contentType);
  form.append('file', new Blob([typeof file.bytes === 'string' ? file.bytes : new Uint8Array(file.bytes)]), file.name);
  const res = await fetch(p.url, { method: 'POST', body: form });
  return { status: res.status, body: await res.text() };
}

const keys = async (): Promise<string[]> => ((await origin.s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!).sort();

describe('bucketfront presign --post', () => {
  let printed: Printed;
  beforeAll(async () => {
    const r = await runCli(['presign', '--post', `s3://${bucket}/uploads/`, '--expires', '300', '--max-size', '10KB', '--content-type-prefix', 'image/', '--endpoint-url', origin.url], env);
    expect(r.code, r.stderr).toBe(0);
    printed = JSON.parse(r.stdout) as Printed;
  });

  it('prints the form URL and the SigV4 fields, the key being uploads/ plus the file name variable', () => {
    expect(printed.url).toBe(`${origin.url}/${bucket}`);
    expect(Object.keys(printed.fields)).toEqual(['key', 'x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'policy', 'x-amz-signature']);
    expect(printed.fields['key']).toBe('uploads/$' + '{filename}');
    const policy = JSON.parse(Buffer.from(printed.fields['policy']!, 'base64').toString()) as { expiration: string; conditions: unknown[] };
    expect(policy.conditions).toEqual(expect.arrayContaining([{ bucket }, ['starts-with', '$key', 'uploads/'], ['content-length-range', 0, 10 * 1024], ['starts-with', '$Content-Type', 'image/']]));
    const validFor = Date.parse(policy.expiration) - Date.now();
    expect(validFor).toBeGreaterThan(0);
    expect(validFor).toBeLessThanOrEqual(300_000);
  });

  it('a real form POST with an image/ Content-Type stores uploads/<file name>', async () => {
    const r = await upload(printed, { name: 'cat.png', bytes: 'not really a png' }, 'image/png');
    expect(r.status, r.body).toBe(204);
    const got = await origin.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'uploads/cat.png' }));
    expect(got.ContentType).toBe('image/png');
    expect(await got.Body!.transformToString()).toBe('not really a png');
  });

  it('a Content-Type outside the prefix, or none, is refused (403 AccessDenied); a file over --max-size is EntityTooLarge; nothing is stored', async () => {
    const html = await upload(printed, { name: 'evil.html', bytes: '<script>' }, 'text/html');
    expect(html.status).toBe(403);
    expect(html.body.replace(/&quot;/g, '"')).toContain('Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", "image/"]');
    const none = await upload(printed, { name: 'none.png', bytes: 'x' });
    expect(none.status).toBe(403);
    const big = await upload(printed, { name: 'big.png', bytes: Buffer.alloc(10 * 1024 + 1) }, 'image/png');
    expect(big.status).toBe(400);
    expect(big.body).toContain('<Code>EntityTooLarge</Code>');
    expect(await keys()).toEqual(['uploads/cat.png']);
  });

  it('an exact key (no trailing /) signs that key only; bad flags are usage errors (exit 2)', async () => {
    const r = await runCli(['presign', '--post', `s3://${bucket}/avatar.jpg`, '--endpoint-url', origin.url], env);
    expect(r.code, r.stderr).toBe(0);
    const exact = JSON.parse(r.stdout) as Printed;
    expect(exact.fields['key']).toBe('avatar.jpg');
    expect((await upload(exact, { name: 'whatever.jpg', bytes: 'me' })).status).toBe(204);
    expect(await keys()).toContain('avatar.jpg');
    for (const args of [
      ['--max-size', 'ten'],
      ['--expires', '0'],
      ['--expires', '604801'],
    ]) {
      const bad = await runCli(['presign', '--post', `s3://${bucket}/x/`, ...args, '--endpoint-url', origin.url], env);
      expect(bad.code, args.join(' ')).toBe(2);
    }
    for (const args of [
      ['--max-size', '1KB'],
      ['--expires', '60'],
    ]) {
      const noPost = await runCli(['presign', `s3://${bucket}/x`, ...args, '--endpoint-url', origin.url], env);
      expect(noPost.code, args.join(' ')).toBe(2);
      expect(noPost.stderr).toContain('need --post');
    }
  });
});

describe('createPresignedPost (exported for a demo upload endpoint)', () => {
  it('builds a form the origin accepts', async () => {
    const post = createPresignedPost({ endpoint: origin.url, region: 'us-east-1', credentials: origin.credentials, bucket, key: 'direct.txt', expiresSeconds: 60, maxBytes: 100 });
    const r = await upload(post, { name: 'direct.txt', bytes: 'direct' });
    expect(r.status, r.body).toBe(204);
    expect(() => createPresignedPost({ region: 'us-east-1', credentials: origin.credentials, bucket, expiresSeconds: 60 })).toThrow(/exactly one of key and keyPrefix/);
    expect(createPresignedPost({ region: 'eu-west-1', credentials: origin.credentials, bucket, keyPrefix: '', expiresSeconds: 60 }).url).toBe(`https://${bucket}.s3.eu-west-1.amazonaws.com/`);
  });
});
