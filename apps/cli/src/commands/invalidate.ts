/**
 * `invalidate --distribution ID PATH|#TAG… [--wait]`: CreateInvalidation against the edge control API
 * or CloudFront; `#tag` items invalidate by cache tag (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-specifying-tags.html).
 */
import { isValidCacheTag } from '@bucketfront/edge/cache-tags';
import { createInvalidation, makeCloudFrontClient, waitForInvalidation } from '../deploy/cloudfront.js';
import { UsageError } from '../util/errors.js';
import type { GlobalOpts } from './common.js';

export interface InvalidateOpts extends GlobalOpts {
  distribution: string;
  wait?: boolean;
  waitTimeout?: string;
  json?: boolean;
}

export async function invalidateCommand(paths: string[], o: InvalidateOpts): Promise<number> {
  if (!paths.length) throw new UsageError('give at least one path to invalidate, e.g. /index.html or /*, or a cache tag, e.g. #release-42');
  const bad = paths.find((p) => !p.startsWith('/') && !p.startsWith('#'));
  if (bad) throw new UsageError(`invalidation paths start with '/' (cache tags with '#'): ${bad}`);
  const badTag = paths.find((p) => p.startsWith('#') && !isValidCacheTag(p.slice(1)));
  if (badTag) throw new UsageError(`invalid cache tag ${badTag}: 1–256 visible ASCII characters (33–126) other than ','`);
  const cf = makeCloudFrontClient({ endpointUrl: o.endpointUrl, profile: o.profile, caBundle: o.caBundle });
  try {
    const inv = await createInvalidation(cf, o.distribution, paths);
    if (!o.json) process.stdout.write(`invalidation ${inv.id}: ${inv.status}\n`);
    if (o.wait && inv.status !== 'Completed') {
      inv.status = await waitForInvalidation(cf, o.distribution, inv.id, { timeoutMs: Number(o.waitTimeout ?? 600) * 1000 });
      if (!o.json) process.stdout.write(`invalidation ${inv.id}: ${inv.status}\n`);
    }
    if (o.json) process.stdout.write(`${JSON.stringify({ distribution: o.distribution, ...inv })}\n`);
    return 0;
  } finally {
    cf.destroy();
  }
}
