/**
 * What `rollback --to TIME` does to each key, pure (docs/rollback.md).
 *
 * A key's state at TIME is its newest version or delete marker with LastModified <= TIME.
 * LastModified has 1-second precision, so an entry written during the second TIME falls in
 * counts as written at or before TIME; among entries of the same second, the listing order
 * (newest first per key, as S3 lists them) decides which is newest.
 *
 * Unchanged: a key absent at TIME that is absent now, and a key whose current version is the
 * version of TIME or a copy of it (same ETag and size), so a second rollback to the same TIME
 * changes nothing.
 */
import type { VersionEntry } from '../s3/object-versions.js';

export type RollbackStep =
  /** Copy `versionId` over the key: it becomes the current version again. */
  | { op: 'restore'; key: string; versionId: string; size: number; current: VersionEntry | undefined }
  /** The key did not exist at TIME (or was deleted): a new delete marker hides it. */
  | { op: 'delete'; key: string; current: VersionEntry }
  | { op: 'unchanged'; key: string };

/** Groups a listing (by key, newest first within a key) into runs of one key. */
export function* byKey(entries: Iterable<VersionEntry>): Generator<VersionEntry[]> {
  let run: VersionEntry[] = [];
  for (const e of entries) {
    if (run.length && run[0]!.key !== e.key) {
      yield run;
      run = [];
    }
    run.push(e);
  }
  if (run.length) yield run;
}

/**
 * The current version is a copy of `then` (an earlier restore or rollback made it): the same
 * ETag and size, as `sync` compares objects. Copying it again would only add a version.
 */
function sameContent(a: VersionEntry, b: VersionEntry): boolean {
  return a.etag !== undefined && a.etag === b.etag && a.size === b.size;
}

/** The step for one key, from its versions and delete markers, newest first. */
export function planKey(versions: readonly VersionEntry[], at: Date): RollbackStep {
  const key = versions[0]?.key ?? '';
  const current = versions.find((v) => v.isLatest) ?? versions[0];
  // LastModified is whole seconds: compare with TIME truncated to its second.
  const cutoff = Math.floor(at.getTime() / 1000) * 1000;
  const then = versions.find((v) => v.lastModified.getTime() <= cutoff);
  const absentThen = then === undefined || then.deleteMarker;
  if (absentThen) {
    if (current === undefined || current.deleteMarker) return { op: 'unchanged', key };
    return { op: 'delete', key, current };
  }
  if (current && !current.deleteMarker && (current.versionId === then.versionId || sameContent(current, then))) return { op: 'unchanged', key };
  return { op: 'restore', key, versionId: then.versionId, size: then.size, current };
}

export function planRollback(entries: Iterable<VersionEntry>, at: Date): RollbackStep[] {
  const steps: RollbackStep[] = [];
  for (const run of byKey(entries)) steps.push(planKey(run, at));
  return steps;
}
