/**
 * GetDistribution: GET /2020-05-31/distribution/{Id}, with an ETag header.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetDistribution.html
 */
import { findDistributionView, type ControlHandler } from '../context.js';
import { distributionETag, distributionNode } from '../distribution-xml.js';
import { renderDocument } from '../xml.js';

export const GetDistribution: ControlHandler = (ctx, { params }) => {
  const { config, meta } = findDistributionView(ctx, params['distributionId']);
  return { status: 200, headers: { ETag: distributionETag(config, meta.api) }, body: renderDocument('Distribution', distributionNode(config, meta)) };
};
