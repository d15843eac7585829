import { describe, expect, it } from 'vitest';
import type { VersionEntry } from '../s3/object-versions.js';
import { planRollback } from './rollback-plan.js';

/** `v('a', 'v2', '12:00:05', { latest: true })`: entries in listing order, times on one day (UTC). */
const v = (key: string, versionId: string, time: string, o: { latest?: boolean; marker?: boolean; etag?: string } = {}): VersionEntry => ({
  key,
  versionId,
  isLatest: !!o.latest,
  lastModified: new Date(`2024-05-01T${time}Z`),
  deleteMarker: !!o.marker,
  size: o.marker ? 0 : 10,
  ...(o.marker ? {} : { etag: o.etag ?? `"${versionId}"` }),
});
const at = (time: string) => new Date(`2024-05-01T${time}Z`);
const ops = (entries: VersionEntry[], time: string) => planRollback(entries, at(time)).map((s) => (s.op === 'restore' ? `${s.key}:restore ${s.versionId}` : `${s.key}:${s.op}`));

describe('planRollback', () => {
  const site = [
    // changed by the second deploy
    v('a.html', 'a2', '12:00:10', { latest: true }),
    v('a.html', 'a1', '12:00:00'),
    // added by the second deploy
    v('new.html', 'n1', '12:00:10', { latest: true }),
    // removed by the second deploy
    v('old.html', 'm1', '12:00:10', { latest: true, marker: true }),
    v('old.html', 'o1', '12:00:00'),
    // untouched
    v('same.html', 's1', '12:00:00', { latest: true }),
  ];

  it('between two deploys: restore the changed, delete the added, bring back the removed, leave the rest', () => {
    expect(ops(site, '12:00:05')).toEqual(['a.html:restore a1', 'new.html:delete', 'old.html:restore o1', 'same.html:unchanged']);
  });

  it('after the last change: nothing to do', () => {
    expect(ops(site, '12:00:30')).toEqual(['a.html:unchanged', 'new.html:unchanged', 'old.html:unchanged', 'same.html:unchanged']);
  });

  it('before anything existed: every current object is deleted, deleted ones stay deleted', () => {
    expect(ops(site, '11:00:00')).toEqual(['a.html:delete', 'new.html:delete', 'old.html:unchanged', 'same.html:delete']);
  });

  it('an entry written in the second TIME names counts as at or before TIME (1-second precision)', () => {
    expect(ops([v('a', 'x2', '12:00:10', { latest: true }), v('a', 'x1', '12:00:00')], '12:00:10.000')).toEqual(['a:unchanged']);
    const ms = new Date('2024-05-01T12:00:10.999Z');
    expect(planRollback([v('a', 'x2', '12:00:10', { latest: true }), v('a', 'x1', '12:00:00')], ms)[0]?.op).toBe('unchanged');
    expect(ops([v('a', 'x2', '12:00:10', { latest: true }), v('a', 'x1', '12:00:00')], '12:00:09.999')).toEqual(['a:restore x1']);
  });

  it('entries of the same second: the listing order (newest first) decides', () => {
    // Written in one second: x1, then a delete marker, then x2 (current).
    const sameSecond = [v('a', 'x2', '12:00:10', { latest: true }), v('a', 'd1', '12:00:10', { marker: true }), v('a', 'x1', '12:00:10'), v('a', 'x0', '12:00:00')];
    expect(ops(sameSecond, '12:00:10')).toEqual(['a:unchanged']);
    expect(ops(sameSecond, '12:00:09')).toEqual(['a:restore x0']);
    // The newest of that second is a delete marker now current: nothing to do.
    const deleted = [v('a', 'd1', '12:00:10', { latest: true, marker: true }), v('a', 'x1', '12:00:10')];
    expect(ops(deleted, '12:00:10')).toEqual(['a:unchanged']);
  });

  it('a key whose current state is a delete marker gets an older version back', () => {
    expect(ops([v('a', 'd', '12:00:10', { latest: true, marker: true }), v('a', 'x1', '12:00:00')], '12:00:05')).toEqual(['a:restore x1']);
  });

  it('a current version that is a copy of the version of TIME (same ETag and size) is left alone', () => {
    const restored = [v('a', 'x3', '12:00:20', { latest: true, etag: '"e1"' }), v('a', 'x2', '12:00:10'), v('a', 'x1', '12:00:00', { etag: '"e1"' })];
    expect(ops(restored, '12:00:05')).toEqual(['a:unchanged']);
    expect(ops(restored, '12:00:15')).toEqual(['a:restore x2']);
  });

  it('the null version is restored by its id', () => {
    expect(ops([v('a', 'x1', '12:00:10', { latest: true }), v('a', 'null', '12:00:00')], '12:00:05')).toEqual(['a:restore null']);
  });
});
