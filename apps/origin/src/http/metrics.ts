/**
 * Prometheus text-format metrics for /_bucketfront/metrics: requests by
 * operation and status, bytes in/out, a latency histogram; and the store's
 * calls (the metrics decorator in @bucketfront/object-store): counts by
 * operation and outcome, a latency histogram per operation.
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 */
const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

class LatencyHistogram {
  private readonly counts = new Array<number>(LATENCY_BUCKETS_S.length + 1).fill(0);
  private sum = 0;
  private count = 0;

  observe(durationMs: number): void {
    const s = durationMs / 1000;
    let i = 0;
    while (i < LATENCY_BUCKETS_S.length && s > LATENCY_BUCKETS_S[i]!) i++;
    this.counts[i]!++;
    this.sum += s;
    this.count++;
  }

  /** The `_bucket`, `_sum` and `_count` lines; `labels` is `''` or `key="value",`. */
  render(name: string, labels: string, lines: string[]): void {
    let cumulative = 0;
    LATENCY_BUCKETS_S.forEach((le, i) => {
      cumulative += this.counts[i]!;
      lines.push(`${name}_bucket{${labels}le="${le}"} ${cumulative}`);
    });
    cumulative += this.counts[LATENCY_BUCKETS_S.length]!;
    const plain = labels === '' ? '' : `{${labels.slice(0, -1)}}`;
    lines.push(`${name}_bucket{${labels}le="+Inf"} ${cumulative}`, `${name}_sum${plain} ${this.sum}`, `${name}_count${plain} ${this.count}`);
  }
}

/** Counts per label pair, rendered in a stable order. */
function renderCounts(name: string, counts: Map<string, number>, labelA: string, labelB: string, lines: string[]): void {
  for (const [k, n] of [...counts].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [a, b] = k.split('\u0000');
    lines.push(`${name}{${labelA}="${a}",${labelB}="${b}"} ${n}`);
  }
}

export class OriginMetrics {
  private readonly requests = new Map<string, number>();
  private bytesIn = 0;
  private bytesOut = 0;
  private readonly latency = new LatencyHistogram();
  private readonly storeCalls = new Map<string, number>();
  private readonly storeLatency = new Map<string, LatencyHistogram>();

  record(operation: string, status: number, bytesIn: number, bytesOut: number, durationMs: number): void {
    const k = `${operation}\u0000${status}`;
    this.requests.set(k, (this.requests.get(k) ?? 0) + 1);
    this.bytesIn += bytesIn;
    this.bytesOut += bytesOut;
    this.latency.observe(durationMs);
  }

  /** One call to the store: its operation (e.g. getObject), `ok` or the error code, and its time. */
  recordStoreCall(operation: string, outcome: string, durationMs: number): void {
    const k = `${operation}\u0000${outcome}`;
    this.storeCalls.set(k, (this.storeCalls.get(k) ?? 0) + 1);
    let histogram = this.storeLatency.get(operation);
    if (histogram === undefined) this.storeLatency.set(operation, (histogram = new LatencyHistogram()));
    histogram.observe(durationMs);
  }

  render(): string {
    const lines: string[] = [
      '# HELP bucketfront_origin_requests_total S3 API requests by operation and status.',
      '# TYPE bucketfront_origin_requests_total counter',
    ];
    renderCounts('bucketfront_origin_requests_total', this.requests, 'operation', 'status', lines);
    lines.push(
      '# HELP bucketfront_origin_bytes_in_total Request body bytes received.',
      '# TYPE bucketfront_origin_bytes_in_total counter',
      `bucketfront_origin_bytes_in_total ${this.bytesIn}`,
      '# HELP bucketfront_origin_bytes_out_total Response body bytes sent.',
      '# TYPE bucketfront_origin_bytes_out_total counter',
      `bucketfront_origin_bytes_out_total ${this.bytesOut}`,
      '# HELP bucketfront_origin_request_duration_seconds Request latency.',
      '# TYPE bucketfront_origin_request_duration_seconds histogram',
    );
    this.latency.render('bucketfront_origin_request_duration_seconds', '', lines);
    lines.push(
      '# HELP bucketfront_origin_store_calls_total Calls to the object store (the backend) by operation and outcome (ok or the error code).',
      '# TYPE bucketfront_origin_store_calls_total counter',
    );
    renderCounts('bucketfront_origin_store_calls_total', this.storeCalls, 'operation', 'outcome', lines);
    lines.push(
      '# HELP bucketfront_origin_store_call_duration_seconds Object store call latency (for getObject: until the object is open).',
      '# TYPE bucketfront_origin_store_call_duration_seconds histogram',
    );
    for (const [operation, histogram] of [...this.storeLatency].sort(([a], [b]) => (a < b ? -1 : 1))) {
      histogram.render('bucketfront_origin_store_call_duration_seconds', `operation="${operation}",`, lines);
    }
    return lines.join('\n') + '\n';
  }
}
