// Bucket policy and ACL decisions (website team).
export * from './policy/index.js';
