import { describe, expect, it } from 'vitest';
import { BufferPool } from './buffer-pool.js';

describe('BufferPool', () => {
  it('lends exact lengths from power-of-two classes and reuses what is given back', () => {
    const pool = new BufferPool(1 << 20, 1 << 20);
    const a = pool.take(5000)!;
    expect(a.length).toBe(5000);
    expect(a.buffer.byteLength).toBe(8192);
    pool.give(a);
    const b = pool.take(7000)!; // same class
    expect(b.buffer).toBe(a.buffer);
    expect(pool.take(7000)!.buffer).not.toBe(a.buffer); // b still lent
  });

  it('accepts back only what it lent and has not had back, and nothing above maxBytes', () => {
    const pool = new BufferPool(64 * 1024, 1 << 20);
    expect(pool.take(64 * 1024 + 1)).toBeUndefined();
    const foreign = Buffer.from(new ArrayBuffer(8192));
    pool.give(foreign);
    expect(pool.take(8192)!.buffer).not.toBe(foreign.buffer);
    const lent = pool.take(8192)!;
    pool.give(lent);
    pool.give(lent); // a second give must not make it lendable twice
    const x = pool.take(8192)!;
    const y = pool.take(8192)!;
    expect(x.buffer).toBe(lent.buffer);
    expect(y.buffer).not.toBe(lent.buffer);
  });

  it('keeps at most maxIdleBytes of idle buffers', () => {
    const pool = new BufferPool(1 << 20, 16 * 1024);
    const bufs = [pool.take(8192)!, pool.take(8192)!, pool.take(8192)!];
    for (const b of bufs) pool.give(b);
    const again = [pool.take(8192)!, pool.take(8192)!, pool.take(8192)!].map((b) => b.buffer);
    expect(again.filter((ab) => bufs.some((b) => b.buffer === ab))).toHaveLength(2);
  });
});
