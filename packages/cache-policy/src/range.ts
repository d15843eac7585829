/**
 * Range requests served from a cached full object (docs/cloudfront-caching.md#range), RFC 9110 §14.
 * Deviation from RFC 9110 §14.2 (follows CloudFront): non-ascending, overlapping or malformed
 * range sets are ignored and the full 200 is sent, rather than coalesced.
 */

export interface ByteRange {
  start: number;
  end: number;
} // inclusive

export type RangeDecision =
  | { kind: 'full' } // no Range, or ignored → 200
  | { kind: 'partial'; ranges: ByteRange[] } // 206 (one range, or multipart/byteranges)
  | { kind: 'unsatisfiable' }; // 416 with Content-Range: bytes */size

export function parseRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined) return { kind: 'full' };
  const m = /^\s*bytes\s*=\s*(.+)$/i.exec(header);
  if (!m) return { kind: 'full' };
  const specs = m[1]!.split(',').map((s) => s.trim());
  const ranges: ByteRange[] = [];
  let unsatisfiable = 0;
  for (const spec of specs) {
    const r = /^(\d*)-(\d*)$/.exec(spec);
    if (!r || (r[1] === '' && r[2] === '')) return { kind: 'full' };
    if (r[1] === '') {
      // suffix range: last N bytes
      const n = Number(r[2]);
      if (n === 0) {
        unsatisfiable++;
        continue;
      }
      ranges.push({ start: Math.max(0, size - n), end: size - 1 });
      continue;
    }
    const start = Number(r[1]);
    if (r[2] !== '' && Number(r[2]) < start) return { kind: 'full' };
    if (start >= size) {
      unsatisfiable++;
      continue;
    }
    const end = r[2] === '' ? size - 1 : Number(r[2]);
    ranges.push({ start, end: Math.min(end, size - 1) });
  }
  if (ranges.length === 0) return unsatisfiable > 0 ? { kind: 'unsatisfiable' } : { kind: 'full' };
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i]!.start <= ranges[i - 1]!.end) return { kind: 'full' }; // overlapping or non-ascending
  }
  return { kind: 'partial', ranges };
}

export function contentRange(r: ByteRange, size: number): string {
  return `bytes ${r.start}-${r.end}/${size}`;
}
