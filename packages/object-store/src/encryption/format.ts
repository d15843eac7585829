/**
 * The at-rest format of an encrypted object (docs/encryption.md#format).
 *
 * An object is one *unit* (single PUT, copy) or one unit per part (multipart), concatenated.
 * A unit is a 16-byte header (4 bytes `BFE1`, then a random 96-bit IV base) followed by
 * segments: each up to SEGMENT_BYTES of plaintext sealed with AES-256-GCM under the object's
 * data key (ciphertext + 16-byte tag). Segment i's IV is the IV base with i added to its last
 * 32 bits; its additional data is i and a last-segment flag, so segments cannot be reordered,
 * dropped or the unit truncated without the tag check failing. An empty unit has one empty
 * segment, so even 0 bytes carry a tag. Fixed-size segments let a Range GET decrypt only the
 * segments it touches (NIST SP 800-38D for GCM; the framing follows the AWS Encryption SDK's
 * framed message format: https://docs.aws.amazon.com/encryption-sdk/latest/developer-guide/message-format.html).
 */
export const SEGMENT_BYTES = 64 * 1024;
export const TAG_BYTES = 16;
export const HEADER_BYTES = 16;
export const IV_BYTES = 12;
export const MAGIC = Buffer.from('BFE1', 'latin1');
const SEALED_SEGMENT = SEGMENT_BYTES + TAG_BYTES;

/** Segments in a unit of `plain` bytes (at least one). */
export function segmentCount(plain: number): number {
  return Math.max(1, Math.ceil(plain / SEGMENT_BYTES));
}

/** Stored size of a unit holding `plain` bytes. */
export function sealedSize(plain: number): number {
  return HEADER_BYTES + plain + TAG_BYTES * segmentCount(plain);
}

/** Plaintext size of a unit stored in `sealed` bytes; -1 when no unit has that size. */
export function plainSize(sealed: number): number {
  if (sealed < HEADER_BYTES + TAG_BYTES) return -1;
  const segments = Math.ceil((sealed - HEADER_BYTES) / SEALED_SEGMENT);
  return sealed - HEADER_BYTES - TAG_BYTES * segments;
}

/** IV of segment `index`: the base with `index` added (mod 2^32) to its last four bytes. */
export function segmentIv(base: Buffer, index: number): Buffer {
  const iv = Buffer.from(base);
  iv.writeUInt32BE((iv.readUInt32BE(8) + index) >>> 0, 8);
  return iv;
}

/** Additional authenticated data of segment `index`. */
export function segmentAad(index: number, last: boolean): Buffer {
  const aad = Buffer.allocUnsafe(5);
  aad.writeUInt32BE(index, 0);
  aad[4] = last ? 1 : 0;
  return aad;
}

/** One unit of an object: where it starts in the plaintext and in the stored bytes. */
export interface UnitLayout {
  plainStart: number;
  plainSize: number;
  sealedStart: number;
  sealedSize: number;
}

/** Units of an object stored as `sealedSizes` (one per part; one entry for a single PUT). */
export function layoutUnits(sealedSizes: readonly number[]): UnitLayout[] | null {
  const units: UnitLayout[] = [];
  let plainStart = 0;
  let sealedStart = 0;
  for (const s of sealedSizes) {
    const p = plainSize(s);
    if (p < 0) return null;
    units.push({ plainStart, plainSize: p, sealedStart, sealedSize: s });
    plainStart += p;
    sealedStart += s;
  }
  return units;
}

/** What to read for plaintext bytes [start, end] of one unit. */
export interface UnitSpan {
  unit: UnitLayout;
  /** Part number (1-based) or 0 for a single-unit object: only for diagnostics. */
  firstSegment: number;
  lastSegment: number;
  /** Offsets into the first/last segment's plaintext to keep. */
  skipHead: number;
  keepTail: number;
}

/** The segments covering plaintext [start, end] (inclusive) of the object laid out as `units`. */
export function spansFor(units: readonly UnitLayout[], start: number, end: number): UnitSpan[] {
  const spans: UnitSpan[] = [];
  for (const unit of units) {
    const uEnd = unit.plainStart + unit.plainSize - 1;
    if (unit.plainSize === 0 || uEnd < start || unit.plainStart > end) continue;
    const a = Math.max(start, unit.plainStart) - unit.plainStart;
    const b = Math.min(end, uEnd) - unit.plainStart;
    const firstSegment = Math.floor(a / SEGMENT_BYTES);
    const lastSegment = Math.floor(b / SEGMENT_BYTES);
    spans.push({ unit, firstSegment, lastSegment, skipHead: a - firstSegment * SEGMENT_BYTES, keepTail: b - lastSegment * SEGMENT_BYTES + 1 });
  }
  return spans;
}

/** Stored offset of segment `index` in `unit`, and its stored length. */
export function segmentLocation(unit: UnitLayout, index: number): { offset: number; length: number; plain: number; last: boolean } {
  const count = segmentCount(unit.plainSize);
  const plain = index === count - 1 ? unit.plainSize - index * SEGMENT_BYTES : SEGMENT_BYTES;
  return { offset: unit.sealedStart + HEADER_BYTES + index * SEALED_SEGMENT, length: plain + TAG_BYTES, plain, last: index === count - 1 };
}
