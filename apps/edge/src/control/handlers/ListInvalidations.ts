/**
 * ListInvalidations: GET /2020-05-31/distribution/{DistributionId}/invalidation?Marker=&MaxItems=
 * Newest first; `NextMarker` is the last id of a truncated page, passed back as `Marker`.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ListInvalidations.html
 */
import { findDistribution, parseMaxItems, type ControlHandler } from '../context.js';
import { renderInvalidationList } from '../invalidation-xml.js';

export const ListInvalidations: ControlHandler = (ctx, { params, query }) => {
  const dist = findDistribution(ctx, params['distributionId']);
  const page = ctx.store.list(dist.id, query.get('Marker') ?? '', parseMaxItems(query));
  return { status: 200, body: renderInvalidationList(page) };
};
