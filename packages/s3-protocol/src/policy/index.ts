// Bucket policies: validate PutBucketPolicy bodies, and evaluate them for a request.
export * from './types.js';
export { validateBucketPolicy, POLICY_MESSAGES, MAX_BUCKET_POLICY_BYTES } from './validate.js';
export {
  evaluateAnonymousAccess,
  evaluatePolicy,
  isPublicPolicy,
  isPublicStatement,
  resourceArnFor,
  type AnonymousAccessRequest,
  type AccessDecision,
  type PolicyCaller,
  type PolicyRequest,
} from './evaluate.js';
export { conditionHolds, conditionsHold, type ConditionContext } from './conditions.js';
export { matchesWildcard } from './wildcard.js';
