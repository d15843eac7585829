import type { FunctionLimits } from './types.js';

/** CloudFront quota: maximum function size (10 KB), checked at CreateFunction time. */
export const MAX_FUNCTION_SIZE_BYTES = 10 * 1024;

/** CloudFront quota: the URI including the query string must be shorter than 8,192 characters. */
export const MAX_URI_LENGTH = 8192;

/**
 * Defaults (see README "Limits"). The compute budget is ours to pick: CloudFront does not publish
 * its per-invocation time limit (it reports compute utilisation as a percentage of it). 10 ms is
 * ~200× what a typical function needs here (≈ 50 µs), so only runaway code reaches it; it is also
 * above the host pauses measured inside an invocation (V8 garbage collection, up to ~7 ms), which
 * a 5 ms budget occasionally mistook for compute. The heap cap is CloudFront's 2 MB for the
 * function plus the sandbox's own ~0.27 MB (intrinsics, modules, bootstrap).
 */
export const DEFAULT_LIMITS: FunctionLimits = {
  budgetMs: 10,
  memoryBytes: 2.5 * 1024 * 1024,
  stackBytes: 256 * 1024,
  maxInstances: 4,
  logBytes: 10 * 1024,
  throttleAfter: 3,
  throttleMs: 1000,
  lookupTimeoutMs: 1000,
};
