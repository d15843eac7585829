/**
 * `bucketfront replication add-remote|list-remotes|remove-remote`: the other bucketfront origins
 * (one per region) that replication destinations live on (docs/replication.md#remotes). Like
 * `bucketfront admin`, it works on the store beside running origins: the remotes are system
 * documents every origin node re-reads, so a remote added here is used by the next
 * PutBucketReplication. The secret access key (from stdin, the environment or, with a warning, the
 * command line: remote-secret.ts) is sealed with the store's master key when there is one and is
 * never printed.
 */
import { openSystemServices } from '@bucketfront/object-store';
import { RemoteAdminError, RemoteStore, type RemoteInfo } from '@bucketfront/origin';
import { CliError, UsageError } from '../util/errors.js';
import { REMOTE_ACCESS_KEY_ID_ENV, REMOTE_SECRET_ENV, remoteAccessKeyId, remoteSecret, SECRET_SOURCES } from './remote-secret.js';

export interface ReplicationOpts {
  data?: string;
  store?: string;
  json?: boolean;
  region?: string;
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  secretAccessKeyStdin?: boolean;
}

async function withRemotes<T>(o: ReplicationOpts, fn: (remotes: RemoteStore) => Promise<T>): Promise<T> {
  if (o.data !== undefined && o.store !== undefined) throw new UsageError('give --data DIR or --store SPEC, not both (--data DIR means --store fs:DIR)');
  const svc = await openSystemServices(o.store ?? `fs:${o.data ?? './data'}`);
  try {
    return await fn(await RemoteStore.open(svc.system, svc.keys));
  } catch (err) {
    if (err instanceof RemoteAdminError) throw new CliError(err.message);
    throw err;
  } finally {
    await svc.close();
  }
}

function row(r: RemoteInfo): string {
  return `${r.region}\t${r.endpoint}\t${r.accessKeyId}\t${r.created}\n`;
}

function json(r: RemoteInfo): Record<string, string> {
  return { Region: r.region, Endpoint: r.endpoint, AccessKeyId: r.accessKeyId, CreateDate: r.created };
}

export async function replicationAddRemote(o: ReplicationOpts): Promise<number> {
  const accessKeyId = remoteAccessKeyId(o);
  const secretGiven = o.secretAccessKey !== undefined || o.secretAccessKeyStdin === true || Boolean(process.env[REMOTE_SECRET_ENV]);
  const missing = [
    ...(o.region ? [] : ['--region']),
    ...(o.endpoint ? [] : ['--endpoint']),
    ...(accessKeyId ? [] : [`--access-key-id (or $${REMOTE_ACCESS_KEY_ID_ENV})`]),
    ...(secretGiven ? [] : [`the secret access key (${SECRET_SOURCES})`]),
  ];
  if (missing.length > 0) throw new UsageError(`add-remote needs ${missing.join(', ')}`);
  const secretAccessKey = await remoteSecret(o, (line) => process.stderr.write(`${line}\n`));
  return withRemotes(o, async (remotes) => {
    const added = await remotes.add({ region: o.region!, endpoint: o.endpoint!, accessKeyId: accessKeyId!, secretAccessKey });
    process.stdout.write(o.json ? `${JSON.stringify({ Remote: json(added) }, null, 2)}\n` : row(added));
    return 0;
  });
}

export function replicationListRemotes(o: ReplicationOpts): Promise<number> {
  return withRemotes(o, async (remotes) => {
    const list = remotes.list();
    process.stdout.write(o.json ? `${JSON.stringify({ Remotes: list.map(json) }, null, 2)}\n` : list.map(row).join(''));
    return 0;
  });
}

export function replicationRemoveRemote(region: string, o: ReplicationOpts): Promise<number> {
  return withRemotes(o, async (remotes) => {
    await remotes.remove(region);
    process.stderr.write(`remote ${region} removed\n`);
    return 0;
  });
}
