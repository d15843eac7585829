/**
 * The lines of the fs outbox's log segments (outbox-log.ts): one frame per line,
 *
 *     <CRC-32 of the rest, 8 hex> <kind> <JSON>\n
 *
 * kind `B` is a batch, `{"id":…,"records":[…]}`; kind `R` lists removed batch ids, `{"ids":[…]}`.
 * JSON text never holds a raw newline, so a segment reads as lines (and stays readable with
 * `cut -d' ' -f3- FILE | jq`). A line that does not end in a newline, does not match its CRC or is
 * not such JSON ends the readable part: the torn tail of a write that never completed.
 */
import { crc32 } from 'node:zlib';

export type Frame = { kind: 'B'; id: string; records: string[] } | { kind: 'R'; ids: string[] };

/** A frame read back, with where its line lies in the segment. */
export type PlacedFrame = Frame & { offset: number; length: number };

const NEWLINE = 0x0a;

export function encodeFrame(frame: Frame): Buffer {
  const body = frame.kind === 'B' ? `B ${JSON.stringify({ id: frame.id, records: frame.records })}` : `R ${JSON.stringify({ ids: frame.ids })}`;
  const bytes = Buffer.from(body, 'utf8');
  return Buffer.concat([Buffer.from(`${crc32(bytes).toString(16).padStart(8, '0')} `, 'latin1'), bytes, Buffer.from('\n', 'latin1')]);
}

/** The frame in one line (its newline excluded), or null when the line is torn or damaged. */
export function decodeFrame(line: Buffer): Frame | null {
  if (line.length < 12 || line[8] !== 0x20) return null;
  const crc = Number.parseInt(line.toString('latin1', 0, 8), 16);
  const body = line.subarray(9);
  if (!/^[0-9a-f]{8}$/.test(line.toString('latin1', 0, 8)) || crc32(body) !== crc) return null;
  const kind = body.toString('latin1', 0, 2);
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8', 2));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as { id?: unknown; records?: unknown; ids?: unknown };
  if (kind === 'B ' && typeof v.id === 'string' && isStringArray(v.records)) return { kind: 'B', id: v.id, records: v.records };
  if (kind === 'R ' && isStringArray(v.ids)) return { kind: 'R', ids: v.ids };
  return null;
}

/** Every whole frame of a file's bytes, in order, up to the first torn or damaged line; `end` is where that line starts. */
export function decodeFrames(bytes: Buffer): { frames: PlacedFrame[]; end: number } {
  const frames: PlacedFrame[] = [];
  let at = 0;
  for (;;) {
    const nl = bytes.indexOf(NEWLINE, at);
    if (nl < 0) break;
    const frame = decodeFrame(bytes.subarray(at, nl));
    if (frame === null) break;
    frames.push({ ...frame, offset: at, length: nl + 1 - at });
    at = nl + 1;
  }
  return { frames, end: at };
}

export function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((r) => typeof r === 'string');
}
