/**
 * TagResource: POST /2020-05-31/tagging?Operation=Tag&Resource=<distribution ARN>, a `<Tags>`
 * document → 204 (a tag of the same key is replaced). `Operation=Untag` is UntagResource.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_TagResource.html
 */
import type { ControlHandler } from '../context.js';
import { parseTags } from '../distribution-request.js';
import { checkTags, taggedDistribution } from '../distribution-tags.js';
import { errors } from '../errors.js';
import { UntagResource } from './UntagResource.js';

export const TagResource: ControlHandler = (ctx, request) => {
  const operation = request.query.get('Operation');
  if (operation === 'Untag') return UntagResource(ctx, request);
  if (operation !== 'Tag') throw errors.invalidArgument(`Operation must be Tag or Untag, got '${operation ?? ''}'.`);
  const d = taggedDistribution(ctx, request.query, true)!;
  const added = parseTags(request.body);
  const tags = [...d.tags.filter((t) => !added.some((a) => a.Key === t.Key)), ...added];
  checkTags(tags);
  ctx.distributions.setTags(d, tags);
  return { status: 204, body: '' };
};
