/**
 * DeleteDistribution: DELETE /2020-05-31/distribution/{Id}, If-Match: the current ETag → 204.
 * As CloudFront requires, the distribution must be disabled first (UpdateDistribution with
 * Enabled false): else DistributionNotDisabled (409). One of the configuration file is
 * read-only (AccessDenied, saying so).
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DeleteDistribution.html
 */
import { applyDistributionChange, peerDeleteTime } from '../apply-distribution.js';
import { requireApiDistribution, type ControlHandler } from '../context.js';
import { ControlError, errors } from '../errors.js';
import { checkIfMatch } from '../if-match.js';
import { PEER_HEADER } from '../peer-fanout.js';

export const DeleteDistribution: ControlHandler = async (ctx, { req, params }) => {
  const id = params['distributionId'] ?? '';
  if (req.headers[PEER_HEADER] === '1') {
    const at = peerDeleteTime(req);
    if (ctx.distributions.get(id) === undefined) throw errors.noSuchDistribution();
    if (ctx.distributions.mirrorRemove(id, at)) await applyDistributionChange(ctx, id, { removedAt: at }, true);
    return { status: 204, body: '' };
  }
  const d = requireApiDistribution(ctx, id, 'AccessDenied');
  checkIfMatch(req, d.etag);
  if (d.spec.enabled) throw new ControlError('DistributionNotDisabled', 409, 'The distribution you are trying to delete has not been disabled.');
  const at = ctx.now();
  ctx.distributions.remove(id);
  await applyDistributionChange(ctx, id, { removedAt: at });
  return { status: 204, body: '' };
};
