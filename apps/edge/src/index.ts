export type { EdgeRuntime, EdgeEngine } from './runtime.js';
export { createLocalRuntime } from './runtime.js';
export type { EdgeMetricsSnapshot, ResultType } from './metrics.js';
export { mergeSnapshots, emptySnapshot, ORIGIN_LATENCY_BUCKETS } from './metrics.js';
export type * from './config/types.js';
