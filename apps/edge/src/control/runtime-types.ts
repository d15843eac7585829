/**
 * The runtime seam the control API drives, re-exported from the edge core
 * (`../runtime.ts`) so control modules import it from one place.
 */
export type { EdgeRuntime, EdgeConfig, EdgeMetricsSnapshot, PublishedFunction } from '../runtime.js';
export type { DistributionConfig, OriginConfig, CacheBehaviorConfig, CustomErrorResponseConfig, OriginGroupConfig } from '../config/types.js';
