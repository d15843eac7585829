/**
 * Object manifest files: one JSON header line, optionally followed by the
 * object's bytes (small objects are stored inline, in the manifest itself, so
 * a small PUT writes and fsyncs one file instead of two).
 *
 *   {"v":1,"key":…,"segments":[…]}            data in separate files
 *   {"v":1,"key":…,"inline":"<vid>",…}\n<bytes>  data inline
 *
 * JSON.stringify never emits a raw newline, so the first `\n` ends the header.
 */
import { promises as fsp } from 'node:fs';

const NL = 0x0a;
/** Headers are small (key ≤ 1 KiB, user metadata ≤ 2 KiB); read this much first. */
const HEADER_PROBE = 4 * 1024;

export function encodeManifest(doc: object, body?: Buffer): Buffer | string {
  const json = JSON.stringify(doc);
  if (body === undefined) return json;
  const head = Buffer.from(json, 'utf8');
  const out = Buffer.allocUnsafe(head.length + 1 + body.length);
  head.copy(out, 0);
  out[head.length] = NL;
  body.copy(out, head.length + 1);
  return out;
}

export function decodeManifest<T>(file: Buffer): { doc: T; body?: Buffer } {
  const nl = file.indexOf(NL);
  if (nl < 0) return { doc: JSON.parse(file.toString('utf8')) as T };
  return { doc: JSON.parse(file.toString('utf8', 0, nl)) as T, body: file.subarray(nl + 1) };
}

/** The header only, without reading an inline body (used when loading the index). */
export async function readManifestHeader<T>(path: string): Promise<T> {
  const fh = await fsp.open(path, 'r');
  try {
    const probe = Buffer.allocUnsafe(HEADER_PROBE);
    const { bytesRead } = await fh.read(probe, 0, HEADER_PROBE, 0);
    const nl = probe.subarray(0, bytesRead).indexOf(NL);
    if (nl >= 0) return JSON.parse(probe.toString('utf8', 0, nl)) as T;
    if (bytesRead < HEADER_PROBE) return JSON.parse(probe.toString('utf8', 0, bytesRead)) as T;
    return decodeManifest<T>(await fh.readFile()).doc; // an unusually large header
  } finally {
    await fh.close();
  }
}
