/**
 * A distribution created, updated or deleted through the API reaches the data plane: every local
 * worker gets the whole list of API distributions (runtime.setDistributions; the request router
 * picks them by Host from the next request) and every peer edge (config.peers) the change itself,
 * sent like invalidations (peer-fanout.ts: signed, `x-bucketfront-peer: 1`, retried):
 * - `PUT /2020-05-31/distribution/{Id}/config` with the distribution as this edge stores it (JSON);
 * - `DELETE /2020-05-31/distribution/{Id}` with the time of the deletion.
 * The distribution is InProgress until all of them have it, then Deployed, like CloudFront's.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_Distribution.html (Status)
 */
import type { IncomingMessage } from 'node:http';
import type { ControlContext } from './context.js';
import type { StoredDistribution } from './distribution-db.js';
import { errors } from './errors.js';
import { sendRequestToPeer, type PeerSendOptions } from './peer-fanout.js';

const MODIFIED_HEADER = 'x-bucketfront-distribution-modified';

function distributionPath(id: string): string {
  return `/2020-05-31/distribution/${encodeURIComponent(id)}`;
}

/** The peers' copy of a stored distribution (dates as ms). */
export function renderPeerDistribution(d: StoredDistribution): string {
  const { id, spec, etag, tags, createdTime, lastModifiedTime } = d;
  return JSON.stringify({ id, spec, etag, tags, createdTime: createdTime.getTime(), lastModifiedTime: lastModifiedTime.getTime() });
}

export function parsePeerDistribution(body: Buffer, id: string): StoredDistribution {
  try {
    const v = JSON.parse(body.toString('utf8')) as Omit<StoredDistribution, 'createdTime' | 'lastModifiedTime'> & { createdTime: number; lastModifiedTime: number };
    if (v.id !== id || typeof v.etag !== 'string' || typeof v.spec !== 'object' || !Array.isArray(v.tags)) throw new Error('not a distribution');
    return { ...v, createdTime: new Date(v.createdTime), lastModifiedTime: new Date(v.lastModifiedTime) };
  } catch {
    throw errors.malformedInput('A peer distribution must be the JSON the sending edge stores.');
  }
}

export function peerDeleteTime(req: IncomingMessage): Date {
  const v = req.headers[MODIFIED_HEADER];
  if (typeof v !== 'string' || !/^\d{1,15}$/.test(v)) throw errors.invalidArgument(`A peer DeleteDistribution needs the ${MODIFIED_HEADER} header (milliseconds).`);
  return new Date(Number(v));
}

/**
 * Applies the API's distributions on the local workers (awaited) and sends `change` to the peers
 * (unless it came from one); `id` is InProgress until both are done. A peer that never
 * acknowledges leaves it InProgress (and is logged and counted), as invalidations.
 */
export async function applyDistributionChange(ctx: ControlContext, id: string, change: { put: StoredDistribution } | { removedAt: Date }, fromPeer = false): Promise<void> {
  const done = ctx.distributions.beginApply(id);
  const opts: PeerSendOptions = { credentials: ctx.credentials, now: ctx.now, retry: ctx.peerRetry };
  const peers = fromPeer
    ? []
    : ctx.config.peers.map((peer) =>
        sendRequestToPeer(
          peer,
          'put' in change
            ? { method: 'PUT', path: `${distributionPath(id)}/config`, headers: {}, body: renderPeerDistribution(change.put), absentCode: 'NoSuchDistribution' }
            : { method: 'DELETE', path: distributionPath(id), headers: { [MODIFIED_HEADER]: String(change.removedAt.getTime()) }, body: '', absentCode: 'NoSuchDistribution' },
          opts,
        ).then(
          () => true,
          (err: unknown) => {
            ctx.metrics.peerSendFailures++;
            ctx.log(`distribution ${id} change not acknowledged by ${peer}: ${(err as Error)?.message ?? String(err)}`);
            return false;
          },
        ),
      );
  // Deployed once this edge's workers and every peer have it (a peer that never does leaves it InProgress).
  const peersDone = Promise.all(peers).then((acks) => acks.every(Boolean));
  await ctx.runtime.setDistributions(ctx.distributions.configs());
  if (peers.length === 0) done();
  else
    void peersDone.then((all) => {
      if (all) done();
    });
}
