/**
 * The origin's replication side as handlers see it (`ctx.replication`): where a destination bucket
 * lives (destination.ts over the remotes, remotes.ts), which rule replicates a new version, and the
 * durable queue its record joins before the write is answered. docs/replication.md.
 */
import type { ObjectStore } from '@bucketfront/object-store';
import { replicatesDeleteMarkers, selectReplicationRule, type ReplicationRule } from '@bucketfront/s3-protocol';
import { decodeTagSet } from '../s3/tagging.js';
import type { OutboxGroupCommit } from '../notifications/group-commit.js';
import { locateDestination, type DestinationLookup } from './destination.js';
import { encodeRecord, type ReplicationRecord } from './records.js';
import type { RemoteStore } from './remotes.js';
import type { Backfill } from './backfill.js';
import { loadReplication, type StoredReplication } from './stored-config.js';

/** The rule that replicates a new version, and where to. */
export interface ReplicationMatch {
  rule: ReplicationRule;
  destinationBucket: string;
  destinationRegion: string;
}

export interface ReplicationService {
  /** Finds the remote holding `bucket` (re-reading the remotes first): its region, or S3's error. */
  locateDestination(bucket: string): Promise<DestinationLookup>;
  /** The rule replicating a new object version of `key` with these tags (`x-amz-tagging` form); null when none. */
  matchObject(bucket: string, key: string, tagging: string | undefined): Promise<ReplicationMatch | null>;
  /** The rule replicating a delete marker a user just made on `key`; null when none does. */
  matchDeleteMarker(bucket: string, key: string): Promise<ReplicationMatch | null>;
  /** Appends the version's record to the durable queue; resolves once it is durable. */
  enqueue(match: ReplicationMatch, version: QueuedVersion): Promise<void>;
  /**
   * PutBucketReplication stored a configuration asking for existing objects: (re)starts the
   * bucket's backfill job (backfill.ts). Resolves once the job is durable; it runs in the background.
   */
  startBackfill(bucket: string): Promise<void>;
}

/** The version a record names. */
export interface QueuedVersion {
  bucket: string;
  key: string;
  versionId: string;
  kind: ReplicationRecord['kind'];
  size: number;
  /** A delete marker's time (ms since the epoch), when known: ReplicationRecord.markerTime. */
  markerTime?: number;
}

/** The rule of `stored` replicating this key (with these tags); null when none does (or not a delete marker). */
export function matchIn(stored: StoredReplication, key: string, tags: ReadonlyMap<string, string>, deleteMarker: boolean): ReplicationMatch | null {
  const rule = selectReplicationRule(stored.config, key, tags);
  if (rule === null || (deleteMarker && !replicatesDeleteMarkers(rule))) return null;
  return { rule, destinationBucket: rule.destination.bucket, destinationRegion: stored.destinationRegion };
}

/** The tags of an `x-amz-tagging` string, as rules match them. */
export function tagsOf(tagging: string | undefined): Map<string, string> {
  return new Map(decodeTagSet(tagging).map((t) => [t.key, t.value]));
}

/** The queue record of a version the match replicates (live writes, backfill and crash scan alike). */
export function recordOf(m: ReplicationMatch, v: QueuedVersion): ReplicationRecord {
  return {
    ...v,
    ruleId: m.rule.id,
    destinationBucket: m.destinationBucket,
    destinationRegion: m.destinationRegion,
    ...(m.rule.destination.storageClass !== undefined ? { storageClass: m.rule.destination.storageClass } : {}),
    enqueuedAt: Date.now(),
  };
}

export function replicationService(deps: { remotes: RemoteStore; store: ObjectStore; queue: OutboxGroupCommit; backfill: Backfill; onError: (err: Error) => void }): ReplicationService {
  const { remotes, store, queue, backfill, onError } = deps;
  async function match(bucket: string, key: string, tags: ReadonlyMap<string, string>, deleteMarker: boolean): Promise<ReplicationMatch | null> {
    const stored = await loadReplication(store, bucket);
    return stored === null ? null : matchIn(stored, key, tags, deleteMarker);
  }
  return {
    async locateDestination(bucket) {
      await remotes.refresh();
      return locateDestination(await remotes.endpoints((region, err) => onError(new Error(`replication remote ${region} is unusable: ${err.message}`))), bucket);
    },
    matchObject: (bucket, key, tagging) => match(bucket, key, tagsOf(tagging), false),
    matchDeleteMarker: (bucket, key) => match(bucket, key, new Map(), true),
    async enqueue(m, v) {
      await queue.append([encodeRecord(recordOf(m, v))]);
    },
    async startBackfill(bucket) {
      await backfill.start(bucket);
    },
  };
}
