/**
 * UpdateDistribution: PUT /2020-05-31/distribution/{Id}/config, If-Match: the current ETag, a whole
 * DistributionConfig → 200, the new ETag, `<Distribution>`. Missing If-Match → InvalidIfMatchVersion,
 * another ETag → PreconditionFailed; the CallerReference cannot change (IllegalUpdate). A
 * distribution of the configuration file is read-only: IllegalUpdate, saying so.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_UpdateDistribution.html
 *
 * From a peer edge (`x-bucketfront-peer: 1`, apply-distribution.ts) the body is the distribution
 * as that edge stores it; created here if new, ignored if this edge has a later version.
 */
import { applyDistributionChange, parsePeerDistribution } from '../apply-distribution.js';
import { requireApiDistribution, type ControlHandler } from '../context.js';
import { parseDistributionConfig } from '../distribution-request.js';
import { specContext } from '../distribution-tags.js';
import { ControlError } from '../errors.js';
import { checkIfMatch } from '../if-match.js';
import { PEER_HEADER } from '../peer-fanout.js';
import { distributionResponse } from './CreateDistribution.js';

export const UpdateDistribution: ControlHandler = async (ctx, { req, body, params }) => {
  const id = params['distributionId'] ?? '';
  if (req.headers[PEER_HEADER] === '1') {
    const d = parsePeerDistribution(body, id);
    if (ctx.distributions.mirror(d, ctx.config)) await applyDistributionChange(ctx, id, { put: d }, true);
    return distributionResponse(ctx, id, 200);
  }
  const current = requireApiDistribution(ctx, id, 'IllegalUpdate');
  checkIfMatch(req, current.etag);
  const spec = parseDistributionConfig(body);
  if (spec.callerReference !== current.spec.callerReference) {
    throw new ControlError('IllegalUpdate', 400, 'The update contains modifications that are not allowed: the CallerReference of a distribution cannot change.');
  }
  const d = ctx.distributions.update(current, spec, ctx.now(), specContext(ctx, id));
  await applyDistributionChange(ctx, id, { put: d });
  return distributionResponse(ctx, id, 200);
};
