/**
 * GetInvalidation: GET /2020-05-31/distribution/{DistributionId}/invalidation/{Id}.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetInvalidation.html
 */
import { findDistribution, type ControlHandler } from '../context.js';
import { errors } from '../errors.js';
import { renderInvalidation } from '../invalidation-xml.js';

export const GetInvalidation: ControlHandler = (ctx, { params }) => {
  const dist = findDistribution(ctx, params['distributionId']);
  const record = ctx.store.get(dist.id, params['invalidationId'] ?? '');
  if (!record) throw errors.noSuchInvalidation();
  return { status: 200, body: renderInvalidation(record) };
};
