/** `invalidate --distribution ID PATH… [--wait]`: CreateInvalidation against the edge control API or CloudFront. */
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
  if (!paths.length) throw new UsageError('give at least one path to invalidate, e.g. /index.html or /*');
  const bad = paths.find((p) => !p.startsWith('/'));
  if (bad) throw new UsageError(`invalidation paths start with '/': ${bad}`);
  const cf = makeCloudFrontClient({ endpointUrl: o.endpointUrl, profile: o.profile });
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
