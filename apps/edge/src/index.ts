/**
 * @bucketfront/edge — CloudFront-style caching edge (data plane + control API).
 */
export { startEdge, type StartEdgeOptions, type RunningEdge } from './start.js';
export type { EdgeRuntime, EdgeEngine } from './runtime.js';
export { createLocalRuntime } from './runtime.js';
export type { EdgeMetricsSnapshot, ResultType } from './metrics.js';
export { mergeSnapshots, emptySnapshot, ORIGIN_LATENCY_BUCKETS, RESULT_TYPES } from './metrics.js';
export type * from './config/types.js';
export { validateEdgeConfig, EdgeConfigError, CONFIG_DEFAULTS } from './config/validate.js';
export { loadEdgeConfig, parseEdgeConfig } from './config/load.js';
export { createEdgeEngine, type EdgeEngineHandle, type EdgeEngineOptions } from './engine.js';
export { createViewerServer } from './server.js';
