/**
 * Prometheus text exposition of the runtime's snapshot and the control plane's counters.
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */
import { PrometheusWriter } from '@bucketfront/http-basics';
import type { EdgeMetricsSnapshot } from './runtime-types.js';
import type { ControlCounter, ControlMetrics } from './control-metrics.js';

export { PROMETHEUS_CONTENT_TYPE } from '@bucketfront/http-basics';

/** The numeric fields of EdgeMetricsSnapshot. */
type SnapshotNumber = { [K in keyof EdgeMetricsSnapshot]: EdgeMetricsSnapshot[K] extends number ? K : never }[keyof EdgeMetricsSnapshot];

/** The snapshot's counters and gauges: metric name, type, help text, field of EdgeMetricsSnapshot. */
const SNAPSHOT_METRICS: ReadonlyArray<readonly [string, 'counter' | 'gauge', string, SnapshotNumber]> = [
  [
    'bucketfront_edge_shared_write_errors_total',
    'counter',
    'Writes to the shared (disk) tier that failed (full or unwritable directory); the edge serves from memory and the origin.',
    'sharedWriteErrors',
  ],
  ['bucketfront_edge_shared_corrupt_bodies_total', 'counter', 'Bodies in the shared tier found torn or truncated (checksum or length): dropped and refetched, never served.', 'sharedCorruptBodies'],
  ['bucketfront_edge_sent_bytes_total', 'counter', 'Body bytes sent to viewers.', 'bytesSent'],
  ['bucketfront_edge_origin_bytes_total', 'counter', 'Body bytes received from origins.', 'originBytes'],
  ['bucketfront_edge_collapsed_waiters_total', 'counter', "Requests that waited for another request's origin fetch.", 'collapsedWaiters'],
  ['bucketfront_edge_stale_serves_total', 'counter', 'Responses served from an expired entry (stale-while-revalidate, stale-if-error).', 'staleServes'],
  ['bucketfront_edge_background_revalidations_total', 'counter', 'Background revalidations started.', 'backgroundRevalidations'],
  ['bucketfront_edge_function_invocations_total', 'counter', 'CloudFront Functions runs (viewer-request and viewer-response).', 'functionInvocations'],
  ['bucketfront_edge_function_errors_total', 'counter', 'CloudFront Functions runs that failed (error, limit, invalid result).', 'functionErrors'],
  [
    'bucketfront_edge_function_results_reused_total',
    'counter',
    'CloudFront Functions runs answered with the result of an identical earlier run, without entering the sandbox.',
    'functionResultsReused',
  ],
  ['bucketfront_edge_origin_requests_total', 'counter', 'Requests sent to origins.', 'originRequests'],
  ['bucketfront_edge_origin_errors_total', 'counter', 'Origin requests that failed (connect error, timeout).', 'originErrors'],
  ['bucketfront_edge_origin_tls_errors_total', 'counter', "Origin requests refused because the origin's certificate did not verify (expired, wrong host name, unknown CA).", 'originTlsErrors'],
  ['bucketfront_edge_cache_entries', 'gauge', 'Entries in the cache (all workers).', 'cacheEntries'],
  ['bucketfront_edge_cache_size_bytes', 'gauge', 'Bytes held by the cache (all workers).', 'cacheSizeBytes'],
  ['bucketfront_edge_cache_max_bytes', 'gauge', 'Cache capacity (all workers).', 'cacheMaxBytes'],
  ['bucketfront_edge_cache_evictions_total', 'counter', 'Entries evicted to stay within the cache size.', 'evictions'],
  ['bucketfront_edge_shared_hits_total', 'counter', "Memory-tier misses answered by the host's shared (disk) tier.", 'sharedHits'],
  ['bucketfront_edge_shared_streamed_hits_total', 'counter', 'Shared-tier hits whose body was streamed from its file (too large for the memory tier).', 'sharedStreamedHits'],
  ['bucketfront_edge_shared_entries', 'gauge', "Entries in the host's shared (disk) tier.", 'sharedEntries'],
  ['bucketfront_edge_shared_size_bytes', 'gauge', 'Bytes held by the shared (disk) tier.', 'sharedSizeBytes'],
  ['bucketfront_edge_shared_max_bytes', 'gauge', 'Shared (disk) tier capacity (cache.maxDiskBytes).', 'sharedMaxBytes'],
  ['bucketfront_edge_shared_disabled', 'gauge', '1 when the shared (disk) tier could not be used at all (see the start-up warning).', 'sharedDisabled'],
  ['bucketfront_edge_workers', 'gauge', 'Data-plane processes reporting.', 'workers'],
  ['bucketfront_edge_invalidations_applied_total', 'counter', 'Invalidation batches applied by the data plane (per worker).', 'invalidations'],
];

/** The control plane's counters: metric name, help text, field of ControlMetrics. */
const CONTROL_COUNTERS: ReadonlyArray<readonly [string, string, ControlCounter]> = [
  ['bucketfront_control_invalidations_created_total', 'CreateInvalidation requests that created an invalidation on this edge.', 'invalidationsCreated'],
  ['bucketfront_control_invalidations_completed_total', 'Invalidations acknowledged by every worker and peer (Completed).', 'invalidationsCompleted'],
  ['bucketfront_control_invalidations_failed_total', 'Invalidations not acknowledged by every node within the retry window (left InProgress).', 'invalidationsFailed'],
  ['bucketfront_control_invalidation_paths_total', 'Paths in created invalidations.', 'invalidationPaths'],
  ['bucketfront_control_peer_invalidations_applied_total', 'Invalidations applied here on behalf of a peer edge.', 'peerInvalidationsApplied'],
  ['bucketfront_control_peer_send_failures_total', 'Peers that did not acknowledge an invalidation within the retry window.', 'peerSendFailures'],
];

export function renderPrometheus(snap: EdgeMetricsSnapshot, control: ControlMetrics, pop: string): string {
  const w = new PrometheusWriter({ pop });
  w.metric('bucketfront_edge_requests_total', 'counter', 'Viewer requests by X-Cache result (Pass = uncacheable, passed through; Redirect = to https, viewer protocol policy).');
  for (const [result, n] of Object.entries(snap.requests)) w.sample('bucketfront_edge_requests_total', n, { result });
  const lookups = snap.hits + snap.misses;
  w.single('bucketfront_edge_cache_hit_ratio', 'gauge', 'Hits (Hit + RefreshHit) / (hits + misses) since start; 0 before any cacheable request.', lookups === 0 ? 0 : snap.hits / lookups);
  for (const [name, type, help, field] of SNAPSHOT_METRICS) w.single(name, type, help, snap[field]);
  w.histogram('bucketfront_edge_origin_latency_seconds', 'Origin time to response headers.', snap.originLatency);

  for (const [name, help, field] of CONTROL_COUNTERS) w.single(name, 'counter', help, control[field]);
  w.histogram('bucketfront_control_invalidation_apply_seconds', 'Time from CreateInvalidation to Completed (all workers and peers).', control.applyLatency);
  return w.toString();
}
