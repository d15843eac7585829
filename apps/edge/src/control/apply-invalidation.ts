/**
 * Applies an accepted invalidation everywhere: the local runtime (all workers)
 * and every peer edge in `config.peers` (paths normalised, `#tag` items lower-cased for the
 * runtime; peers get the batch as sent). Resolves when all acknowledged (the
 * invalidation then turns Completed), rejects when some did not in time.
 */
import type { ControlContext } from './context.js';
import type { InvalidationRecord } from './invalidation-store.js';
import { normaliseInvalidationItem } from './invalidation-path.js';
import { sendToPeer } from './peer-fanout.js';

export async function applyInvalidation(ctx: ControlContext, record: InvalidationRecord): Promise<void> {
  const started = performance.now();
  const paths = record.batch.paths.map(normaliseInvalidationItem);
  const tasks: Array<{ target: string; done: Promise<void> }> = [
    { target: 'local workers', done: ctx.runtime.invalidate(record.distributionId, paths) },
    ...ctx.config.peers.map((peer) => ({
      target: peer,
      done: sendToPeer(peer, record.distributionId, record.id, record.batch, {
        credentials: ctx.credentials,
        now: ctx.now,
        retry: ctx.peerRetry,
      }),
    })),
  ];
  const results = await Promise.allSettled(tasks.map((t) => t.done));
  const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [{ target: tasks[i]!.target, reason: r.reason as unknown }] : []));
  if (failures.length > 0) {
    ctx.metrics.invalidationsFailed++;
    ctx.metrics.peerSendFailures += failures.filter((f) => f.target !== 'local workers').length;
    for (const f of failures) {
      ctx.log(`invalidation ${record.id} (${record.distributionId}) not acknowledged by ${f.target}: ${(f.reason as Error)?.message ?? String(f.reason)}; it stays InProgress`);
    }
    throw new Error(`invalidation ${record.id} not acknowledged by ${failures.map((f) => f.target).join(', ')}`);
  }
  ctx.metrics.invalidationsCompleted++;
  ctx.metrics.observeApplyLatency((performance.now() - started) / 1000);
}
