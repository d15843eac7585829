export { main, createProgram } from './program.js';
export { planSync, resolveHashed } from './sync/plan.js';
export { buildFilter, fnmatchToRegExp } from './sync/filters.js';
export { buildCacheControl } from './sync/cache-control.js';
export { invalidationPaths, encodeInvalidationPath } from './deploy/invalidation-paths.js';
export { createPresignedPost, type PresignedPost, type PresignedPostInput } from './s3/presigned-post.js';
