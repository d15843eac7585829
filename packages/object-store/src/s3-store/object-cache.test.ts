/**
 * The object cache's budget for bodies held by requests (object-cache.ts), on its own: every way
 * a kept body's stream can end gives its share back exactly once, including a stream a caller
 * dropped unread (collected: checked in a child process run with --expose-gc).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ObjectCache, sendKept } from './object-cache.js';

const MiB = 1024 * 1024;

describe('object cache: bodies held by requests', () => {
  it('a share is held until the stream ends or is destroyed, once; past the budget there is no room', async () => {
    const cache = new ObjectCache({ maxBytes: 3 * MiB, maxObjectBytes: 2 * MiB });
    const body = Buffer.alloc(MiB, 1);
    const read = sendKept(body, cache.reserve(MiB)!);
    const destroyed = sendKept(body, cache.reserve(MiB)!);
    expect(cache.reserve(2 * MiB)).toBeUndefined(); // 2 + 2 > 3
    expect(cache.reserve(3 * MiB)).toBeUndefined(); // over the per-object limit anyway
    expect(cache.heldBytes).toBe(2 * MiB);
    const pieces: Buffer[] = [];
    for await (const p of read) pieces.push(p as Buffer);
    expect(Buffer.concat(pieces).equals(body)).toBe(true);
    expect(pieces[0]!.buffer === body.buffer).toBe(false); // a copy
    destroyed.destroy();
    destroyed.destroy();
    await new Promise((r) => setImmediate(r));
    expect(cache.heldBytes).toBe(0);
  });

  it('a stream dropped without being read or destroyed gives its share back when collected', async () => {
    const module = fileURLToPath(new URL('../../dist/s3-store/object-cache.js', import.meta.url));
    const script = `
      const { ObjectCache, sendKept } = await import(process.argv[1]);
      const cache = new ObjectCache({ maxBytes: 8 << 20, maxObjectBytes: 4 << 20 });
      (() => { for (let i = 0; i < 4; i++) sendKept(Buffer.alloc(1 << 20), cache.reserve(1 << 20)); })();
      const before = cache.heldBytes;
      for (let i = 0; i < 20 && cache.heldBytes > 0; i++) {
        globalThis.gc();
        await new Promise((r) => setTimeout(r, 10));
      }
      console.log(JSON.stringify({ before, after: cache.heldBytes }));
    `;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--expose-gc', '--input-type=module', '-e', script, module], { timeout: 30_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    expect(JSON.parse(out.trim())).toEqual({ before: 4 * MiB, after: 0 });
  });
});
