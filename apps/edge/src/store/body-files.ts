/**
 * Body files of the disk tier (disk-store.ts). A body is written whole to `tmp/`, then renamed
 * into `bodies/<2 hex>/<bodyId>.<coding>` (rename is atomic within a file system, POSIX
 * rename(2)), and never modified afterwards: every put takes a new random bodyId, so replacing a
 * response never rewrites a file another process may be reading. Length and CRC-32 are recorded
 * in the index and checked on every read, so a torn or truncated file (crash, disk error) is
 * detected, never served.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
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

export async function readBodyFile(dir: string, bodyId: string, coding: Coding, length: number, crc: number): Promise<BodyRead> {
  let body: Buffer;
  try {
    body = await fsp.readFile(bodyFilePath(dir, bodyId, coding));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
    return { ok: false, damaged: !TRANSIENT.has(code), problem: code };
  }
  if (body.length !== length) return { ok: false, damaged: true, problem: `length ${body.length}, expected ${length}` };
  if (bodyChecksum(body) !== crc) return { ok: false, damaged: true, problem: 'crc32 mismatch' };
  return { ok: true, body };
}

/** Best effort: a file already gone is fine, other failures leave an orphan the owner's sweep removes. */
export async function unlinkBodyFiles(dir: string, bodyId: string, codings: readonly Coding[]): Promise<void> {
  await Promise.all(codings.map((c) => fsp.unlink(bodyFilePath(dir, bodyId, c)).catch(() => {})));
}
