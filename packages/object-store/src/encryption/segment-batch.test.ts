/**
 * The segment opener: the native one (native/open-segments.c) must give node:crypto's bytes and
 * refuse what node:crypto refuses, whatever the stored bytes' split into chunks; OpenStream and
 * openBuffer must return the plaintext for whole reads and ranges.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SEGMENT_BYTES, layoutUnits } from './format.js';
import { NATIVE_GCM_PATH, gcmImplementation, nativeGcm } from './native-gcm.js';
import { type Piece, SealBroken } from './open-segment.js';
import { OpenStream, openBuffer } from './open-stream.js';
import { planRead, planWhole } from './read-plan.js';
import { SealStream } from './seal-stream.js';
import { type Batch, BatchPlanner, openBatch, openWithNodeCrypto } from './segment-batch.js';

if (nativeGcm === null) {
  console.warn(`\n*** segment-batch.test: ${gcmImplementation()} (${NATIVE_GCM_PATH}); the native cases SKIP. Build it with npm run build (needs a C compiler: apt-get install -y gcc). ***\n`);
}

async function seal(plain: Buffer, key: Buffer, ivBase: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  const s = new SealStream(key, ivBase);
  s.on('data', (d: Buffer) => out.push(d));
  const ended = new Promise((resolve) => s.on('end', resolve));
  s.end(plain);
  await ended;
  return Buffer.concat(out);
}

/** `bytes` cut at random points into pieces of 1 byte to 200 KiB (copies, like reads). */
function randomSplit(bytes: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const n = Math.min(bytes.length - at, 1 + Math.floor(Math.random() ** 3 * 200 * 1024));
    chunks.push(Buffer.from(bytes.subarray(at, at + n)));
    at += n;
  }
  return chunks;
}

async function readOpened(key: Buffer, pieces: readonly Piece[], chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of Readable.from(chunks, { objectMode: false }).pipe(new OpenStream(key, pieces))) out.push(c as Buffer);
  return Buffer.concat(out);
}

const SIZES = [0, 1, SEGMENT_BYTES - 1, SEGMENT_BYTES, SEGMENT_BYTES + 1, 5 * SEGMENT_BYTES + 7, 1024 * 1024 + 5];

describe('opening sealed segments', () => {
  it('the native opener is built when CI runs the tests', () => {
    if (process.env.CI !== 'true') return;
    expect(nativeGcm, gcmImplementation()).not.toBeNull();
  });

  it.runIf(nativeGcm !== null)('native and node:crypto give the same plaintext, for every way the stored bytes are split', async () => {
    const key = randomBytes(32);
    for (const size of SIZES) {
      const plain = randomBytes(size);
      const sealed = await seal(plain, key, randomBytes(12));
      const planner = new BatchPlanner(planWhole(layoutUnits([sealed.length])!));
      for (const c of randomSplit(sealed)) planner.add(c);
      const batch = planner.take()!;
      expect(planner.complete).toBe(true);
      const reference: Batch = { ...batch, output: Buffer.alloc(batch.output.length) };
      openWithNodeCrypto(key, reference);
      expect(nativeGcm!.openSegments(key, batch.ivs, batch.inputs, batch.layout, batch.output), `size ${size}`).toBe(-1);
      expect(batch.output.equals(reference.output), `size ${size}`).toBe(true);
      expect(batch.output.subarray(0, size).equals(plain), `size ${size}`).toBe(true);
    }
  });

  it.runIf(nativeGcm !== null)('a small batch opened at once waits for the larger one before it on the thread pool: the plaintext stays in order', async () => {
    const key = randomBytes(32);
    const plain = randomBytes(12 * SEGMENT_BYTES + 3);
    const sealed = await seal(plain, key, randomBytes(12));
    const pieces = planWhole(layoutUnits([sealed.length])!);
    const sealedSegment = SEGMENT_BYTES + 16;
    // Chunk 1 completes 8 segments (512 KiB: the thread pool); chunk 2 completes one more (opened
    // at once, while chunk 1 is still open); chunk 3 brings the rest (the pool again).
    const cuts = [16 + 8 * sealedSegment + 100, 16 + 9 * sealedSegment + 5, sealed.length];
    const chunksOf = (bytes: Buffer) => cuts.map((to, i) => Buffer.from(bytes.subarray(i === 0 ? 0 : cuts[i - 1]!, to)));
    for (let round = 0; round < 5; round++) {
      expect((await readOpened(key, pieces, chunksOf(sealed))).equals(plain), `round ${round}`).toBe(true);
    }
    // What a reader gets when one of the two fails: every byte before the failed batch, then one error.
    const readUntilError = async (bytes: Buffer) => {
      const got: Buffer[] = [];
      let errors = 0;
      const open = Readable.from(chunksOf(bytes), { objectMode: false }).pipe(new OpenStream(key, pieces));
      open.on('data', (c: Buffer) => got.push(c));
      await new Promise<void>((resolve) => {
        open.on('error', (err) => {
          expect(err).toBeInstanceOf(SealBroken);
          errors++;
          setImmediate(resolve);
        });
        open.on('end', resolve);
      });
      return { bytes: Buffer.concat(got), errors };
    };
    // The small batch (segment 8) fails while the large one before it is still open.
    const laterBroken = Buffer.from(sealed);
    laterBroken[16 + 8 * sealedSegment + 10]! ^= 1;
    const later = await readUntilError(laterBroken);
    expect(later.errors).toBe(1);
    expect(later.bytes.equals(plain.subarray(0, 8 * SEGMENT_BYTES))).toBe(true);
    // The large batch (segment 3) fails after the small one behind it was opened: nothing is passed on.
    const earlierBroken = Buffer.from(sealed);
    earlierBroken[16 + 3 * sealedSegment + 10]! ^= 1;
    const earlier = await readUntilError(earlierBroken);
    expect(earlier.errors).toBe(1);
    expect(earlier.bytes.length).toBe(0);
  });

  it('streams and buffers open to the plaintext, whole and in ranges, on the thread pool and off it', async () => {
    const key = randomBytes(32);
    for (const size of SIZES) {
      const plain = randomBytes(size);
      const ivBase = randomBytes(12);
      const sealed = await seal(plain, key, ivBase);
      const units = layoutUnits([sealed.length])!;
      expect((await readOpened(key, planWhole(units), randomSplit(sealed))).equals(plain), `whole ${size}`).toBe(true);
      expect((await openBuffer(key, planWhole(units), sealed)).equals(plain), `buffer ${size}`).toBe(true);
      for (let i = 0; i < 8 && size > 0; i++) {
        const start = Math.floor(Math.random() * size);
        const end = start + Math.floor(Math.random() * (size - start));
        // The IV base is known (a single PUT keeps it in its envelope): no separate header read.
        const plan = planRead(units, start, end, ivBase);
        expect(plan.headerAt).toBeUndefined();
        const stored = sealed.subarray(plan.fetch!.start, plan.fetch!.end + 1);
        const want = plain.subarray(start, end + 1);
        expect((await readOpened(key, plan.pieces, randomSplit(stored))).equals(want), `range ${start}-${end} of ${size}`).toBe(true);
        expect((await openBuffer(key, plan.pieces, stored)).equals(want), `buffer range ${start}-${end} of ${size}`).toBe(true);
      }
    }
  });

  it('a flipped bit anywhere (body, tag, a segment split between reads) fails authentication and passes no byte of that batch', async () => {
    const key = randomBytes(32);
    const plain = randomBytes(3 * SEGMENT_BYTES + 100);
    const sealed = await seal(plain, key, randomBytes(12));
    const units = layoutUnits([sealed.length])!;
    const segmentStart = 16 + SEGMENT_BYTES + 16; // segment 1
    for (const at of [16, segmentStart + 5, segmentStart + SEGMENT_BYTES + 3 /* its tag */, sealed.length - 1]) {
      const broken = Buffer.from(sealed);
      broken[at]! ^= 0x10;
      // Cut inside the damaged segment, so the native opener reads it from two inputs.
      const chunks = [broken.subarray(0, at - 1), broken.subarray(at - 1)];
      await expect(readOpened(key, planWhole(units), chunks), `bit at ${at}`).rejects.toBeInstanceOf(SealBroken);
      await expect(openBuffer(key, planWhole(units), broken), `bit at ${at}`).rejects.toBeInstanceOf(SealBroken);
    }
    await expect(openBuffer(randomBytes(32), planWhole(units), sealed)).rejects.toThrow(/failed authentication/);
    // A stored object one byte short is refused, not opened short.
    await expect(openBuffer(key, planWhole(units), sealed.subarray(0, sealed.length - 1))).rejects.toThrow(/shorter or longer/);
  });

  it('a large batch on the thread pool and a failing one both call back once, with the right outcome', async () => {
    const key = randomBytes(32);
    const plain = randomBytes(16 * SEGMENT_BYTES);
    const sealed = await seal(plain, key, randomBytes(12));
    const pieces = planWhole(layoutUnits([sealed.length])!);
    const run = (bytes: Buffer) =>
      new Promise<{ err: Error | null; output: Buffer; calls: number }>((resolve) => {
        const planner = new BatchPlanner(pieces);
        planner.add(bytes);
        const batch = planner.take()!;
        let calls = 0;
        openBatch(key, batch, (err) => {
          calls++;
          setImmediate(() => resolve({ err, output: batch.output, calls }));
        });
      });
    const good = await run(sealed);
    expect(good.err).toBeNull();
    expect(good.calls).toBe(1);
    expect(good.output.equals(plain)).toBe(true);
    const broken = Buffer.from(sealed);
    broken[broken.length - 20]! ^= 1;
    const bad = await run(broken);
    expect(bad.err).toBeInstanceOf(SealBroken);
    expect(bad.err!.message).toMatch(/segment 15 failed/);
    if (nativeGcm === null) return;
    // A thread-pool job that cannot be queued (here: a layout past its output) calls back with the
    // error instead of throwing out of openBatch.
    const planner = new BatchPlanner(pieces);
    planner.add(sealed);
    const unqueued = { ...planner.take()!, output: Buffer.allocUnsafeSlow(512 * 1024) };
    const outcome = await new Promise<{ err: Error | null; calls: number }>((resolve, reject) => {
      let calls = 0;
      try {
        openBatch(key, unqueued, (err) => {
          calls++;
          setImmediate(() => resolve({ err, calls }));
        });
      } catch (err) {
        reject(err);
      }
    });
    expect(outcome.calls).toBe(1);
    expect(outcome.err).toBeInstanceOf(RangeError);
  });

  it.runIf(nativeGcm !== null)('the native opener refuses a layout outside its buffers instead of reading or writing past them', () => {
    const key = randomBytes(32);
    const ivs = randomBytes(12);
    const input = Buffer.alloc(100);
    const out = Buffer.alloc(100);
    const call = (layout: number[], k = key, o = out) => nativeGcm!.openSegments(k, ivs, [input], Uint32Array.from(layout), o);
    expect(() => call([0, 200, 0, 1, 0, 0])).toThrow(RangeError); // past the input
    expect(() => call([0, 100, 0, 1, 50, 0])).toThrow(RangeError); // past the output
    expect(() => call([0, 8, 0, 1, 0, 0])).toThrow(RangeError); // shorter than a tag
    expect(() => call([0, 50, 0, 1, 0, 1])).toThrow(RangeError); // no such IV slot
    expect(() => call([50, 50, 0, 0, 0, 0, 0, 50, 1, 1, 0, 0])).toThrow(RangeError); // out of order
    expect(() => call([0, 50, 0, 1, 0, 0], Buffer.alloc(16))).toThrow(RangeError); // a 128-bit key
    expect(() => call([0, 50, 0, 1, 0])).toThrow(TypeError); // not whole segments
    expect(call([0, 50, 0, 1, 0, 0])).toBe(0); // in bounds: opened, and refused (random bytes)
  });

  it.runIf(nativeGcm !== null)('a thread-pool job works on what it was given: changing the layout, key or inputs after the call changes nothing', async () => {
    const key = randomBytes(32);
    const plain = randomBytes(16 * SEGMENT_BYTES);
    const sealed = await seal(plain, key, randomBytes(12));
    const planner = new BatchPlanner(planWhole(layoutUnits([sealed.length])!));
    for (const c of randomSplit(sealed)) planner.add(c);
    const batch = planner.take()!;
    const inputs = [...batch.inputs];
    const result = new Promise<number>((resolve, reject) =>
      nativeGcm!.openSegments(key, batch.ivs, inputs, batch.layout, batch.output, (err, failedAt) => (err !== null ? reject(err) : resolve(failedAt))),
    );
    batch.layout.fill(0xfffffff0);
    key.fill(0);
    batch.ivs.fill(0);
    inputs.length = 0;
    expect(await result).toBe(-1);
    expect(batch.output.equals(plain)).toBe(true);
  });
});
