/**
 * Per-process counters for the data plane. Cheap increments on the hot path;
 * `snapshot()` copies them; `mergeSnapshots` aggregates over cluster workers.
 */

import { LatencyHistogram } from '@bucketfront/http-basics';

/** X-Cache / log result types (CloudFront standard log `x-edge-result-type`). */
export type ResultType = 'Hit' | 'RefreshHit' | 'Miss' | 'Error' | 'Pass' | 'Redirect';

export const RESULT_TYPES: readonly ResultType[] = ['Hit', 'RefreshHit', 'Miss', 'Error', 'Pass', 'Redirect'];

/** Upper bounds (seconds) of the origin latency histogram buckets (Prometheus `le`). The last bucket is +Inf. */
export const ORIGIN_LATENCY_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The counters each process keeps (EdgeMetrics.counts); a snapshot over workers sums them. */
export const PROCESS_COUNTERS = [
  'bytesSent',
  'originBytes',
  'collapsedWaiters',
  'staleServes',
  'backgroundRevalidations',
  'functionInvocations',
  'functionErrors',
  'functionResultsReused',
  'originRequests',
  'originErrors',
  'originTlsErrors',
  'evictions',
  'invalidations',
  'sharedHits',
  'sharedStreamedHits',
] as const;
export type ProcessCounter = (typeof PROCESS_COUNTERS)[number];

function zeroCounts(): Record<ProcessCounter, number> {
  return Object.fromEntries(PROCESS_COUNTERS.map((name) => [name, 0])) as Record<ProcessCounter, number>;
}

export interface EdgeMetricsSnapshot {
  /** Number of processes aggregated. */
  workers: number;
  /** Viewer requests by X-Cache result ('Pass' = uncacheable method passed through, 'Redirect' = viewer protocol policy redirect to https). */
  requests: Record<ResultType, number>;
  hits: number;
  misses: number;
  /** Body bytes sent to viewers. */
  bytesSent: number;
  /** Bytes received from origins (bodies). */
  originBytes: number;
  /** Requests that waited on another request's origin fetch (collapsed). */
  collapsedWaiters: number;
  /** Responses served from an expired entry (SWR, SIE, default stale on 5xx/timeout). */
  staleServes: number;
  /** Background SWR revalidations started. */
  backgroundRevalidations: number;
  /** CloudFront Functions runs (viewer-request and viewer-response), and those that failed. */
  functionInvocations: number;
  functionErrors: number;
  /** Invocations answered with the result of an identical earlier one (@bucketfront/cf-functions result-cache.ts): counted in functionInvocations too. */
  functionResultsReused: number;
  originRequests: number;
  originErrors: number;
  /** Origin requests refused because the origin's certificate did not verify (expired, wrong host name, unknown CA): counted in originErrors too. */
  originTlsErrors: number;
  /** Histogram of origin time-to-headers: `counts[i]` = observations ≤ `buckets[i]` (non-cumulative per bucket; last is +Inf). */
  originLatency: { buckets: number[]; counts: number[]; sum: number; count: number };
  cacheEntries: number;
  cacheSizeBytes: number;
  cacheMaxBytes: number;
  evictions: number;
  invalidations: number;
  /** Lookups the memory tier missed and the host's shared tier answered. */
  sharedHits: number;
  /** Of those, hits whose body was sent from its file in chunks (too large for the memory tier: viewer/send-file.ts). */
  sharedStreamedHits: number;
  /** The shared tier: occupancy (the host's, reported once), writes that failed, bodies found torn; disabled = 1 when it could not be used. */
  sharedEntries: number;
  sharedSizeBytes: number;
  sharedMaxBytes: number;
  sharedWriteErrors: number;
  sharedCorruptBodies: number;
  sharedDisabled: number;
}

export function emptySnapshot(): EdgeMetricsSnapshot {
  return {
    workers: 0,
    requests: { Hit: 0, RefreshHit: 0, Miss: 0, Error: 0, Pass: 0, Redirect: 0 },
    hits: 0,
    misses: 0,
    ...zeroCounts(),
    originLatency: new LatencyHistogram(ORIGIN_LATENCY_BUCKETS).snapshot(),
    cacheEntries: 0,
    cacheSizeBytes: 0,
    cacheMaxBytes: 0,
    sharedEntries: 0,
    sharedSizeBytes: 0,
    sharedMaxBytes: 0,
    sharedWriteErrors: 0,
    sharedCorruptBodies: 0,
    sharedDisabled: 0,
  };
}

/** What the shared tier reports into a snapshot (shared-tier.ts sharedMetrics). */
export interface SharedTierMetrics {
  entries: number;
  sizeBytes: number;
  maxBytes: number;
  writeErrors: number;
  corruptBodies: number;
  disabled: boolean;
}

export class EdgeMetrics {
  readonly requests: Record<ResultType, number> = { Hit: 0, RefreshHit: 0, Miss: 0, Error: 0, Pass: 0, Redirect: 0 };
  readonly counts = zeroCounts();
  private readonly originLatency = new LatencyHistogram(ORIGIN_LATENCY_BUCKETS);

  countRequest(result: ResultType, bytes: number): void {
    this.requests[result]++;
    this.counts.bytesSent += bytes;
  }

  observeOriginLatency(seconds: number): void {
    this.originLatency.observeSeconds(seconds);
  }

  snapshot(cache: { entries: number; sizeBytes: number; maxBytes: number }, shared?: SharedTierMetrics): EdgeMetricsSnapshot {
    return {
      workers: 1,
      requests: { ...this.requests },
      hits: this.requests.Hit + this.requests.RefreshHit,
      misses: this.requests.Miss,
      ...this.counts,
      originLatency: this.originLatency.snapshot(),
      cacheEntries: cache.entries,
      cacheSizeBytes: cache.sizeBytes,
      cacheMaxBytes: cache.maxBytes,
      sharedEntries: shared?.entries ?? 0,
      sharedSizeBytes: shared?.sizeBytes ?? 0,
      sharedMaxBytes: shared?.maxBytes ?? 0,
      sharedWriteErrors: shared?.writeErrors ?? 0,
      sharedCorruptBodies: shared?.corruptBodies ?? 0,
      sharedDisabled: shared?.disabled ? 1 : 0,
    };
  }
}

/** Sum snapshots from several workers (histogram buckets must be identical, which they are by construction). */
export function mergeSnapshots(snaps: readonly EdgeMetricsSnapshot[]): EdgeMetricsSnapshot {
  const out = emptySnapshot();
  for (const s of snaps) {
    out.workers += s.workers;
    for (const r of RESULT_TYPES) out.requests[r] += s.requests[r] ?? 0;
    out.hits += s.hits;
    out.misses += s.misses;
    for (const k of PROCESS_COUNTERS) out[k] += s[k] ?? 0;
    s.originLatency.counts.forEach((c, i) => {
      out.originLatency.counts[i] = (out.originLatency.counts[i] ?? 0) + c;
    });
    out.originLatency.sum += s.originLatency.sum;
    out.originLatency.count += s.originLatency.count;
    out.cacheEntries += s.cacheEntries;
    out.cacheSizeBytes += s.cacheSizeBytes;
    out.cacheMaxBytes += s.cacheMaxBytes;
    // One shared tier per host, seen by every process: its occupancy is not summed.
    out.sharedEntries = Math.max(out.sharedEntries, s.sharedEntries ?? 0);
    out.sharedSizeBytes = Math.max(out.sharedSizeBytes, s.sharedSizeBytes ?? 0);
    out.sharedMaxBytes = Math.max(out.sharedMaxBytes, s.sharedMaxBytes ?? 0);
    out.sharedDisabled = Math.max(out.sharedDisabled, s.sharedDisabled ?? 0);
    out.sharedWriteErrors += s.sharedWriteErrors ?? 0;
    out.sharedCorruptBodies += s.sharedCorruptBodies ?? 0;
  }
  return out;
}
