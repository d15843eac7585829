/**
 * UntagResource: POST /2020-05-31/tagging?Operation=Untag&Resource=<distribution ARN>, a
 * `<TagKeys>` document → 204 (keys the distribution does not have are ignored).
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_UntagResource.html
 */
import type { ControlHandler } from '../context.js';
import { parseTagKeys } from '../distribution-request.js';
import { taggedDistribution } from '../distribution-tags.js';

export const UntagResource: ControlHandler = (ctx, { query, body }) => {
  const d = taggedDistribution(ctx, query, true)!;
  const keys = parseTagKeys(body);
  ctx.distributions.setTags(
    d,
    d.tags.filter((t) => !keys.includes(t.Key)),
  );
  return { status: 204, body: '' };
};
