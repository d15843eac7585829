import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { HashingFileWriter } from './hashing-writer.js';
import { StoreError } from './types.js';

const dir = await mkdtemp(join(tmpdir(), 'hashing-writer-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Chunks of uneven sizes (1 B … 1 MiB) that add up to `total`. */
function chunksOf(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = Math.min(data.length - at, [1, 700, 65_536, 1_048_576, 13][i % 5]!);
    out.push(data.subarray(at, at + n));
    at += n;
  }
  return out;
}

const tooLarge = (): StoreError => new StoreError('EntityTooLarge', 'too large');

describe('HashingFileWriter', () => {
  it('writes every byte in order and hashes them, past the in-flight window and the early flush', async () => {
    const data = randomBytes(40 * 1024 * 1024);
    const path = join(dir, 'big.bin');
    const writer = new HashingFileWriter(path, Infinity, tooLarge);
    await pipeline(Readable.from(chunksOf(data)), writer);
    expect(writer.bytes).toBe(data.length);
    expect(writer.md5.digest('hex')).toBe(createHash('md5').update(data).digest('hex'));
    expect((await readFile(path)).equals(data)).toBe(true);
  });

  it('writes an empty body as an empty file', async () => {
    const path = join(dir, 'empty.bin');
    const writer = new HashingFileWriter(path, 10, tooLarge);
    await pipeline(Readable.from([]), writer);
    expect(writer.bytes).toBe(0);
    expect((await readFile(path)).length).toBe(0);
  });

  it('fails with the caller’s error as soon as more than maxBytes arrive', async () => {
    const writer = new HashingFileWriter(join(dir, 'over.bin'), 1000, tooLarge);
    await expect(pipeline(Readable.from(chunksOf(randomBytes(5000))), writer)).rejects.toMatchObject({ code: 'EntityTooLarge' });
  });

  describe('a failing write (ENOSPC, EIO) fails the stream instead of hanging', () => {
    afterEach(() => vi.restoreAllMocks());

    /** The real file handle, except that every writev rejects with ENOSPC. */
    function failWrites(): void {
      const open = fsp.open.bind(fsp);
      vi.spyOn(fsp, 'open').mockImplementation(async (...args: Parameters<typeof fsp.open>) => {
        const fh = await open(...args);
        fh.writev = () => Promise.reject(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
        return fh;
      });
    }

    it('when the body ends after the failed write (end() finds the error)', async () => {
      failWrites();
      const writer = new HashingFileWriter(join(dir, 'enospc-late.bin'), Infinity, tooLarge);
      async function* slowBody(): AsyncGenerator<Buffer> {
        yield Buffer.from('accepted at once, written later');
        await new Promise((r) => setTimeout(r, 100)); // the writev has failed by now
      }
      await expect(pipeline(Readable.from(slowBody()), writer)).rejects.toMatchObject({ code: 'ENOSPC' });
    });

    it('when more of the body arrives after the failed write', async () => {
      failWrites();
      const writer = new HashingFileWriter(join(dir, 'enospc-more.bin'), Infinity, tooLarge);
      async function* body(): AsyncGenerator<Buffer> {
        yield Buffer.alloc(1000, 1);
        await new Promise((r) => setTimeout(r, 50));
        yield Buffer.alloc(1000, 2);
      }
      await expect(pipeline(Readable.from(body()), writer)).rejects.toMatchObject({ code: 'ENOSPC' });
    });
  });

  it('fails when the file cannot be created (never writes elsewhere)', async () => {
    const writer = new HashingFileWriter(join(dir, 'missing-dir', 'x.bin'), Infinity, tooLarge);
    await expect(pipeline(Readable.from([Buffer.from('abc')]), writer)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
