/**
 * A point in time on the command line: `30s`, `10m`, `2h`, `1d`, `1w` (optionally followed by
 * ` ago`) before `now`, or anything `Date` parses: ISO 8601 (`2024-05-01T12:00:03Z`,
 * `2024-05-01T14:00:03+02:00`), or `2024-05-01 12:00:03` as `ls` prints it (local time).
 */
import { UsageError } from './errors.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseTimeArg(value: string, now: Date = new Date(), flag = '--to'): Date {
  const text = value.trim();
  const relative = /^(\d+(?:\.\d+)?)\s*([smhdw])(?:\s+ago)?$/i.exec(text);
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNIT_MS[relative[2]!.toLowerCase()]!);
  // Date parses a bare number as a year or worse: refuse it instead of guessing.
  const parsed = /^\d+$/.test(text) ? Number.NaN : Date.parse(text);
  if (Number.isNaN(parsed)) {
    throw new UsageError(
      `${flag}: cannot read ${JSON.stringify(value)} as a time: give an ISO 8601 time (2024-05-01T12:00:03Z), a time as \`ls --versions\` prints it (2024-05-01 12:00:03, local), or an age such as 10m, 2h, 1d`,
    );
  }
  return new Date(parsed);
}
