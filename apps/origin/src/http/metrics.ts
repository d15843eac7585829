/**
 * Prometheus text-format metrics for /_bucketfront/metrics:
 * requests by operation and status, bytes in/out, a latency histogram.
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 */
const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class OriginMetrics {
  private readonly requests = new Map<string, number>();
  private bytesIn = 0;
  private bytesOut = 0;
  private readonly latencyCounts = new Array<number>(LATENCY_BUCKETS_S.length + 1).fill(0);
  private latencySum = 0;
  private latencyCount = 0;

  record(operation: string, status: number, bytesIn: number, bytesOut: number, durationMs: number): void {
    const k = `${operation}\u0000${status}`;
    this.requests.set(k, (this.requests.get(k) ?? 0) + 1);
    this.bytesIn += bytesIn;
    this.bytesOut += bytesOut;
    const s = durationMs / 1000;
    let i = 0;
    while (i < LATENCY_BUCKETS_S.length && s > LATENCY_BUCKETS_S[i]!) i++;
    this.latencyCounts[i]!++;
    this.latencySum += s;
    this.latencyCount++;
  }

  render(): string {
    const lines: string[] = [
      '# HELP bucketfront_origin_requests_total S3 API requests by operation and status.',
      '# TYPE bucketfront_origin_requests_total counter',
    ];
    for (const [k, n] of [...this.requests].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const [op, status] = k.split('\u0000');
      lines.push(`bucketfront_origin_requests_total{operation="${op}",status="${status}"} ${n}`);
    }
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
    let cumulative = 0;
    LATENCY_BUCKETS_S.forEach((le, i) => {
      cumulative += this.latencyCounts[i]!;
      lines.push(`bucketfront_origin_request_duration_seconds_bucket{le="${le}"} ${cumulative}`);
    });
    cumulative += this.latencyCounts[LATENCY_BUCKETS_S.length]!;
    lines.push(
      `bucketfront_origin_request_duration_seconds_bucket{le="+Inf"} ${cumulative}`,
      `bucketfront_origin_request_duration_seconds_sum ${this.latencySum}`,
      `bucketfront_origin_request_duration_seconds_count ${this.latencyCount}`,
    );
    return lines.join('\n') + '\n';
  }
}
