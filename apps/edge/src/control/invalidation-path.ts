/**
 * Invalidation paths: the API's validation rules and the normalisation applied
 * before handing paths to the runtime, both from the edge's cache policy so the
 * control API and the matcher agree.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-specifying-objects.html
 */
import { isWildcardPath, normaliseInvalidationPath, validateInvalidationPath } from '@bucketfront/cache-policy';
import { errors, type ControlError } from './errors.js';

export { isWildcardPath, normaliseInvalidationPath };

/** Returns the error for a path the API rejects (InvalidArgument), or null when it is acceptable. */
export function checkInvalidationPath(path: string): ControlError | null {
  if (path.length === 0) return errors.invalidArgument('Your request contains an empty invalidation path.');
  const verdict = validateInvalidationPath(path);
  return verdict.ok ? null : errors.invalidArgument(verdict.message);
}
