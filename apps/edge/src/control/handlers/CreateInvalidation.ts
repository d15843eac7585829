/**
 * CreateInvalidation: POST /2020-05-31/distribution/{DistributionId}/invalidation → 201.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidation.html
 *
 * Idempotent by CallerReference: the same reference with the same paths returns the
 * original invalidation (201 again, with its current status); with different paths
 * it is InvalidationBatchAlreadyExists (409).
 * Requests from peer edges (`x-bucketfront-peer: 1`) are applied locally only and
 * answered once every local worker applied them.
 */
import { applyInvalidation } from '../apply-invalidation.js';
import { findDistribution, type ControlHandler } from '../context.js';
import { parseInvalidationBatch } from '../invalidation-batch.js';
import { normaliseInvalidationItem } from '../invalidation-path.js';
import { newInvalidationId } from '../invalidation-store.js';
import { renderInvalidation } from '../invalidation-xml.js';
import { PEER_HEADER, PEER_INVALIDATION_ID_HEADER } from '../peer-fanout.js';

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export const CreateInvalidation: ControlHandler = async (ctx, { req, body, params, baseUrl }) => {
  const dist = findDistribution(ctx, params['distributionId']);
  const batch = parseInvalidationBatch(body);

  if (req.headers[PEER_HEADER] === '1') {
    await ctx.runtime.invalidate(dist.id, batch.paths.map(normaliseInvalidationItem));
    ctx.metrics.peerInvalidationsApplied++;
    const sentId = req.headers[PEER_INVALIDATION_ID_HEADER];
    const id = typeof sentId === 'string' && /^[A-Z0-9]{1,64}$/.test(sentId) ? sentId : newInvalidationId();
    return {
      status: 201,
      body: renderInvalidation({ id, status: 'Completed', createTime: ctx.now(), batch }),
    };
  }

  const { record, created } = ctx.store.create(dist.id, batch, ctx.now(), (r) => applyInvalidation(ctx, r));
  if (created) {
    ctx.metrics.invalidationsCreated++;
    ctx.metrics.invalidationPaths += batch.paths.length;
  }
  // Usually every node acknowledges within milliseconds: answer with Completed then.
  await Promise.race([record.settled, delay(ctx.createWaitMs)]);
  return {
    status: 201,
    headers: { Location: `${baseUrl}/2020-05-31/distribution/${encodeURIComponent(dist.id)}/invalidation/${record.id}` },
    body: renderInvalidation(record),
  };
};
