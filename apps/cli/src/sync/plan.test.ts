import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { planSync, resolveHashed, hashRequestFor, type Entry, type PlanOptions } from './plan.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const T = Date.UTC(2026, 0, 1);
const base: PlanOptions = { direction: 'upload', delete: false, sizeOnly: false, exactTimestamps: false, filter: () => true };
const local = (rel: string, size: number, mtimeMs = T): Entry => ({ rel, size, mtimeMs });
const obj = (rel: string, size: number, etag: string | undefined, mtimeMs = T): Entry => ({ rel, size, mtimeMs, etag });
const rels = (xs: { rel: string }[]) => xs.map((x) => x.rel);

describe('planSync', () => {
  it('new files are transferred, same-size files with an MD5 ETag need hashing', () => {
    const p = planSync([local('a', 1), local('b', 2), local('c', 3)], [obj('b', 2, md5('xx')), obj('c', 4, md5('yyyy'))], base);
    expect(p.transfers.map((t) => [t.src.rel, t.reason])).toEqual([
      ['a', 'new'],
      ['c', 'size'],
    ]);
    expect(p.needsHash.map((x) => x.src.rel)).toEqual(['b']);
    expect(p.deletes).toEqual([]);
  });

  it('--delete deletes destination extras, but not excluded ones', () => {
    const p = planSync([local('a', 1)], [obj('a', 1, md5('a')), obj('old', 1, md5('o')), obj('keep/x', 1, md5('k'))], {
      ...base,
      delete: true,
      filter: (r) => !r.startsWith('keep/'),
    });
    expect(rels(p.deletes)).toEqual(['old']);
  });

  it('excluded source files are neither transferred nor compared', () => {
    const p = planSync([local('a.txt', 1), local('b.jpg', 1)], [], { ...base, filter: (r) => r.endsWith('.txt') });
    expect(p.transfers.map((t) => t.src.rel)).toEqual(['a.txt']);
  });

  it('--size-only: same size is unchanged without hashing', () => {
    const p = planSync([local('a', 5, T + 10_000)], [obj('a', 5, md5('zzzzz'))], { ...base, sizeOnly: true });
    expect(rels(p.unchanged.map((x) => x.src))).toEqual(['a']);
    expect(p.needsHash).toEqual([]);
  });

  it.each<[string, Entry, PlanOptions['direction'], boolean, string]>([
    // Unknown ETag (not an MD5): aws-cli's time rule.
    ['upload, local newer', local('a', 1, T + 5000), 'upload', false, 'time'],
    ['upload, local older', local('a', 1, T - 5000), 'upload', false, 'same'],
    ['upload, same second', local('a', 1, T + 300), 'upload', false, 'same'],
    ['download, local newer', local('a', 1, T + 5000), 'download', false, 'time'],
    ['download, local older', local('a', 1, T - 5000), 'download', false, 'same'],
    ['download exact, local older', local('a', 1, T - 5000), 'download', true, 'time'],
    ['download exact, same second', local('a', 1, T + 999), 'download', true, 'same'],
  ])('time fallback: %s', (_n, file, direction, exactTimestamps, expected) => {
    const remote = obj('a', 1, 'not-an-md5', T);
    const [src, dst] = direction === 'upload' ? [file, remote] : [remote, file];
    const p = planSync([src], [dst], { ...base, direction, exactTimestamps });
    if (expected === 'same') expect(p.unchanged).toHaveLength(1);
    else expect(p.transfers.map((t) => t.reason)).toEqual([expected]);
  });

  it('copy: equal ETags are unchanged, different MD5s are copied, mixed forms fall back to time', () => {
    const p = planSync(
      [obj('same', 1, md5('a')), obj('diff', 1, md5('a')), obj('mixed', 1, `${md5('a')}-1`, T + 5000)],
      [obj('same', 1, md5('a')), obj('diff', 1, md5('b')), obj('mixed', 1, md5('a'), T)],
      { ...base, direction: 'copy' },
    );
    expect(rels(p.unchanged.map((x) => x.src))).toEqual(['same']);
    expect(p.transfers.map((t) => [t.src.rel, t.reason])).toEqual([
      ['diff', 'content'],
      ['mixed', 'time'],
    ]);
  });
});

describe('resolveHashed', () => {
  it('content decides, whatever the mtime', () => {
    const pairs = [
      { src: local('same', 2, T + 99_000), dst: obj('same', 2, md5('ab')) },
      { src: local('changed', 2, T - 99_000), dst: obj('changed', 2, md5('ab')) },
    ];
    const hashes = { same: md5('ab'), changed: md5('cd') } as Record<string, string>;
    const r = resolveHashed(pairs, (p) => ({ md5: hashes[p.src.rel] }), base);
    expect(r.unchanged.map((p) => p.src.rel)).toEqual(['same']);
    expect(r.transfers.map((t) => [t.src.rel, t.reason])).toEqual([['changed', 'content']]);
  });

  it('unreadable local file falls back to time', () => {
    const r = resolveHashed([{ src: local('a', 1, T + 5000), dst: obj('a', 1, md5('a')) }], () => undefined, base);
    expect(r.transfers.map((t) => t.reason)).toEqual(['time']);
  });

  it('download compares the remote source ETag with the local destination', () => {
    const pair = { src: obj('a', 1, md5('x')), dst: local('a', 1) };
    expect(hashRequestFor(pair, 'download')).toEqual({ md5: true, partSizes: [] });
    const r = resolveHashed([pair], () => ({ md5: md5('x') }), { ...base, direction: 'download' });
    expect(r.unchanged).toHaveLength(1);
  });
});
