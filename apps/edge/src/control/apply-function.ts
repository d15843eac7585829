/**
 * Applies a LIVE change (PublishFunction, or DeleteFunction of a published function) on the data
 * plane: on every local worker (awaited: when the API answers, every worker of this edge runs the
 * new code) and on every peer edge in `config.peers` (in the background, retried like
 * invalidations; a peer that never acknowledges is logged and counted in
 * bucketfront_control_peer_send_failures_total). CloudFront, too, answers PublishFunction before
 * every edge location runs the new code.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/publish-function.html
 */
import type { ControlContext } from './context.js';
import { deleteOnPeer, publishOnPeer } from './function-peers.js';
import { publishedOf, type StoredFunction, type StoredStage } from './function-store.js';
import type { PeerSendOptions } from './peer-fanout.js';

function toPeers(ctx: ControlContext, what: string, send: (peer: string, opts: PeerSendOptions) => Promise<void>): void {
  const opts: PeerSendOptions = { credentials: ctx.credentials, now: ctx.now, retry: ctx.peerRetry };
  for (const peer of ctx.config.peers) {
    send(peer, opts).catch((err: unknown) => {
      ctx.metrics.peerSendFailures++;
      ctx.log(`${what} not acknowledged by ${peer}: ${(err as Error)?.message ?? String(err)}`);
    });
  }
}

/** `fn.live` becomes what `fn.name` runs: here (awaited) and on the peers (unless `fromPeer`). */
export async function applyPublished(ctx: ControlContext, fn: StoredFunction & { live: StoredStage }, fromPeer = false): Promise<void> {
  // Stages are replaced, never changed in place: this copy stays the version being sent.
  const version = { ...fn, live: fn.live };
  if (!fromPeer) toPeers(ctx, `PublishFunction ${fn.name} (${fn.live.etag})`, (peer, opts) => publishOnPeer(peer, version, opts));
  await ctx.runtime.setFunction(fn.name, publishedOf(fn.name, fn.live));
}

/** The function `name` no longer runs (a configured one of that name runs again). */
export async function applyDeleted(ctx: ControlContext, name: string, at: Date, fromPeer = false): Promise<void> {
  if (!fromPeer) toPeers(ctx, `DeleteFunction ${name}`, (peer, opts) => deleteOnPeer(peer, name, at, opts));
  await ctx.runtime.setFunction(name, null);
}
