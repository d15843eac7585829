export * from './errors.js';
export * from './names.js';
export * from './operation.js';
export * from './parse-request.js';
export * from './versioning.js';
export * from './xml/index.js';
// Bucket policy and ACL decisions.
export * from './policy/index.js';
