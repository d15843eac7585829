/**
 * `bucketfront function --config functions.yaml` as a child process: the thumbnail example
 * against a real origin, one invocation line per event on stdout, a clean exit on SIGTERM, and a
 * bad configuration refused with the field it names.
 */
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startTestOrigin, type TestOrigin } from '@bucketfront/origin/testing';
import { makeTempDir, type TempDir } from '@bucketfront/test-support';
import sharp from 'sharp';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, spawnCli } from './helpers.js';

let tmp: TempDir;
let origin: TestOrigin;
const children: ChildProcess[] = [];

beforeAll(async () => {
  tmp = await makeTempDir('bucketfront-cli-function-');
  origin = await startTestOrigin();
  for (const Bucket of ['uploads', 'thumbnails']) await origin.s3.send(new CreateBucketCommand({ Bucket }));
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await origin?.stop();
  await tmp?.cleanup();
});

describe('bucketfront function', () => {
  it('runs the thumbnail example from its configuration, logs one line per invocation and stops on SIGTERM', async () => {
    const config = join(tmp.path, 'functions.yaml');
    await writeFile(
      config,
      [
        'origin:',
        `  endpoint: ${origin.url}`,
        // The configuration's own placeholders: the environment variables the child gets.
        `  accessKeyId: $\{AWS_ACCESS_KEY_ID}`,
        `  secretAccessKey: $\{AWS_SECRET_ACCESS_KEY}`,
        'listen: { port: 0 }',
        'functions:',
        '  - name: thumbnails',
        `    handler: ${join(REPO_ROOT, 'examples/thumbnails/thumbnails.mjs')}`,
        '    trigger: { type: webhook }',
        '    timeout: 60',
        '    environment: { THUMBNAIL_BUCKET: thumbnails }',
        '',
      ].join('\n'),
    );
    const env = { ...process.env, AWS_ACCESS_KEY_ID: origin.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: origin.credentials.secretAccessKey };
    const child = spawnCli(['function', '--config', config], env);
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr!.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        const m = /thumbnails: webhook (http:\/\/127\.0\.0\.1:\d+\/thumbnails)/.exec(stderr);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
    });
    const jpeg = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#3366cc' } })
      .jpeg()
      .toBuffer();
    await origin.s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'cat.jpg', Body: jpeg, ContentType: 'image/jpeg' }));
    const event = { Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'uploads' }, object: { key: 'cat.jpg', size: jpeg.length } } }] };
    const res = await request(url, { method: 'POST', body: JSON.stringify(event) });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    const head = await origin.s3.send(new HeadObjectCommand({ Bucket: 'thumbnails', Key: 'thumbs/512/cat.jpg.webp' }));
    expect(head.ContentType).toBe('image/webp');
    expect(stdout).toMatch(/^thumbnails "cat\.jpg" \d+ ms attempt 1 success$/m);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('refuses a configuration with a bad field (exit 2, the field named)', async () => {
    const config = join(tmp.path, 'bad.yaml');
    await writeFile(config, `origin: { endpoint: ${origin.url}, accessKeyId: A, secretAccessKey: B }\nfunctions:\n  - { name: x, handler: x.mjs, trigger: { type: webhook }, timeout: -1 }\n`);
    const result = await runCli(['function', '--config', config], process.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('functions[0].timeout');
  });
});
