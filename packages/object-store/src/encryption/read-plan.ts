/**
 * Which stored bytes a plaintext range needs, and how to open them (open-stream.ts pieces).
 * A range starting inside a unit needs that unit's IV base: known already for a single PUT
 * (kept in the envelope), otherwise read from the unit header (`headerAt`), a separate
 * 16-byte read unless the header is close enough to read through.
 */
import { segmentCount, segmentLocation, spansFor, type UnitLayout } from './format.js';
import type { Piece } from './open-segment.js';

/** Read through up to this many stored bytes rather than fetch a header separately. */
const READ_THROUGH_BYTES = 256 * 1024;

export interface ReadPlan {
  /** Inclusive stored byte range to fetch (absent: nothing to fetch, an empty result). */
  fetch?: { start: number; end: number };
  pieces: Piece[];
  /** Stored offset of a unit header to fetch first; its IV base replaces the `iv` piece at index 0. */
  headerAt?: number;
}

export function planRead(units: readonly UnitLayout[], start: number, end: number, firstIvBase?: Buffer): ReadPlan {
  const spans = spansFor(units, start, end);
  const pieces: Piece[] = [];
  let fetchStart = -1;
  let fetchEnd = -1;
  let headerAt: number | undefined;
  spans.forEach((span, i) => {
    const first = segmentLocation(span.unit, span.firstSegment);
    if (i === 0) {
      const fromHeader = span.firstSegment === 0 || first.offset - span.unit.sealedStart <= READ_THROUGH_BYTES;
      if (span.unit.sealedStart === 0 && firstIvBase !== undefined && span.firstSegment > 0) {
        pieces.push({ kind: 'iv', ivBase: firstIvBase });
        fetchStart = first.offset;
      } else if (fromHeader) {
        pieces.push({ kind: 'header' });
        // Segments between the header and the first one wanted are authenticated but dropped.
        for (let s = 0; s < span.firstSegment; s++) {
          const loc = segmentLocation(span.unit, s);
          pieces.push({ kind: 'segment', index: s, last: loc.last, length: loc.length, keepFrom: 0, keepTo: 0 });
        }
        fetchStart = span.unit.sealedStart;
      } else {
        headerAt = span.unit.sealedStart;
        pieces.push({ kind: 'iv', ivBase: Buffer.alloc(0) });
        fetchStart = first.offset;
      }
    } else {
      pieces.push({ kind: 'header' });
    }
    for (let s = span.firstSegment; s <= span.lastSegment; s++) {
      const loc = segmentLocation(span.unit, s);
      const keepFrom = s === span.firstSegment ? span.skipHead : 0;
      const keepTo = s === span.lastSegment ? span.keepTail : loc.plain;
      pieces.push({ kind: 'segment', index: s, last: loc.last, length: loc.length, keepFrom, keepTo });
      fetchEnd = loc.offset + loc.length - 1;
    }
  });
  const plan: ReadPlan = { pieces };
  if (fetchStart >= 0) plan.fetch = { start: fetchStart, end: fetchEnd };
  if (headerAt !== undefined) plan.headerAt = headerAt;
  return plan;
}

/** The whole object: every unit from its header. */
export function planWhole(units: readonly UnitLayout[]): Piece[] {
  const pieces: Piece[] = [];
  for (const unit of units) {
    pieces.push({ kind: 'header' });
    for (let s = 0; s < segmentCount(unit.plainSize); s++) {
      const loc = segmentLocation(unit, s);
      pieces.push({ kind: 'segment', index: s, last: loc.last, length: loc.length, keepFrom: 0, keepTo: loc.plain });
    }
  }
  return pieces;
}
