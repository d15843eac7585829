import type { FunctionLimits } from './types.js';

/** CloudFront quota: maximum function size (10 KB), checked at CreateFunction time. */
export const MAX_FUNCTION_SIZE_BYTES = 10 * 1024;

/** CloudFront quota: the URI including the query string must be shorter than 8,192 characters. */
export const MAX_URI_LENGTH = 8192;

/**
 * Defaults. The compute budget is ours to pick: CloudFront does not publish its per-invocation
 * time limit (it reports compute utilisation as a percentage of it). 5 ms is about 100× what a
 * typical function needs here, so only runaway code hits it, and it keeps a stuck function from
 * holding an edge worker for long. The heap cap is CloudFront's 2 MB for the function plus the
 * sandbox's own runtime (~0.5 MB of intrinsics, modules and bootstrap, measured in engine tests).
 */
export const DEFAULT_LIMITS: FunctionLimits = {
  budgetMs: 5,
  memoryBytes: 2.5 * 1024 * 1024,
  stackBytes: 256 * 1024,
  maxInstances: 4,
  logBytes: 10 * 1024,
};
