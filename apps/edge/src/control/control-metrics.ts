/** Counters of the control plane itself (invalidations), rendered next to the runtime's. */
import { LatencyHistogram } from '@bucketfront/http-basics';

/** Upper bounds (seconds) of the invalidation apply-latency histogram; the last bucket is +Inf. */
export const APPLY_LATENCY_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export class ControlMetrics {
  invalidationsCreated = 0;
  invalidationsCompleted = 0;
  /** Invalidations that were not acknowledged by every node in the retry window (left InProgress). */
  invalidationsFailed = 0;
  invalidationPaths = 0;
  /** Invalidations applied here on behalf of a peer edge. */
  peerInvalidationsApplied = 0;
  peerSendFailures = 0;
  readonly applyLatency = new LatencyHistogram(APPLY_LATENCY_BUCKETS);

  observeApplyLatency(seconds: number): void {
    this.applyLatency.observeSeconds(seconds);
  }
}

/** The names of ControlMetrics' counters (its numeric fields). */
export type ControlCounter = { [K in keyof ControlMetrics]: ControlMetrics[K] extends number ? K : never }[keyof ControlMetrics];
