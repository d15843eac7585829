#!/usr/bin/env node
// Deterministic fixture generator (seed 42); the fixtures are listed in bench/README.md#fixtures.
//
//   site/       232 files, ~12.8 MB: index.html 2048 B, 404.html 1024 B,
//               200 assets of 1024 B (assets/small/a000..a199.{css,js,svg,txt}),
//               20 of 102,400 B (assets/medium/m00..m19.jpg), 2 of 5 MiB
//               (assets/large/big{0,1}.bin) and 8 nested …/index.html
//               (deepest: blog/2024/01/hello-world/index.html).
//   bigdeploy/  5,000 files of 1,024..4,096 B in sNN/dN/fNN.html (20×10×25).
//
// Every file gets a fixed mtime (2024-01-01T00:00:00Z) so that an `aws s3 sync`
// no-change run right after an upload does not re-upload files whose mtime is
// within a second of the upload (second-granularity comparison, see bench/README.md#machine-caveats).
//
// Usage: node bench/fixtures.mjs [--out DIR] [--force]
//   (default DIR = bench/.work). Regenerates a tree only when its marker is missing.

import { mkdirSync, writeFileSync, existsSync, rmSync, utimesSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURE_VERSION = 1;
export const FIXED_MTIME = new Date('2024-01-01T00:00:00Z');
const here = dirname(fileURLToPath(import.meta.url));
export const DEFAULT_WORK = join(here, '.work');

/** mulberry32: small, fast, deterministic 32-bit PRNG. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ' +
  'incididunt ut labore et dolore magna aliqua bucket edge origin cache static website ' +
  'object key region deploy invalidate sync index error document'
).split(' ');

/** Text of exactly `size` bytes (ASCII): a header line, then pseudo-random words. */
function textOf(rand, size, header) {
  let s = header;
  while (s.length < size) s += WORDS[Math.floor(rand() * WORDS.length)] + (rand() < 0.1 ? '\n' : ' ');
  return Buffer.from(s.slice(0, size - 1) + '\n', 'ascii');
}

/** Binary of exactly `size` bytes from the PRNG. */
function binOf(rand, size) {
  const b = Buffer.allocUnsafe(size);
  let i = 0;
  for (; i + 4 <= size; i += 4) b.writeUInt32LE((rand() * 4294967296) >>> 0, i);
  for (; i < size; i++) b[i] = (rand() * 256) & 0xff;
  return b;
}

function put(root, rel, buf, files) {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, buf);
  utimesSync(p, FIXED_MTIME, FIXED_MTIME);
  files.push({ rel, size: buf.length });
}

function html(rand, size, title) {
  return textOf(rand, size, `<!doctype html><html><head><title>${title}</title></head><body>\n`);
}

export function generateSite(root) {
  const rand = prng(42);
  const files = [];
  put(root, 'index.html', html(rand, 2048, 'home'), files);
  put(root, '404.html', html(rand, 1024, 'not found'), files);
  const exts = ['css', 'js', 'svg', 'txt'];
  for (let i = 0; i < 200; i++) {
    const ext = exts[i % 4];
    put(root, `assets/small/a${String(i).padStart(3, '0')}.${ext}`, textOf(rand, 1024, `/* a${i} */\n`), files);
  }
  for (let i = 0; i < 20; i++) put(root, `assets/medium/m${String(i).padStart(2, '0')}.jpg`, binOf(rand, 102400), files);
  for (let i = 0; i < 2; i++) put(root, `assets/large/big${i}.bin`, binOf(rand, 5 * 1024 * 1024), files);
  const nested = ['docs', 'docs/guide', 'blog', 'blog/2024', 'blog/2024/01', 'blog/2024/01/hello-world', 'about', 'about/team'];
  for (const d of nested) put(root, `${d}/index.html`, html(rand, 1024 + Math.floor(rand() * 3072), d), files);
  return files;
}

export function generateBigdeploy(root) {
  const rand = prng(42 ^ 0x5eed);
  const files = [];
  for (let s = 0; s < 20; s++) {
    for (let d = 0; d < 10; d++) {
      for (let f = 0; f < 25; f++) {
        const rel = `s${String(s).padStart(2, '0')}/d${d}/f${String(f).padStart(2, '0')}.html`;
        const size = 1024 + Math.floor(rand() * (4096 - 1024 + 1));
        put(root, rel, html(rand, size, rel), files);
      }
    }
  }
  return files;
}

function countFiles(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) n += countFiles(join(dir, e.name));
    else if (e.isFile()) n++;
  }
  return n;
}

/** Ensure both trees exist (generate when the marker is missing or stale); returns their paths. */
export function ensureFixtures(work = DEFAULT_WORK, { force = false, log = console.error } = {}) {
  const out = {};
  for (const [name, gen, expected] of [
    ['site', generateSite, 232],
    ['bigdeploy', generateBigdeploy, 5000],
  ]) {
    const root = join(work, name);
    const marker = join(work, `.${name}.v${FIXTURE_VERSION}`);
    if (force || !existsSync(marker) || !existsSync(root) || countFiles(root) !== expected) {
      rmSync(root, { recursive: true, force: true });
      const t0 = Date.now();
      const files = gen(root);
      const bytes = files.reduce((a, f) => a + f.size, 0);
      writeFileSync(marker, JSON.stringify({ files: files.length, bytes }) + '\n');
      log(`[fixtures] generated ${name}/: ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB in ${Date.now() - t0} ms`);
    }
    out[name] = root;
  }
  return out;
}

/** Reset every file's mtime under dir to FIXED_MTIME (after the sync mode's `touch`). */
export function resetMtimes(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) resetMtimes(p);
    else if (e.isFile()) utimesSync(p, FIXED_MTIME, FIXED_MTIME);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const oi = args.indexOf('--out');
  const work = oi >= 0 ? args[oi + 1] : DEFAULT_WORK;
  const r = ensureFixtures(work, { force: args.includes('--force') });
  for (const [k, v] of Object.entries(r)) console.log(`${k}: ${v} (${countFiles(v)} files, ${statSync(v).isDirectory() ? 'dir' : '?'})`);
}
