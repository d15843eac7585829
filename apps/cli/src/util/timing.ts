/** Phase timings on stderr when BUCKETFRONT_TIMING=1 (for measuring, not for users). */
const enabled = process.env.BUCKETFRONT_TIMING === '1';
const t0 = performance.now();

export function mark(label: string): void {
  if (enabled) process.stderr.write(`[timing] ${(performance.now() - t0).toFixed(0).padStart(6)} ms  ${label}\n`);
}
