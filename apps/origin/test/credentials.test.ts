import { stat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { startOrigin, resolveCredentials, type AccessLogEntry } from '@bucketfront/origin';
import { createFsStore } from '@bucketfront/object-store';
import { makeS3Client, makeTempDir } from '@bucketfront/test-support';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';

describe('credentials', () => {
  it('are generated once into dataDir (0600), reused on the next start, and work', async () => {
    const tmp = await makeTempDir('bucketfront-creds-');
    try {
      const fsStore = await createFsStore({ dataDir: tmp.path });
      const first = await resolveCredentials(fsStore, undefined, {});
      expect(first.generated).toBe(true);
      expect(first.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
      expect(first.secretAccessKey.length).toBe(40);
      const file = join(tmp.path, 'system', 'credentials.json');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ accessKeyId: first.accessKeyId, secretAccessKey: first.secretAccessKey });
      const second = await resolveCredentials(fsStore, undefined, {});
      expect(second).toEqual({ ...first, generated: false });
      // Env wins over the file, options over env.
      expect(await resolveCredentials(fsStore, undefined, { BUCKETFRONT_ACCESS_KEY_ID: 'E', BUCKETFRONT_SECRET_ACCESS_KEY: 'S' })).toEqual({
        accessKeyId: 'E',
        secretAccessKey: 'S',
        generated: false,
      });
      expect(await resolveCredentials(fsStore, { accessKeyId: 'O', secretAccessKey: 'P' }, { BUCKETFRONT_ACCESS_KEY_ID: 'E', BUCKETFRONT_SECRET_ACCESS_KEY: 'S' })).toEqual({
        accessKeyId: 'O',
        secretAccessKey: 'P',
        generated: false,
      });

      await fsStore.close();

      const saved = { BUCKETFRONT_ACCESS_KEY_ID: process.env.BUCKETFRONT_ACCESS_KEY_ID, BUCKETFRONT_SECRET_ACCESS_KEY: process.env.BUCKETFRONT_SECRET_ACCESS_KEY };
      delete process.env.BUCKETFRONT_ACCESS_KEY_ID;
      delete process.env.BUCKETFRONT_SECRET_ACCESS_KEY;
      const entries: AccessLogEntry[] = [];
      const origin = await startOrigin({ dataDir: tmp.path, port: 0, accessLog: (e) => entries.push(e) });
      Object.assign(process.env, Object.fromEntries(Object.entries(saved).filter(([, v]) => v !== undefined)));
      try {
        expect(origin.credentials).toEqual({ ...first, generated: false });
        const s3 = makeS3Client(origin.url, origin.credentials);
        await s3.send(new ListBucketsCommand({}));
        s3.destroy();
        const anon = await request(`${origin.url}/`);
        expect(anon.statusCode).toBe(403);
        await anon.body.text();
        expect(entries.map((e) => [e.operation, e.status])).toEqual([
          ['ListBuckets', 200],
          ['ListBuckets', 403],
        ]);
        const e = entries[0]!;
        expect(e).toMatchObject({ method: 'GET', path: '/', remote: '127.0.0.1' });
        expect(e.requestId).toMatch(/^[0-9A-F]{16}$/);
        expect(typeof e.durationMs).toBe('number');
        expect(e.bytesOut).toBeGreaterThan(0);
        expect(e.userAgent).toContain('aws-sdk-js');
      } finally {
        await origin.close();
      }
    } finally {
      await tmp.cleanup();
    }
  });
});
