/**
 * Deterministic test bytes for the contract suite (re-exported by contract.ts).
 * Kept free of vitest so a plain child process (test/crash-writer.ts) can use it too.
 */

/** Deterministic pseudo-random bytes (xorshift32 from `seed`). */
export function bytes(n: number, seed = 1): Buffer {
  const b = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}
