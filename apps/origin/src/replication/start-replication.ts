/**
 * Starts the origin's replication side (docs/replication.md): the remotes (remotes.ts) and the
 * service handlers use (service.ts).
 */
import type { KeyStore, SystemDocuments } from '@bucketfront/object-store';
import { RemoteStore } from './remotes.js';
import { replicationService, type ReplicationService } from './service.js';

export interface RunningReplication {
  service: ReplicationService;
  close(): Promise<void>;
}

export async function startReplication(deps: { system: SystemDocuments; keys: KeyStore | null }): Promise<RunningReplication> {
  const log = (err: Error): void => void process.stderr.write(`bucketfront replication: ${err.message}\n`);
  const remotes = await RemoteStore.open(deps.system, deps.keys);
  return { service: replicationService(remotes, log), close: async () => {} };
}
