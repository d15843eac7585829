/** The sender's Prometheus metrics (rendered in the origin's /_bucketfront/metrics). */
import { LatencyHistogram, type PrometheusWriter } from '@bucketfront/http-basics';

/** Seconds from the write's acknowledgement to the destination's: 1 ms … 5 minutes. */
const DELIVERY_BUCKETS_S = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export class SenderMetrics {
  queueDepth = 0;
  private readonly delivered = new Map<string, number>();
  private readonly failed = new Map<string, number>();
  private readonly deadLettered = new Map<string, number>();
  private readonly latency = new LatencyHistogram(DELIVERY_BUCKETS_S);

  recordDelivered(arn: string, count: number, latenciesMs: number[]): void {
    this.delivered.set(arn, (this.delivered.get(arn) ?? 0) + count);
    for (const ms of latenciesMs) this.latency.observe(ms);
  }
  /** One failed deliver() call (its messages are retried). */
  recordFailed(arn: string): void {
    this.failed.set(arn, (this.failed.get(arn) ?? 0) + 1);
  }
  recordDeadLettered(arn: string, count: number): void {
    this.deadLettered.set(arn, (this.deadLettered.get(arn) ?? 0) + count);
  }
  count(kind: 'delivered' | 'failed' | 'deadLettered', arn: string): number {
    return this[kind].get(arn) ?? 0;
  }

  render(w: PrometheusWriter): void {
    w.single('bucketfront_notifications_queue_depth', 'gauge', 'Event messages acknowledged to writers and not yet delivered or dead-lettered.', this.queueDepth);
    const perArn = (name: string, help: string, counts: Map<string, number>): void => {
      w.metric(name, 'counter', help);
      for (const [destination, n] of [...counts].sort(([a], [b]) => (a < b ? -1 : 1))) w.sample(name, n, { destination });
    };
    perArn('bucketfront_notifications_delivered_total', 'Event messages a destination acknowledged, by destination ARN.', this.delivered);
    perArn('bucketfront_notifications_failed_deliveries_total', 'Delivery attempts that failed (retried later), by destination ARN.', this.failed);
    perArn('bucketfront_notifications_dead_lettered_total', 'Event messages dead-lettered after the last attempt, by destination ARN.', this.deadLettered);
    w.histogram('bucketfront_notifications_delivery_latency_seconds', 'Time from the write acknowledged to the client to the destination acknowledging its event.', this.latency);
  }
}
