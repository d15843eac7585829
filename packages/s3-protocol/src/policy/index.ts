// Bucket policies and anonymous access: validate PutBucketPolicy
// bodies, and decide what Principal "*" may do on a website endpoint.
export * from './types.js';
export { validateBucketPolicy, POLICY_MESSAGES, MAX_BUCKET_POLICY_BYTES } from './validate.js';
export {
  evaluateAnonymousAccess,
  evaluatePolicy,
  resourceArnFor,
  type AnonymousAccessRequest,
  type AccessDecision,
} from './evaluate.js';
export { matchesWildcard } from './wildcard.js';
