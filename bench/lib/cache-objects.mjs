// The edge-cache mode's origin tree, generated once into bench/.work/cache-origin (reused while
// its manifest matches): 20,000 objects /z/00000.bin … /z/19999.bin whose sizes are log-uniform
// between 4 and 200 KiB (mulberry32, seed 42: the same sizes on every machine), and the fixed
// /fixed/1k.bin, /fixed/100k.bin, /fixed/5m.bin. Bodies are deterministic per object (a header
// line naming it, then a slice of one seeded 256 KiB random block at an offset of its own) and
// written straight from that block: the generator never holds more than the block.

import { mkdirSync, openSync, writeSync, closeSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { prng } from '../fixtures.mjs';

export const CACHE_OBJECTS = Object.freeze({ version: 1, seed: 42, count: 20000, minBytes: 4 * 1024, maxBytes: 200 * 1024 });
export const FIXED = Object.freeze([
  { id: '1k', path: '/fixed/1k.bin', bytes: 1024 },
  { id: '100k', path: '/fixed/100k.bin', bytes: 102400 },
  { id: '5m', path: '/fixed/5m.bin', bytes: 5 * 1024 * 1024 },
]);

/** Object sizes in bytes, log-uniform in [minBytes, maxBytes], index = object id. */
export function objectSizes({ seed, count, minBytes, maxBytes } = CACHE_OBJECTS) {
  const rnd = prng(seed);
  const lo = Math.log(minBytes),
    hi = Math.log(maxBytes);
  return Array.from({ length: count }, () => Math.round(Math.exp(lo + (hi - lo) * rnd())));
}

export const objectPath = (id) => `/z/${String(id).padStart(5, '0')}.bin`;

const BLOCK = 256 * 1024;
function randomBlock(seed) {
  const rnd = prng(seed ^ 0x5eed);
  const b = Buffer.alloc(BLOCK * 2);
  for (let i = 0; i < BLOCK; i += 4) b.writeUInt32LE(Math.floor(rnd() * 4294967296), i);
  b.copy(b, BLOCK, 0, BLOCK); // doubled: any offset < BLOCK has BLOCK bytes after it
  return b;
}

/** Write `bytes` bytes of the body of object `name` to `file`. */
function writeBody(file, name, bytes, block, offset) {
  const fd = openSync(file, 'w');
  try {
    const head = Buffer.from(`bucketfront bench object ${name} ${bytes} bytes\n`);
    const h = Math.min(head.length, bytes);
    writeSync(fd, head, 0, h);
    let left = bytes - h,
      off = offset % BLOCK;
    while (left > 0) {
      const n = Math.min(left, BLOCK);
      writeSync(fd, block, off, n);
      left -= n;
      off = (off + 7) % BLOCK;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The origin tree under work/cache-origin, generated when missing or made with other parameters.
 * Returns { root, sizes, totalBytes, generatedMs } (sizes: bytes per object id).
 */
export function ensureCacheObjects(work, { log = () => {} } = {}) {
  const root = join(work, 'cache-origin');
  const manifestFile = join(root, 'manifest.json');
  const want = { ...CACHE_OBJECTS, fixed: FIXED.map((f) => f.bytes) };
  const sizes = objectSizes();
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  let have = null;
  try {
    have = JSON.parse(readFileSync(manifestFile, 'utf8'));
  } catch {
    /* none */
  }
  if (have && JSON.stringify(have.params) === JSON.stringify(want) && existsSync(join(root, 'z', '19999.bin'))) return { root, sizes, totalBytes, generatedMs: 0 };
  const t0 = performance.now();
  log(`generating the edge-cache origin tree (${want.count} objects, ${(totalBytes / 2 ** 20).toFixed(0)} MiB) in ${root} …`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'z'), { recursive: true });
  mkdirSync(join(root, 'fixed'), { recursive: true });
  const block = randomBlock(CACHE_OBJECTS.seed);
  sizes.forEach((bytes, id) => {
    writeBody(join(root, objectPath(id)), `z/${id}`, bytes, block, id * 7919);
  });
  for (const f of FIXED) writeBody(join(root, f.path), f.path, f.bytes, block, f.bytes);
  writeFileSync(manifestFile, JSON.stringify({ params: want, totalBytes, at: new Date().toISOString() }, null, 2) + '\n');
  const generatedMs = performance.now() - t0;
  log(`generated in ${(generatedMs / 1000).toFixed(1)} s`);
  return { root, sizes, totalBytes, generatedMs };
}

/** Expected body of a fixed object (for checking an edge's response once). */
export function readFixed(root, f) {
  return readFileSync(join(root, f.path));
}
