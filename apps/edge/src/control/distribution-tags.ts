/**
 * Tags of the distributions created through the API (TagResource, UntagResource,
 * ListTagsForResource, CreateDistributionWithTags), and what their handlers share.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_TagResource.html
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/tagging.html (limits)
 */
import { allDistributions, requireApiDistribution, type ControlContext } from './context.js';
import type { Tag } from './distribution-request.js';
import type { SpecContext } from './distribution-spec.js';
import type { ApiDistribution } from './distribution-store.js';
import { ACCOUNT_ID } from './distribution-xml.js';
import { ControlError, errors } from './errors.js';
import { renderDocument, type XmlNode } from './xml.js';

const MAX_TAGS = 50;
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

const invalidTagging = (message: string) => new ControlError('InvalidTagging', 400, message);

/** CloudFront's tag rules: keys 1–128 characters, values 0–256, letters, digits, spaces and `_ . : / = + - @`, at most 50. */
export function checkTags(tags: readonly Tag[]): void {
  if (tags.length > MAX_TAGS) throw invalidTagging(`A resource has at most ${MAX_TAGS} tags.`);
  for (const t of tags) {
    if (t.Key.length < 1 || t.Key.length > 128 || !TAG_CHARS.test(t.Key)) throw invalidTagging(`The tag key '${t.Key}' is not valid: 1-128 letters, digits, spaces and _ . : / = + - @.`);
    if (t.Value.length > 256 || !TAG_CHARS.test(t.Value)) throw invalidTagging(`The value of tag '${t.Key}' is not valid: at most 256 letters, digits, spaces and _ . : / = + - @.`);
  }
}

/** The distribution an ARN names (`arn:aws:cloudfront::<account>:distribution/<Id>`): `undefined` for one of the configuration file. */
export function taggedDistribution(ctx: ControlContext, query: URLSearchParams, forWrite: boolean): ApiDistribution | undefined {
  const arn = query.get('Resource') ?? '';
  const m = /^arn:aws:cloudfront::(\d{12}):distribution\/([A-Z0-9]+)$/.exec(arn);
  if (!m) throw errors.invalidArgument(`The Resource '${arn}' is not a distribution ARN (arn:aws:cloudfront::${ACCOUNT_ID}:distribution/<Id>).`);
  const id = m[2]!;
  if (m[1] !== ACCOUNT_ID || !allDistributions(ctx).some((d) => d.config.id === id)) throw new ControlError('NoSuchResource', 404, `The resource ${arn} does not exist.`);
  if (!forWrite && ctx.config.distributions.some((d) => d.id === id)) return undefined;
  return requireApiDistribution(ctx, id, 'AccessDenied');
}

export function renderTags(tags: readonly Tag[]): string {
  // `Tags` has no Quantity: https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_Tags.html
  const items = tags.map((t): [string, XmlNode] => [
    'Tag',
    [
      ['Key', t.Key],
      ['Value', t.Value],
    ],
  ]);
  return renderDocument('Tags', items.length > 0 ? [['Items', items]] : []);
}

/** What distributionFromSpec checks a new or changed distribution against. */
export function specContext(ctx: ControlContext, except?: string): SpecContext {
  return {
    config: ctx.config,
    others: allDistributions(ctx)
      .map((d) => d.config)
      .filter((d) => d.id !== except),
    functionExists: (name) => (ctx.config.functions ?? []).some((f) => f.name === name) || ctx.functions.get(name)?.live !== undefined,
  };
}
