import { describe, expect, it } from 'vitest';
import { copyPartSize } from './multipart-copy.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('copyPartSize', () => {
  it.each([
    [6 * GiB, 5 * GiB, 512 * MiB],
    [9 * MiB, 6 * MiB, 6 * MiB],
    [9 * MiB, 1 * MiB, 5 * MiB], // never below S3's 5 MiB minimum
    [5000 * GiB, 5 * GiB, 512 * MiB], // 10,000 parts of 512 MiB fit 5,000 GiB
    [6000 * GiB, 5 * GiB, 1024 * MiB],
  ])('%d bytes, threshold %d → %d', (size, threshold, expected) => {
    expect(copyPartSize(size, threshold)).toBe(expected);
  });
});
