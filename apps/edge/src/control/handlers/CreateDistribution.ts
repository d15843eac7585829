/**
 * CreateDistribution: POST /2020-05-31/distribution, a DistributionConfig → 201, Location, ETag,
 * `<Distribution>`; with `?WithTags` the body is a DistributionConfigWithTags
 * (CreateDistributionWithTags). The new distribution serves on every worker of this edge before
 * the answer (by Host: its DomainName `<id>.bucketfront.localhost` or an alias) and on the peers
 * soon after (apply-distribution.ts).
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateDistribution.html
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateDistributionWithTags.html
 *
 * CallerReference makes it idempotent: the same reference with the same DistributionConfig
 * answers the distribution it created; with another config, DistributionAlreadyExists (409).
 */
import { applyDistributionChange } from '../apply-distribution.js';
import { findDistributionView, type ControlContext, type ControlHandler, type ControlResponse } from '../context.js';
import { parseDistributionConfig, parseDistributionConfigWithTags, type DistributionSpec, type Tag } from '../distribution-request.js';
import { checkTags, specContext } from '../distribution-tags.js';
import { distributionNode } from '../distribution-xml.js';
import { ControlError } from '../errors.js';
import { renderDocument } from '../xml.js';

/** `Distribution` document, with the ETag and Location CloudFront sends. */
export function distributionResponse(ctx: ControlContext, id: string, status: number, baseUrl?: string): ControlResponse {
  const { config, meta } = findDistributionView(ctx, id);
  const headers: Record<string, string> = { ETag: meta.api!.etag };
  if (baseUrl !== undefined) headers['Location'] = `${baseUrl}/2020-05-31/distribution/${id}`;
  return { status, headers, body: renderDocument('Distribution', distributionNode(config, meta)) };
}

async function create(ctx: ControlContext, spec: DistributionSpec, tags: Tag[], baseUrl: string): Promise<ControlResponse> {
  const existing = ctx.distributions.byCallerReference(spec.callerReference);
  if (existing) {
    if (JSON.stringify(existing.spec) !== JSON.stringify(spec)) {
      throw new ControlError('DistributionAlreadyExists', 409, `The caller reference you attempted to create the distribution with is associated with another distribution (${existing.id}).`);
    }
    return distributionResponse(ctx, existing.id, 201, baseUrl);
  }
  checkTags(tags);
  const d = ctx.distributions.create(spec, tags, ctx.now(), specContext(ctx), (id) => ctx.config.distributions.some((c) => c.id === id));
  await applyDistributionChange(ctx, d.id, { put: d });
  return distributionResponse(ctx, d.id, 201, baseUrl);
}

export const CreateDistribution: ControlHandler = (ctx, { body, query, baseUrl }) => {
  if (query.has('WithTags')) {
    const { spec, tags } = parseDistributionConfigWithTags(body);
    return create(ctx, spec, tags, baseUrl);
  }
  return create(ctx, parseDistributionConfig(body), [], baseUrl);
};
