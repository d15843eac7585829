import { describe, expect, it } from 'vitest';
import { ControlError } from './errors.js';
import type { InvalidationHistory, PersistedInvalidation } from './invalidation-history.js';
import { InvalidationStore, MAX_RECORDS_PER_DISTRIBUTION, newInvalidationId, type InvalidationRecord } from './invalidation-store.js';

const never = () => new Promise<void>(() => {});
const now = new Date('2026-01-02T03:04:05.000Z');

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ControlError);
    expect((err as ControlError).code).toBe(code);
    return;
  }
  throw new Error(`expected ${code}`);
}

describe('InvalidationStore', () => {
  it('makes CloudFront-shaped ids: I + 13 upper-case alphanumerics', () => {
    for (let i = 0; i < 50; i++) expect(newInvalidationId()).toMatch(/^I[A-Z0-9]{13}$/);
  });

  it('turns Completed when apply resolves, and stays InProgress when it rejects', async () => {
    const store = new InvalidationStore();
    const ok = store.create('D', { callerReference: 'a', paths: ['/a'] }, now, async () => {}).record;
    const bad = store.create('D', { callerReference: 'b', paths: ['/b'] }, now, async () => {
      throw new Error('peer down');
    }).record;
    await Promise.all([ok.settled, bad.settled]);
    expect(ok.status).toBe('Completed');
    expect(bad.status).toBe('InProgress');
  });

  it('is idempotent by CallerReference: same paths (any order) → the original; different paths → InvalidationBatchAlreadyExists', () => {
    const store = new InvalidationStore();
    let applies = 0;
    const apply = () => {
      applies++;
      return never();
    };
    const first = store.create('D', { callerReference: 'r', paths: ['/a', '/b'] }, now, apply);
    const again = store.create('D', { callerReference: 'r', paths: ['/b', '/a'] }, now, apply);
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.record.id).toBe(first.record.id);
    expect(applies).toBe(1);
    expectCode(() => store.create('D', { callerReference: 'r', paths: ['/a'] }, now, apply), 'InvalidationBatchAlreadyExists');
    // References are per distribution.
    expect(store.create('OTHER', { callerReference: 'r', paths: ['/a'] }, now, apply).created).toBe(true);
  });

  it('limits in-progress work to 3,000 paths and, independently, 15 wildcards', async () => {
    const store = new InvalidationStore();
    const paths = (n: number, p: string) => Array.from({ length: n }, (_, i) => `/${p}${i}`);
    store.create('D', { callerReference: '1', paths: paths(2000, 'x') }, now, never);
    store.create('D', { callerReference: '2', paths: paths(1000, 'y') }, now, never);
    expectCode(() => store.create('D', { callerReference: '3', paths: ['/one-more'] }, now, never), 'TooManyInvalidationsInProgress');
    const wild = (n: number, p: string) => Array.from({ length: n }, (_, i) => `/${p}${i}/*`);
    store.create('D', { callerReference: 'w1', paths: wild(10, 'a') }, now, never);
    store.create('D', { callerReference: 'w2', paths: wild(5, 'b') }, now, never);
    expectCode(() => store.create('D', { callerReference: 'w3', paths: ['/c/*'] }, now, never), 'TooManyInvalidationsInProgress');
    // Completed invalidations no longer count.
    const other = new InvalidationStore();
    const done = other.create('D', { callerReference: '1', paths: paths(3000, 'x') }, now, async () => {}).record;
    await done.settled;
    expect(other.create('D', { callerReference: '2', paths: ['/next'] }, now, never).created).toBe(true);
    expect(other.inProgressCount('D')).toBe(1);
  });

  it('counts each #tag item as one individual path, never as a wildcard, in the in-progress limits', () => {
    const store = new InvalidationStore();
    const tags = (n: number, p: string) => Array.from({ length: n }, (_, i) => `#${p}${i}*`);
    store.create('D', { callerReference: 'w', paths: Array.from({ length: 15 }, (_, i) => `/w${i}/*`) }, now, never);
    // 15 wildcards in progress, yet 2,999 tags ending in '*' are accepted: they are not wildcards.
    store.create('D', { callerReference: 't', paths: tags(2999, 't') }, now, never);
    store.create('D', { callerReference: 'p', paths: ['/one'] }, now, never);
    expectCode(() => store.create('D', { callerReference: 'x', paths: ['#one-more'] }, now, never), 'TooManyInvalidationsInProgress');
  });

  it('lists newest first with Marker / NextMarker pages', () => {
    const store = new InvalidationStore();
    const made: InvalidationRecord[] = [];
    for (let i = 0; i < 5; i++) made.push(store.create('D', { callerReference: `r${i}`, paths: ['/a'] }, now, never).record);
    const ids = made.map((r) => r.id).reverse();
    const p1 = store.list('D', '', 2);
    expect(p1.items.map((r) => r.id)).toEqual(ids.slice(0, 2));
    expect(p1).toMatchObject({ isTruncated: true, nextMarker: ids[1], marker: '', maxItems: 2 });
    const p2 = store.list('D', p1.nextMarker!, 2);
    expect(p2.items.map((r) => r.id)).toEqual(ids.slice(2, 4));
    const p3 = store.list('D', p2.nextMarker!, 2);
    expect(p3.items.map((r) => r.id)).toEqual(ids.slice(4));
    expect(p3.isTruncated).toBe(false);
    expect(p3.nextMarker).toBeUndefined();
    expect(store.list('EMPTY', '', 100).items).toEqual([]);
    expectCode(() => store.list('D', 'INOPE', 2), 'InvalidArgument');
  });

  it('restore: same order and cap as at creation (oldest Completed dropped, from the history too); InProgress records applied again', async () => {
    const removed: string[] = [];
    const statuses: string[] = [];
    const history: InvalidationHistory = {
      file: 'test',
      insert() {},
      setStatus: (_d, id, status) => void statuses.push(`${id} ${status}`),
      remove: (_d, id) => void removed.push(id),
      close() {},
    };
    const persisted: PersistedInvalidation[] = Array.from({ length: MAX_RECORDS_PER_DISTRIBUTION + 2 }, (_, i) => ({
      id: `I${String(i).padStart(13, '0')}`,
      distributionId: 'D',
      callerReference: `r${i}`,
      paths: [`/p${i}`],
      createTime: new Date(now.getTime() + i),
      status: i === 0 || i === 5 ? 'InProgress' : 'Completed',
    }));
    const store = new InvalidationStore(history);
    const applied: string[] = [];
    store.restore(persisted, async (r) => void applied.push(r.id));
    // 10,002 records: the two oldest Completed ones (#1, #2) go; #0 is InProgress and stays.
    expect(removed).toEqual([persisted[1]!.id, persisted[2]!.id]);
    expect(store.get('D', persisted[0]!.id)?.status).toBe('InProgress');
    expect(store.list('D', '', 2).items.map((r) => r.id)).toEqual([persisted.at(-1)!.id, persisted.at(-2)!.id]);
    expect(applied).toEqual([persisted[0]!.id, persisted[5]!.id]);
    await store.get('D', persisted[5]!.id)!.settled;
    expect(store.inProgressCount('D')).toBe(0);
    expect(statuses).toEqual([`${persisted[0]!.id} Completed`, `${persisted[5]!.id} Completed`]);
    // CallerReference idempotency over restored records.
    expect(store.create('D', { callerReference: 'r7', paths: ['/p7'] }, now, never).record.id).toBe(persisted[7]!.id);
  });
});
