import { describe, expect, it } from 'vitest';
import { BodyCache } from './body-cache.js';

describe('BodyCache', () => {
  it('evicts least recently used entries to stay within its byte bound', () => {
    const c = new BodyCache(10, 8);
    c.set('a', Buffer.alloc(4, 1));
    c.set('b', Buffer.alloc(4, 2));
    expect(c.get('a')).toBeDefined(); // a is now the most recent
    c.set('c', Buffer.alloc(4, 3)); // 12 > 10: b goes
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')![0]).toBe(1);
    expect(c.get('c')![0]).toBe(3);
    expect(c.size).toBe(8);
  });

  it('ignores entries over the per-entry limit and replaces an existing key', () => {
    const c = new BodyCache(100, 8);
    c.set('big', Buffer.alloc(9));
    expect(c.get('big')).toBeUndefined();
    c.set('k', Buffer.alloc(5));
    c.set('k', Buffer.alloc(3));
    expect(c.size).toBe(3);
    c.delete('k');
    expect(c.size).toBe(0);
  });

  it('stores small views of large buffers as standalone copies', () => {
    const c = new BodyCache(100, 100);
    const pooled = Buffer.from('abc'); // a view into Node's shared pool slab
    c.set('p', pooled);
    const stored = c.get('p')!;
    expect(stored.toString()).toBe('abc');
    expect(stored.buffer.byteLength).toBe(3);
  });
});
