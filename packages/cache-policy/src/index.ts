/**
 * @bucketfront/cache-policy — pure CloudFront-style cache decisions. Every function takes `now`
 * (ms since epoch) where time matters; nothing here does I/O.
 */
export * from './cache-control.js';
export * from './ttl.js';
export * from './stale.js';
export * from './uri-path.js';
export * from './cache-key.js';
export * from './compression.js';
export * from './behavior.js';
export * from './invalidation.js';
export * from './collapsing.js';
export * from './range.js';
export * from './conditional.js';
