/**
 * ListTagsForResource: GET /2020-05-31/tagging?Resource=<distribution ARN> → `<Tags>`.
 * A distribution of the configuration file has none.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ListTagsForResource.html
 */
import type { ControlHandler } from '../context.js';
import { renderTags, taggedDistribution } from '../distribution-tags.js';

export const ListTagsForResource: ControlHandler = (ctx, { query }) => {
  const d = taggedDistribution(ctx, query, false);
  return { status: 200, body: renderTags(d?.tags ?? []) };
};
