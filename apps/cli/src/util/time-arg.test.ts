import { describe, expect, it } from 'vitest';
import { parseTimeArg } from './time-arg.js';

const now = new Date('2024-05-01T12:00:00Z');

describe('parseTimeArg', () => {
  it.each([
    ['10m', '2024-05-01T11:50:00.000Z'],
    ['2h', '2024-05-01T10:00:00.000Z'],
    ['90s', '2024-05-01T11:58:30.000Z'],
    ['1d ago', '2024-04-30T12:00:00.000Z'],
    ['1.5h', '2024-05-01T10:30:00.000Z'],
    ['1w', '2024-04-24T12:00:00.000Z'],
    ['2024-05-01T10:00:03Z', '2024-05-01T10:00:03.000Z'],
    ['2024-05-01T12:00:03+02:00', '2024-05-01T10:00:03.000Z'],
  ])('%s → %s', (arg, iso) => {
    expect(parseTimeArg(arg, now).toISOString()).toBe(iso);
  });

  it('a time as ls prints it is local time', () => {
    expect(parseTimeArg('2024-05-01 12:00:03', now).getTime()).toBe(new Date(2024, 4, 1, 12, 0, 3).getTime());
  });

  it.each(['', 'yesterday-ish', '1700000000', '10 minutes'])('%j is a usage error naming the forms', (arg) => {
    expect(() => parseTimeArg(arg, now)).toThrow(/--to: cannot read .* as a time: give an ISO 8601 time/);
  });
});
