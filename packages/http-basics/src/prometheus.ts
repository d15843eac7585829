/**
 * Prometheus text exposition, format 0.0.4:
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** Cumulative-ready histogram data: `counts[i]` observations ≤ `buckets[i]` (non-cumulative), the last one +Inf. */
export interface HistogramData {
  buckets: readonly number[];
  counts: readonly number[];
  sum: number;
  count: number;
}

/** Writes one exposition document; `constLabels` (e.g. `{ pop: 'lhr1' }`) go on every sample. */
export class PrometheusWriter {
  private out = '';
  private readonly constLabels: string;

  constructor(constLabels: Record<string, string> = {}) {
    this.constLabels = formatLabels(constLabels);
  }

  /** The `# HELP` and `# TYPE` lines of a metric family. */
  metric(name: string, type: MetricType, help: string): this {
    this.out += `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`;
    return this;
  }

  /** A metric family with one unlabelled sample (plus the constant labels). */
  single(name: string, type: Exclude<MetricType, 'histogram'>, help: string, value: number): this {
    return this.metric(name, type, help).sample(name, value);
  }

  sample(name: string, value: number, labels: Record<string, string> = {}): this {
    const pairs = [this.constLabels, formatLabels(labels)].filter(Boolean).join(',');
    this.out += `${name}${pairs ? `{${pairs}}` : ''} ${formatNumber(value)}\n`;
    return this;
  }

  /** A whole histogram family (HELP/TYPE, `_bucket` lines, `_sum`, `_count`). */
  histogram(name: string, help: string, data: HistogramData, labels: Record<string, string> = {}): this {
    return this.metric(name, 'histogram', help).histogramSamples(name, data, labels);
  }

  /** The samples of one histogram series, for families with several label sets. */
  histogramSamples(name: string, data: HistogramData, labels: Record<string, string> = {}): this {
    let cumulative = 0;
    data.buckets.forEach((le, i) => {
      cumulative += data.counts[i] ?? 0;
      this.sample(`${name}_bucket`, cumulative, { ...labels, le: String(le) });
    });
    this.sample(`${name}_bucket`, data.count, { ...labels, le: '+Inf' });
    this.sample(`${name}_sum`, data.sum, labels);
    this.sample(`${name}_count`, data.count, labels);
    return this;
  }

  toString(): string {
    return this.out;
  }
}

function formatLabels(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
    .join(',');
}

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

/** Prometheus' conventional latency buckets, in seconds. */
export const DEFAULT_LATENCY_BUCKETS_S: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A histogram in seconds over fixed upper bounds (`le`); the last count is the +Inf bucket. */
export class LatencyHistogram implements HistogramData {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly buckets: readonly number[] = DEFAULT_LATENCY_BUCKETS_S) {
    this.counts = new Array<number>(buckets.length + 1).fill(0);
  }

  observeSeconds(seconds: number): void {
    let i = 0;
    while (i < this.buckets.length && seconds > this.buckets[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }

  observe(durationMs: number): void {
    this.observeSeconds(durationMs / 1000);
  }

  /** A plain copy (it crosses worker boundaries as JSON). */
  snapshot(): { buckets: number[]; counts: number[]; sum: number; count: number } {
    return { buckets: [...this.buckets], counts: [...this.counts], sum: this.sum, count: this.count };
  }
}
