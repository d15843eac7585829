/**
 * Body files of the disk tier (disk-store.ts). A body is written whole to `tmp/`, then renamed
 * into `bodies/<2 hex>/<bodyId>.<coding>` (rename is atomic within a file system, POSIX
 * rename(2)), and never modified afterwards: every put takes a new random bodyId, so replacing a
 * response never rewrites a file another process may be reading. Length and CRC-32 are recorded
 * in the index; the length is checked on every read and the CRC-32 on a process's first read of
 * each body, so a torn or truncated file (crash, disk error) is detected, never served.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, promises as fsp, readSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Coding } from './cache-store.js';

export const BODIES_DIR = 'bodies';
export const TMP_DIR = 'tmp';

const BODY_FILE = /^([0-9a-f]{32})\.(identity|gzip|br)$/;

/** 128 random bits: unique per put, also across processes. */
export function newBodyId(): string {
  return randomBytes(16).toString('hex');
}

export function bodyFilePath(dir: string, bodyId: string, coding: Coding): string {
  return join(dir, BODIES_DIR, bodyId.slice(0, 2), `${bodyId}.${coding}`);
}

/** `<bodyId>.<coding>` → its parts; undefined for any other name. */
export function parseBodyFileName(name: string): { bodyId: string; coding: Coding } | undefined {
  const m = BODY_FILE.exec(name);
  return m ? { bodyId: m[1]!, coding: m[2] as Coding } : undefined;
}

export function bodyChecksum(body: Uint8Array): number {
  return crc32(body);
}

/** Write `body` under tmp/, then rename it into bodies/. Throws (with the fs error) on failure, leaving no file. */
export async function writeBodyFile(dir: string, bodyId: string, coding: Coding, body: Uint8Array): Promise<void> {
  const tmp = join(dir, TMP_DIR, `${bodyId}.${coding}`);
  const target = bodyFilePath(dir, bodyId, coding);
  try {
    await fsp.writeFile(tmp, body, { flag: 'wx' });
    try {
      await fsp.rename(tmp, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // First body in this fan-out directory (or tmp/ vanished: then the retry fails too).
      await fsp.mkdir(join(dir, BODIES_DIR, bodyId.slice(0, 2)), { recursive: true });
      await fsp.rename(tmp, target);
    }
  } catch (err) {
    await fsp.unlink(tmp).catch(() => {});
    throw err;
  }
}

export type BodyRead =
  | { ok: true; body: Buffer }
  /** `damaged`: the file is gone, short, or its bytes differ; `transient`: the read failed for a reason unrelated to the file (EMFILE…). */
  | { ok: false; damaged: boolean; problem: string };

/** Errors that say nothing about the file itself: retry later, do not drop the entry. */
const TRANSIENT = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'ENOMEM', 'EINTR']);

/** A failed open/read/stat of a body file: damaged unless the error says nothing about the file. */
function failedRead(err: unknown): Extract<BodyRead, { ok: false }> {
  const code = (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
  return { ok: false, damaged: !TRANSIENT.has(code), problem: code };
}

/** Bodies up to this size are read synchronously: ~25 µs for 100 KiB from the page cache, where
 * fs.promises.readFile's five thread-pool round trips cost ~150 µs (measured here). */
const SYNC_READ_MAX = 256 * 1024;

/**
 * Body ids whose CRC-32 this process already checked. A body file is never modified after its
 * rename (a new put takes a new id), so once its bytes checked out only its length is checked
 * again (a file cut short is still caught on every read); a new process checks every body once.
 * CRC-32 of 100 KiB costs ~36 µs, more than the read. Bounded: the oldest are forgotten.
 */
const verified = new Map<string, true>();
const MAX_VERIFIED = 20_000;

function noteVerified(id: string): void {
  if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value!);
  verified.set(id, true);
}

/** Buffers for reads into pooled memory (buffer-pool.ts) are at most this long. */
export const POOLED_READ_MAX = SYNC_READ_MAX + 1;

/** Where a read puts its bytes: `alloc(n)` may lend a pooled buffer (undefined: a new one). */
export type BodyAlloc = (length: number) => Buffer | undefined;

/**
 * Open descriptors of small body files, kept between reads (nginx's open_file_cache,
 * https://nginx.org/en/docs/http/ngx_http_core_module.html#open_file_cache): a shared-tier hit then
 * costs one pread instead of open + read + close. A body file is never modified after its rename,
 * so a kept descriptor reads what a new one would; one cut short is still caught by the length
 * check, one deleted (eviction, invalidation) is closed here when this process unlinks it, else
 * when it leaves the set: the set bounds the disk space such files still hold to
 * MAX_OPEN_BODIES × SYNC_READ_MAX per process.
 */
const openBodies = new Map<string, number>();
const MAX_OPEN_BODIES = 256;

function keptDescriptor(path: string): number {
  let fd = openBodies.get(path);
  if (fd !== undefined) {
    // Most recently used last.
    openBodies.delete(path);
    openBodies.set(path, fd);
    return fd;
  }
  fd = openSync(path, 'r');
  if (openBodies.size >= MAX_OPEN_BODIES) {
    const [oldest, oldFd] = openBodies.entries().next().value!;
    openBodies.delete(oldest);
    closeSync(oldFd);
  }
  openBodies.set(path, fd);
  return fd;
}

function forgetDescriptor(path: string): void {
  const fd = openBodies.get(path);
  if (fd === undefined) return;
  openBodies.delete(path);
  closeSync(fd);
}

async function readExactly(path: string, length: number, alloc?: BodyAlloc): Promise<Buffer> {
  if (length <= SYNC_READ_MAX) {
    const fd = keptDescriptor(path);
    // One byte more than expected: a file that grew is as wrong as one cut short.
    const buf = alloc?.(length + 1) ?? Buffer.allocUnsafe(length + 1);
    let got = 0;
    try {
      for (let n = -1; n !== 0 && got < buf.length; got += n) n = readSync(fd, buf, got, buf.length - got, got);
    } catch (err) {
      forgetDescriptor(path);
      throw err;
    }
    if (got !== length) forgetDescriptor(path); // damaged: the row is dropped, the file unlinked
    return buf.subarray(0, got);
  }
  const fh = await fsp.open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(length + 1);
    let got = 0;
    for (let n = -1; n !== 0 && got < buf.length; got += n) n = (await fh.read(buf, got, buf.length - got, got)).bytesRead;
    return buf.subarray(0, got);
  } finally {
    await fh.close();
  }
}

export async function readBodyFile(dir: string, bodyId: string, coding: Coding, length: number, crc: number, alloc?: BodyAlloc): Promise<BodyRead> {
  let body: Buffer;
  try {
    body = await readExactly(bodyFilePath(dir, bodyId, coding), length, alloc);
  } catch (err) {
    return failedRead(err);
  }
  if (body.length !== length) return { ok: false, damaged: true, problem: `length ${body.length}, expected ${length}` };
  const id = `${bodyId}.${coding}`;
  if (!verified.has(id)) {
    if (bodyChecksum(body) !== crc) return { ok: false, damaged: true, problem: 'crc32 mismatch' };
    noteVerified(id);
  }
  return { ok: true, body };
}

/**
 * A body file held open instead of read (a large body served once and dropped: see
 * viewer/send-file.ts): an unlinked or replaced file stays readable through `fd`. Close it once
 * the response is done with it; `close` may be called more than once.
 */
export interface BodyFile {
  readonly fd: number;
  readonly length: number;
  readonly closed: boolean;
  close(): void;
}

/**
 * The body file opened, when this process already checked its CRC-32 (see `verified`): its length
 * is checked now, its bytes as they are read. undefined when not yet checked: read it whole once
 * (readBodyFile), and the next request can stream it.
 */
export function openCheckedBodyFile(dir: string, bodyId: string, coding: Coding, length: number): { ok: true; file: BodyFile } | Extract<BodyRead, { ok: false }> | undefined {
  if (!verified.has(`${bodyId}.${coding}`)) return undefined;
  let fd: number;
  try {
    fd = openSync(bodyFilePath(dir, bodyId, coding), 'r');
  } catch (err) {
    return failedRead(err);
  }
  let size: number;
  try {
    size = fstatSync(fd).size;
  } catch (err) {
    closeSync(fd);
    return failedRead(err);
  }
  if (size !== length) {
    closeSync(fd);
    return { ok: false, damaged: true, problem: `length ${size}, expected ${length}` };
  }
  let closed = false;
  return {
    ok: true,
    file: {
      fd,
      length,
      get closed() {
        return closed;
      },
      close() {
        if (closed) return;
        closed = true;
        closeSync(fd);
      },
    },
  };
}

/** Best effort: a file already gone is fine, other failures leave an orphan the owner's sweep removes. */
export async function unlinkBodyFiles(dir: string, bodyId: string, codings: readonly Coding[]): Promise<void> {
  await Promise.all(
    codings.map((c) => {
      const path = bodyFilePath(dir, bodyId, c);
      forgetDescriptor(path);
      return fsp.unlink(path).catch(() => {});
    }),
  );
}
