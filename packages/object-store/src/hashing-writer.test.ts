import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
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

  it('fails when the file cannot be created (never writes elsewhere)', async () => {
    const writer = new HashingFileWriter(join(dir, 'missing-dir', 'x.bin'), Infinity, tooLarge);
    await expect(pipeline(Readable.from([Buffer.from('abc')]), writer)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
