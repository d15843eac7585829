/**
 * GetDistributionConfig: GET /2020-05-31/distribution/{Id}/config, with an ETag header.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetDistributionConfig.html
 */
import { findDistributionView, type ControlHandler } from '../context.js';
import { distributionConfigNode, distributionETag } from '../distribution-xml.js';
import { renderDocument } from '../xml.js';

export const GetDistributionConfig: ControlHandler = (ctx, { params }) => {
  const { config, meta } = findDistributionView(ctx, params['distributionId']);
  return { status: 200, headers: { ETag: distributionETag(config, meta.api) }, body: renderDocument('DistributionConfig', distributionConfigNode(config, meta.api)) };
};
