/**
 * The origin's replication side as handlers see it (`ctx.replication`): where a destination bucket
 * lives (destination.ts over the remotes, remotes.ts). docs/replication.md.
 */
import type { RemoteStore } from './remotes.js';
import { locateDestination, type DestinationLookup } from './destination.js';

export interface ReplicationService {
  /** Finds the remote holding `bucket` (re-reading the remotes first): its region, or S3's error. */
  locateDestination(bucket: string): Promise<DestinationLookup>;
}

export function replicationService(remotes: RemoteStore, onError: (err: Error) => void): ReplicationService {
  return {
    async locateDestination(bucket) {
      await remotes.refresh();
      return locateDestination(await remotes.endpoints((region, err) => onError(new Error(`replication remote ${region} is unusable: ${err.message}`))), bucket);
    },
  };
}
