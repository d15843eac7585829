/**
 * The invalidations this edge accepted: ids, idempotency by CallerReference,
 * in-progress limits and newest-first listing. In memory, and optionally written
 * through to an InvalidationHistory (SQLite, ./invalidation-history.ts) so the
 * history survives a restart as CloudFront's does; `restore` loads it back.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html#limits-invalidations
 */
import { randomInt } from 'node:crypto';
import { errors } from './errors.js';
import type { InvalidationBatch } from './invalidation-batch.js';
import type { InvalidationHistory, PersistedInvalidation } from './invalidation-history.js';
import { isWildcardItem } from './invalidation-path.js';

export type InvalidationStatus = 'InProgress' | 'Completed';

export interface InvalidationRecord {
  id: string;
  distributionId: string;
  batch: InvalidationBatch;
  createTime: Date;
  status: InvalidationStatus;
  /** Settles (never rejects) once applying finished: Completed, or given up (stays InProgress). */
  settled: Promise<void>;
}

/** In-progress limits per distribution (CloudFront quotas). */
export const MAX_PATHS_IN_PROGRESS = 3000;
export const MAX_WILDCARDS_IN_PROGRESS = 15;
/** History kept per distribution; the oldest completed records are dropped beyond it. */
export const MAX_RECORDS_PER_DISTRIBUTION = 10_000;

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** `I` + 13 upper-case alphanumerics, like CloudFront's invalidation ids (e.g. `I2J0I21PCUYOIK`). */
export function newInvalidationId(): string {
  let id = 'I';
  for (let i = 0; i < 13; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return id;
}

function samePaths(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sa = [...a].sort();
  const sb = [...b].sort();
  return sa.every((p, i) => p === sb[i]);
}

export interface ListPage {
  marker: string;
  nextMarker?: string;
  maxItems: number;
  isTruncated: boolean;
  items: InvalidationRecord[];
}

type Apply = (record: InvalidationRecord) => Promise<void>;

export class InvalidationStore {
  /** Per distribution, oldest first. */
  private readonly byDistribution = new Map<string, InvalidationRecord[]>();

  /** `history`: where records are written through (on create, on Completed, when trimmed). */
  constructor(private readonly history?: InvalidationHistory) {}

  /**
   * Loads persisted records (oldest first), keeping the same per-distribution cap, and
   * applies the ones still InProgress again (an edge stopped before every node acknowledged):
   * they turn Completed when `apply` resolves, as at creation.
   */
  restore(records: readonly PersistedInvalidation[], apply: Apply): void {
    const pending: InvalidationRecord[] = [];
    for (const p of records) {
      const list = this.listFor(p.distributionId);
      if (list.some((r) => r.id === p.id)) continue;
      const record: InvalidationRecord = {
        id: p.id,
        distributionId: p.distributionId,
        batch: { callerReference: p.callerReference, paths: [...p.paths] },
        createTime: p.createTime,
        status: p.status,
        settled: Promise.resolve(),
      };
      list.push(record);
      if (record.status === 'InProgress') pending.push(record);
    }
    for (const list of this.byDistribution.values()) this.trim(list);
    for (const record of pending) this.startApplying(record, apply);
  }

  /**
   * Returns the existing record for a repeated CallerReference with the same paths
   * (`created: false`), or registers a new InProgress record. `apply` is called with
   * the new record to start applying it; when its promise resolves the record turns Completed.
   */
  create(distributionId: string, batch: InvalidationBatch, createTime: Date, apply: Apply): { record: InvalidationRecord; created: boolean } {
    const list = this.listFor(distributionId);
    const previous = list.find((r) => r.batch.callerReference === batch.callerReference);
    if (previous) {
      if (samePaths(previous.batch.paths, batch.paths)) return { record: previous, created: false };
      throw errors.invalidationBatchAlreadyExists();
    }
    this.checkLimits(list, batch);

    let id = newInvalidationId();
    while (list.some((r) => r.id === id)) id = newInvalidationId();
    const record: InvalidationRecord = {
      id,
      distributionId,
      batch: { callerReference: batch.callerReference, paths: [...batch.paths] },
      createTime,
      status: 'InProgress',
      settled: Promise.resolve(),
    };
    list.push(record);
    this.history?.insert({
      id,
      distributionId,
      callerReference: record.batch.callerReference,
      paths: record.batch.paths,
      createTime,
      status: record.status,
    });
    this.startApplying(record, apply);
    this.trim(list);
    return { record, created: true };
  }

  private startApplying(record: InvalidationRecord, apply: Apply): void {
    record.settled = apply(record).then(
      () => {
        record.status = 'Completed';
        this.history?.setStatus(record.distributionId, record.id, 'Completed');
      },
      () => {
        // Not every node acknowledged within the retry window: CloudFront has no failed
        // state, and Completed would be a lie, so the invalidation stays InProgress.
      },
    );
  }

  get(distributionId: string, id: string): InvalidationRecord | undefined {
    return this.byDistribution.get(distributionId)?.find((r) => r.id === id);
  }

  inProgressCount(distributionId: string): number {
    return (this.byDistribution.get(distributionId) ?? []).filter((r) => r.status === 'InProgress').length;
  }

  /** Newest first. `marker` is the id of the last item of the previous page ('' = from the start). */
  list(distributionId: string, marker: string, maxItems: number): ListPage {
    const newestFirst = [...(this.byDistribution.get(distributionId) ?? [])].reverse();
    let start = 0;
    if (marker !== '') {
      const at = newestFirst.findIndex((r) => r.id === marker);
      if (at < 0) throw errors.invalidArgument(`Marker '${marker}' does not match an invalidation of this distribution.`);
      start = at + 1;
    }
    const items = newestFirst.slice(start, start + maxItems);
    const isTruncated = start + maxItems < newestFirst.length;
    const page: ListPage = { marker, maxItems, isTruncated, items };
    if (isTruncated && items.length > 0) page.nextMarker = items[items.length - 1]!.id;
    return page;
  }

  private listFor(distributionId: string): InvalidationRecord[] {
    let list = this.byDistribution.get(distributionId);
    if (!list) {
      list = [];
      this.byDistribution.set(distributionId, list);
    }
    return list;
  }

  /** CloudFront: ≤ 3,000 individual paths (a `#tag` item is one) and, independently, ≤ 15 wildcard paths in progress. */
  private checkLimits(list: readonly InvalidationRecord[], batch: InvalidationBatch): void {
    let paths = 0;
    let wildcards = 0;
    for (const r of list) {
      if (r.status !== 'InProgress') continue;
      for (const p of r.batch.paths) isWildcardItem(p) ? wildcards++ : paths++;
    }
    const newWildcards = batch.paths.filter(isWildcardItem).length;
    const newPaths = batch.paths.length - newWildcards;
    if (paths + newPaths > MAX_PATHS_IN_PROGRESS) {
      throw errors.tooManyInvalidationsInProgress(
        `Processing your request would cause the maximum number of in-progress invalidation paths (${MAX_PATHS_IN_PROGRESS}) to be exceeded: ${paths} in progress, ${newPaths} requested.`,
      );
    }
    if (wildcards + newWildcards > MAX_WILDCARDS_IN_PROGRESS) {
      throw errors.tooManyInvalidationsInProgress(
        `Processing your request would cause the maximum number of in-progress wildcard invalidations (${MAX_WILDCARDS_IN_PROGRESS}) to be exceeded: ${wildcards} in progress, ${newWildcards} requested.`,
      );
    }
  }

  private trim(list: InvalidationRecord[]): void {
    while (list.length > MAX_RECORDS_PER_DISTRIBUTION) {
      const oldestDone = list.findIndex((r) => r.status === 'Completed');
      if (oldestDone < 0) return;
      const [dropped] = list.splice(oldestDone, 1);
      this.history?.remove(dropped!.distributionId, dropped!.id);
    }
  }
}
