/**
 * Prometheus text exposition (format 0.0.4) of the runtime's snapshot and the
 * control plane's counters.
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */
import type { EdgeMetricsSnapshot } from './runtime-types.js';
import type { ControlMetrics } from './control-metrics.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

class Writer {
  private out = '';
  constructor(private readonly labels: string) {}

  metric(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): this {
    this.out += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;
    return this;
  }

  sample(name: string, value: number, extra: Record<string, string> = {}): this {
    const pairs = [this.labels, ...Object.entries(extra).map(([k, v]) => `${k}="${escapeLabel(v)}"`)].filter(Boolean);
    this.out += `${name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${formatNumber(value)}\n`;
    return this;
  }

  /** `counts` are per bucket (non-cumulative), the last one being +Inf. */
  histogram(name: string, help: string, h: { buckets: readonly number[]; counts: readonly number[]; sum: number; count: number }): this {
    this.metric(name, 'histogram', help);
    let cumulative = 0;
    h.buckets.forEach((le, i) => {
      cumulative += h.counts[i] ?? 0;
      this.sample(`${name}_bucket`, cumulative, { le: String(le) });
    });
    this.sample(`${name}_bucket`, h.count, { le: '+Inf' });
    this.sample(`${name}_sum`, h.sum);
    this.sample(`${name}_count`, h.count);
    return this;
  }

  toString(): string {
    return this.out;
  }
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

export function renderPrometheus(snap: EdgeMetricsSnapshot, control: ControlMetrics, pop: string): string {
  const w = new Writer(`pop="${escapeLabel(pop)}"`);
  w.metric('bucketfront_edge_requests_total', 'counter', 'Viewer requests by X-Cache result (Pass = uncacheable, passed through).');
  for (const [result, n] of Object.entries(snap.requests)) w.sample('bucketfront_edge_requests_total', n, { result });
  const lookups = snap.hits + snap.misses;
  w.metric('bucketfront_edge_cache_hit_ratio', 'gauge', 'Hits (Hit + RefreshHit) / (hits + misses) since start; 0 before any cacheable request.')
    .sample('bucketfront_edge_cache_hit_ratio', lookups === 0 ? 0 : snap.hits / lookups);
  w.metric('bucketfront_edge_sent_bytes_total', 'counter', 'Body bytes sent to viewers.').sample('bucketfront_edge_sent_bytes_total', snap.bytesSent);
  w.metric('bucketfront_edge_origin_bytes_total', 'counter', 'Body bytes received from origins.').sample('bucketfront_edge_origin_bytes_total', snap.originBytes);
  w.metric('bucketfront_edge_collapsed_waiters_total', 'counter', 'Requests that waited for another request\'s origin fetch.')
    .sample('bucketfront_edge_collapsed_waiters_total', snap.collapsedWaiters);
  w.metric('bucketfront_edge_stale_serves_total', 'counter', 'Responses served from an expired entry (stale-while-revalidate, stale-if-error).')
    .sample('bucketfront_edge_stale_serves_total', snap.staleServes);
  w.metric('bucketfront_edge_background_revalidations_total', 'counter', 'Background revalidations started.')
    .sample('bucketfront_edge_background_revalidations_total', snap.backgroundRevalidations);
  w.metric('bucketfront_edge_function_invocations_total', 'counter', 'CloudFront Functions runs (viewer-request and viewer-response).')
    .sample('bucketfront_edge_function_invocations_total', snap.functionInvocations);
  w.metric('bucketfront_edge_function_errors_total', 'counter', 'CloudFront Functions runs that failed (error, limit, invalid result).')
    .sample('bucketfront_edge_function_errors_total', snap.functionErrors);
  w.metric('bucketfront_edge_origin_requests_total', 'counter', 'Requests sent to origins.').sample('bucketfront_edge_origin_requests_total', snap.originRequests);
  w.metric('bucketfront_edge_origin_errors_total', 'counter', 'Origin requests that failed (connect error, timeout).')
    .sample('bucketfront_edge_origin_errors_total', snap.originErrors);
  w.histogram('bucketfront_edge_origin_latency_seconds', 'Origin time to response headers.', snap.originLatency);
  w.metric('bucketfront_edge_cache_entries', 'gauge', 'Entries in the cache (all workers).').sample('bucketfront_edge_cache_entries', snap.cacheEntries);
  w.metric('bucketfront_edge_cache_size_bytes', 'gauge', 'Bytes held by the cache (all workers).').sample('bucketfront_edge_cache_size_bytes', snap.cacheSizeBytes);
  w.metric('bucketfront_edge_cache_max_bytes', 'gauge', 'Cache capacity (all workers).').sample('bucketfront_edge_cache_max_bytes', snap.cacheMaxBytes);
  w.metric('bucketfront_edge_cache_evictions_total', 'counter', 'Entries evicted to stay within the cache size.')
    .sample('bucketfront_edge_cache_evictions_total', snap.evictions);
  w.metric('bucketfront_edge_shared_hits_total', 'counter', 'Memory-tier misses answered by the host\'s shared (disk) tier.').sample('bucketfront_edge_shared_hits_total', snap.sharedHits);
  w.metric('bucketfront_edge_shared_entries', 'gauge', 'Entries in the host\'s shared (disk) tier.').sample('bucketfront_edge_shared_entries', snap.sharedEntries);
  w.metric('bucketfront_edge_shared_size_bytes', 'gauge', 'Bytes held by the shared (disk) tier.').sample('bucketfront_edge_shared_size_bytes', snap.sharedSizeBytes);
  w.metric('bucketfront_edge_shared_max_bytes', 'gauge', 'Shared (disk) tier capacity (cache.maxDiskBytes).').sample('bucketfront_edge_shared_max_bytes', snap.sharedMaxBytes);
  w.metric('bucketfront_edge_shared_write_errors_total', 'counter', 'Writes to the shared (disk) tier that failed (full or unwritable directory); the edge serves from memory and the origin.')
    .sample('bucketfront_edge_shared_write_errors_total', snap.sharedWriteErrors);
  w.metric('bucketfront_edge_shared_corrupt_bodies_total', 'counter', 'Bodies in the shared tier found torn or truncated (checksum or length): dropped and refetched, never served.')
    .sample('bucketfront_edge_shared_corrupt_bodies_total', snap.sharedCorruptBodies);
  w.metric('bucketfront_edge_shared_disabled', 'gauge', '1 when the shared (disk) tier could not be used at all (see the start-up warning).').sample('bucketfront_edge_shared_disabled', snap.sharedDisabled);
  w.metric('bucketfront_edge_workers', 'gauge', 'Data-plane processes reporting.').sample('bucketfront_edge_workers', snap.workers);
  w.metric('bucketfront_edge_invalidations_applied_total', 'counter', 'Invalidation batches applied by the data plane (per worker).')
    .sample('bucketfront_edge_invalidations_applied_total', snap.invalidations);

  w.metric('bucketfront_control_invalidations_created_total', 'counter', 'CreateInvalidation requests that created an invalidation on this edge.')
    .sample('bucketfront_control_invalidations_created_total', control.invalidationsCreated);
  w.metric('bucketfront_control_invalidations_completed_total', 'counter', 'Invalidations acknowledged by every worker and peer (Completed).')
    .sample('bucketfront_control_invalidations_completed_total', control.invalidationsCompleted);
  w.metric('bucketfront_control_invalidations_failed_total', 'counter', 'Invalidations not acknowledged by every node within the retry window (left InProgress).')
    .sample('bucketfront_control_invalidations_failed_total', control.invalidationsFailed);
  w.metric('bucketfront_control_invalidation_paths_total', 'counter', 'Paths in created invalidations.')
    .sample('bucketfront_control_invalidation_paths_total', control.invalidationPaths);
  w.metric('bucketfront_control_peer_invalidations_applied_total', 'counter', 'Invalidations applied here on behalf of a peer edge.')
    .sample('bucketfront_control_peer_invalidations_applied_total', control.peerInvalidationsApplied);
  w.metric('bucketfront_control_peer_send_failures_total', 'counter', 'Peers that did not acknowledge an invalidation within the retry window.')
    .sample('bucketfront_control_peer_send_failures_total', control.peerSendFailures);
  w.histogram('bucketfront_control_invalidation_apply_seconds', 'Time from CreateInvalidation to Completed (all workers and peers).', control.applyLatency);
  return w.toString();
}
