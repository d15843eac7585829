/**
 * GetDistribution: GET /2020-05-31/distribution/{Id}, with an ETag header.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetDistribution.html
 */
import { findDistribution, type ControlHandler } from '../context.js';
import { distributionETag, distributionNode } from '../distribution-xml.js';
import { renderDocument } from '../xml.js';

export const GetDistribution: ControlHandler = (ctx, { params }) => {
  const dist = findDistribution(ctx, params['distributionId']);
  const node = distributionNode(dist, {
    lastModifiedTime: ctx.startedAt,
    inProgressInvalidationBatches: ctx.store.inProgressCount(dist.id),
  });
  return { status: 200, headers: { ETag: distributionETag(dist) }, body: renderDocument('Distribution', node) };
};
