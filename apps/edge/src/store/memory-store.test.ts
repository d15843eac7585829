import { describe, expect, it } from 'vitest';
import { MemoryStore } from './memory-store.js';
import type { StoredEntry } from './entry.js';

function entry(store: MemoryStore, key: string, path: string, size = 100, query = '', distributionId = 'E1'): StoredEntry {
  const seq = store.beginFill();
  store.endFill(seq);
  return {
    key,
    distributionId,
    path,
    query,
    status: 200,
    baseHeaders: [],
    variants: {},
    times: { fetchedAt: 0, freshUntil: 1, swrUntil: 1, sieUntil: 1 },
    seq,
    size,
    collapsible: true,
  };
}

describe('MemoryStore', () => {
  it('is bounded by bytes and counts evictions', () => {
    let evictions = 0;
    const s = new MemoryStore({
      maxSizeBytes: 1000,
      maxObjectBytes: 300,
      onEvict: () => {
        evictions++;
      },
    });
    for (let i = 0; i < 20; i++) s.set(entry(s, `k${i}`, `/p${i}`, 100));
    expect(s.stats().sizeBytes).toBeLessThanOrEqual(1000);
    expect(s.stats().entries).toBe(10);
    expect(evictions).toBe(10);
    expect(s.get('k0')).toBeUndefined();
    expect(s.get('k19')).toBeDefined();
  });

  it('bans: entries fetched before a matching ban miss; later fills are kept', () => {
    const s = new MemoryStore({ maxSizeBytes: 10_000, maxObjectBytes: 1000, sweepDelayMs: 10_000 });
    s.set(entry(s, 'a', '/assets/a.js'));
    s.set(entry(s, 'b', '/index.html'));
    s.set(entry(s, 'c', '/assets/a.js', 100, '', 'E2'));
    s.ban('E1', ['/assets/*']);
    expect(s.get('a')).toBeUndefined();
    expect(s.get('b')).toBeDefined();
    expect(s.get('c')).toBeDefined(); // other distribution
    expect(s.set(entry(s, 'a', '/assets/a.js'))).toBe(true); // fetched after the ban
    expect(s.get('a')).toBeDefined();
  });

  it('a fill that started before the ban is refused when it lands after it', () => {
    const s = new MemoryStore({ maxSizeBytes: 10_000, maxObjectBytes: 1000, sweepDelayMs: 10_000 });
    const seq = s.beginFill();
    s.ban('E1', ['/x']);
    const e = entry(s, 'x', '/x');
    e.seq = seq;
    expect(s.set(e)).toBe(false);
    s.endFill(seq);
  });

  it('the sweeper deletes banned entries and retires bans no fill can predate', () => {
    const s = new MemoryStore({ maxSizeBytes: 10_000, maxObjectBytes: 1000, sweepDelayMs: 10_000 });
    for (let i = 0; i < 5; i++) s.set(entry(s, `k${i}`, `/d/${i}`));
    s.set(entry(s, 'keep', '/keep'));
    const inflight = s.beginFill();
    s.ban('E1', ['/d/*']);
    s.sweep();
    expect(s.stats().entries).toBe(1);
    expect(s.usage.bans).toBe(1); // a fill older than the ban is still running
    s.endFill(inflight);
    s.sweep();
    expect(s.usage.bans).toBe(0);
    s.clear();
  });

  it('a 3,000-path batch: exact paths, query variants and wildcards all match', () => {
    const s = new MemoryStore({ maxSizeBytes: 10_000_000, maxObjectBytes: 1000, sweepDelayMs: 10_000 });
    for (let i = 0; i < 5000; i++) s.set(entry(s, `k${i}`, `/f/${i}.html`, 100, i % 2 ? 'v=1' : ''));
    s.set(entry(s, 'w', '/wild/x.css'));
    s.set(entry(s, 'q', '/search', 100, 'q=a'));
    const paths = [...Array.from({ length: 2998 }, (_, i) => `/f/${i}.html`), '/wild/*', '/search?q=a'];
    s.ban('E1', paths);
    expect(s.get('k0')).toBeUndefined();
    expect(s.get('k1')).toBeUndefined(); // keyed query variant of a listed path
    expect(s.get('k2997')).toBeUndefined();
    expect(s.get('k2998')).toBeDefined();
    expect(s.get('w')).toBeUndefined();
    expect(s.get('q')).toBeUndefined();
    s.sweep();
    expect(s.stats().entries).toBe(5000 - 2998);
  });

  it('CacheStore put: a fill whose generation predates a retired ban is refused (it can no longer be checked)', () => {
    const s = new MemoryStore({ maxSizeBytes: 10_000, maxObjectBytes: 1000, sweepDelayMs: 10_000 });
    const old = s.generation(); // not registered with beginFill: the sweeper does not wait for it
    s.ban('E1', ['/other']);
    s.sweep();
    expect(s.usage.bans).toBe(0);
    expect(s.put(entry(s, 'x', '/x'), old)).toBe(false);
    expect(s.put(entry(s, 'x', '/x'), s.generation())).toBe(true);
  });

  it('stats() (the CacheStore figures) and usage (with the live bans)', () => {
    const s = new MemoryStore({ maxSizeBytes: 10_000, maxObjectBytes: 1000 });
    s.set(entry(s, 'a', '/a', 300));
    expect(s.stats()).toEqual({ entries: 1, sizeBytes: 300, maxBytes: 10_000 });
    expect(s.usage).toEqual({ entries: 1, sizeBytes: 300, maxBytes: 10_000, bans: 0 });
  });
});
