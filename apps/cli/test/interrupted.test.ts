/**
 * The origin dies (SIGKILL) while a sync of a few hundred files is running: the CLI
 * must exit non-zero and name every key it did not upload.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join, relative } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { makeS3Client, makeTempDir, makeTestCredentials, sourceNodeArgs, type TempDir } from '@bucketfront/test-support';
import { REPO_ROOT, cliEnv, keysFromLines, spawnCli, writeTree } from './helpers.js';

let tmp: TempDir;
let originProc: ChildProcess | undefined;

function startOriginChild(dataDir: string, credentials: { accessKeyId: string; secretAccessKey: string }): Promise<{ url: string; proc: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, sourceNodeArgs(join(REPO_ROOT, 'apps/cli/test/fixtures/origin-child.ts')), {
      env: { ...process.env, BF_DATA_DIR: dataDir, AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error('origin child did not start')), 30_000);
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve({ url: (JSON.parse(line) as { url: string }).url, proc });
      }
    });
    proc.on('exit', (code) => reject(new Error(`origin child exited with ${code}`)));
  });
}

beforeAll(async () => {
  tmp = await makeTempDir('bucketfront-cli-kill-');
});

afterAll(async () => {
  originProc?.kill('SIGKILL');
  await tmp?.cleanup();
});

describe('origin killed mid-sync', () => {
  it('exits non-zero and names every key that was not uploaded', async () => {
    const credentials = makeTestCredentials();
    const { url, proc } = await startOriginChild(join(tmp.path, 'data'), credentials);
    originProc = proc;
    const s3 = makeS3Client(url, credentials);
    await s3.send(new CreateBucketCommand({ Bucket: 'victim' }));
    s3.destroy();

    const files: Record<string, string> = {};
    for (let i = 0; i < 400; i++) files[`f${String(i).padStart(3, '0')}.txt`] = `file ${i} `.repeat(200);
    const site = join(tmp.path, 'site');
    await writeTree(site, files);

    const child = spawnCli(['sync', site, 's3://victim', '--endpoint-url', url, '--concurrency', '2'], cliEnv({ credentials, cacheDir: join(tmp.path, 'cache') }));
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      // Kill the origin once a few uploads went through.
      if (!killed && keysFromLines(stdout, 'upload').length >= 5) {
        killed = true;
        proc.kill('SIGKILL');
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });

    expect(killed).toBe(true);
    expect(code).toBe(1);
    const uploaded = keysFromLines(stdout, 'upload');
    const failedLine = /error: (\d+) operation\(s\) failed: (.*)/.exec(stderr);
    expect(failedLine).not.toBeNull();
    const failed = failedLine![2]!.split(', ').sort();
    expect(Number(failedLine![1])).toBe(failed.length);
    expect(failed.length).toBeGreaterThan(0);
    // Every key is either reported uploaded or named as failed, never both.
    expect([...uploaded, ...failed].sort()).toEqual(Object.keys(files).sort());
    // aws-cli names local files relative to the working directory (the CLI runs in REPO_ROOT).
    for (const key of failed.slice(0, 3)) expect(stderr).toContain(`upload failed: ${relative(REPO_ROOT, join(site, key))} to s3://victim/${key}`);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
