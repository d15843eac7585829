/**
 * Prometheus text-format metrics for /_bucketfront/metrics: requests by
 * operation and status, bytes in/out, a latency histogram; and the store's
 * calls (the metrics decorator in @bucketfront/object-store): counts by
 * operation and outcome, a latency histogram per operation.
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 */
import { LatencyHistogram, PrometheusWriter } from '@bucketfront/http-basics';

/** More metrics rendered after the origin's own (e.g. the notification sender's). */
export type MetricsSection = (w: PrometheusWriter) => void;

/** Entries of a map keyed `a\0b`, in a stable order, as label pairs. */
function labelledCounts(counts: Map<string, number>, labelA: string, labelB: string): Array<[Record<string, string>, number]> {
  return [...counts]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, n]) => {
      const [a, b] = k.split('\u0000');
      return [{ [labelA]: a!, [labelB]: b! }, n];
    });
}

export class OriginMetrics {
  private readonly requests = new Map<string, number>();
  private bytesIn = 0;
  private bytesOut = 0;
  private readonly latency = new LatencyHistogram();
  private readonly storeCalls = new Map<string, number>();
  private readonly storeLatency = new Map<string, LatencyHistogram>();
  private readonly sections: MetricsSection[] = [];

  addSection(section: MetricsSection): void {
    this.sections.push(section);
  }

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
    const w = new PrometheusWriter();
    w.metric('bucketfront_origin_requests_total', 'counter', 'S3 API requests by operation and status.');
    for (const [labels, n] of labelledCounts(this.requests, 'operation', 'status')) w.sample('bucketfront_origin_requests_total', n, labels);
    w.single('bucketfront_origin_bytes_in_total', 'counter', 'Request body bytes received.', this.bytesIn);
    w.single('bucketfront_origin_bytes_out_total', 'counter', 'Response body bytes sent.', this.bytesOut);
    w.histogram('bucketfront_origin_request_duration_seconds', 'Request latency.', this.latency);
    w.metric('bucketfront_origin_store_calls_total', 'counter', 'Calls to the object store (the backend) by operation and outcome (ok or the error code).');
    for (const [labels, n] of labelledCounts(this.storeCalls, 'operation', 'outcome')) w.sample('bucketfront_origin_store_calls_total', n, labels);
    w.metric('bucketfront_origin_store_call_duration_seconds', 'histogram', 'Object store call latency (for getObject: until the object is open).');
    for (const [operation, histogram] of [...this.storeLatency].sort(([a], [b]) => (a < b ? -1 : 1))) {
      w.histogramSamples('bucketfront_origin_store_call_duration_seconds', histogram, { operation });
    }
    for (const section of this.sections) section(w);
    return w.toString();
  }
}
