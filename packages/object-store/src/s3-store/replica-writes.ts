/**
 * Writes that keep a given version id (a replica keeps its source's, docs/replication.md#the-s3-store)
 * on a radosgw backend. S3 has no such request: the backend makes its own ids. radosgw does take
 * one from a *system* user (`radosgw-admin user create --system`), as its multisite sync does: the
 * query parameter `rgwx-version-id` names the version a PutObject, CompleteMultipartUpload, CopyObject
 * or DeleteObject (its delete marker) writes, `rgwx-uid` the user the write is made as, so the
 * version is owned by the store's ordinary user, not by the system user, and `rgwx-versioned-epoch`
 * the version's place among the key's versions: radosgw makes the version with the highest epoch
 * the current one, so replicas arriving out of order still end in their source's order (Ceph's
 * `get_system_versioning_params` in src/rgw/rgw_op.cc;
 * https://docs.ceph.com/en/latest/radosgw/multisite/ for system users).
 *
 * Only these writes use the system credentials: radosgw answers other requests of a system user in
 * its own way (a CreateBucket answers JSON). A backend that ignores the parameters (not radosgw, or
 * keys that are not a system user's) writes a version of its own id: it is removed again and the
 * write is NotImplemented, with what to configure.
 */
import type { IncomingMessage } from 'node:http';
import { StoreError } from '../types.js';
import { checkGivenVersionId } from '../validate.js';
import { isBackendError } from './errors.js';
import { BackendClient, type ClientOptions } from './http-client.js';
import { parseListBucketsOwner } from './xml.js';
import { versionIdHeader } from './versions.js';

const SYSTEM_CREDENTIALS_HINT =
  'give the origin the keys of a radosgw system user (radosgw-admin user create --uid bucketfront-system --system) in BUCKETFRONT_STORE_SYSTEM_ACCESS_KEY_ID / BUCKETFRONT_STORE_SYSTEM_SECRET_ACCESS_KEY';

/** A replica write on a store without system credentials. */
export function noSystemCredentials(): StoreError {
  return new StoreError('NotImplemented', `This origin's S3 backend store cannot keep a given version id, so it cannot be a replication destination: ${SYSTEM_CREDENTIALS_HINT}.`);
}

/** The backend wrote a version of its own id: the system credentials are not a radosgw system user's. */
function notHonoured(asked: string, got: string | undefined, left: string): StoreError {
  return new StoreError(
    'NotImplemented',
    `The S3 backend did not keep the version id ${asked} (it wrote ${got ?? 'no version id'}): the system credentials are not a radosgw system user's; ${SYSTEM_CREDENTIALS_HINT}.${left}`,
  );
}

/** A write of version `versionId` through `writer`; `epoch` its order (epochOf), when known. */
export interface ReplicaVersion {
  writer: ReplicaWriter;
  versionId: string;
  epoch?: number;
}

/** The write of version `versionId` the source made at `sourceTime` (InvalidArgument for an id or time that cannot be one). */
export function replicaVersion(writer: ReplicaWriter, versionId: string, sourceTime: Date | undefined): ReplicaVersion {
  checkGivenVersionId(versionId);
  const epoch = epochOf(sourceTime);
  return epoch !== undefined ? { writer, versionId, epoch } : { writer, versionId };
}

/** radosgw reads the epoch as a 32-bit signed number. */
const MAX_EPOCH = 2 ** 31 - 1;

/**
 * The epoch of a version the source wrote at `sourceTime`: its second (so until 2038). Versions of
 * one key written within the same second keep their arrival order. Without a time, none: radosgw
 * then makes the replica current, as an ordinary write. A time out of range is refused rather than
 * dropped, so a replica never jumps ahead of newer ones for want of its epoch.
 */
function epochOf(sourceTime: Date | undefined): number | undefined {
  if (sourceTime === undefined) return undefined;
  const seconds = Math.floor(sourceTime.getTime() / 1000);
  if (!(seconds >= 1 && seconds <= MAX_EPOCH))
    throw new StoreError('InvalidArgument', `A replica's source time must lie between 1970 and 2038 (radosgw orders versions by a 32-bit second), got ${sourceTime.getTime()} ms`);
  return seconds;
}

export class ReplicaWriter {
  readonly client: BackendClient;
  private owner: Promise<string> | null = null;

  constructor(
    opts: ClientOptions,
    /** The store's ordinary client: whose user the versions are written as. */
    private readonly ordinary: BackendClient,
  ) {
    this.client = new BackendClient(opts);
  }

  /** The user id of the store's ordinary keys (ListBuckets' Owner ID; `tenant$user` for a tenant's user), asked once. */
  private ownerId(): Promise<string> {
    this.owner ??= this.ordinary.requestBody({ method: 'GET' }).then(
      ({ body }) => parseListBucketsOwner(body),
      (err: unknown) => {
        this.owner = null;
        throw err;
      },
    );
    return this.owner;
  }

  /** The query parameters of a write of version `v`, made as the store's ordinary user. */
  async query(v: ReplicaVersion): Promise<[string, string][]> {
    const q: [string, string][] = [
      ['rgwx-version-id', v.versionId],
      ['rgwx-uid', await this.ownerId()],
    ];
    if (v.epoch !== undefined) q.push(['rgwx-versioned-epoch', String(v.epoch)]);
    return q;
  }

  /**
   * After a write that asked for `asked`: the version the backend made (x-amz-version-id). Another
   * id means the parameters were ignored: `undo` removes that version, then NotImplemented.
   */
  async check(res: IncomingMessage, asked: string, undo: (written: string) => Promise<void>): Promise<void> {
    const got = versionIdHeader(res.headers);
    if (got === asked) return;
    const left =
      got === undefined
        ? null
        : await undo(got).then(
            () => null,
            (err: unknown) => ` The version ${got} it wrote could not be removed (${err instanceof Error ? err.message : String(err)}): delete it by hand.`,
          );
    throw notHonoured(asked, got, left ?? '');
  }

  /**
   * Sends a write with the system keys: a refusal of them (403: unknown key, bad secret, or a user
   * without rights on the bucket) is NotImplemented naming what to configure, not a backend failure
   * the source would retry for ever.
   */
  async send<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (isBackendError(err) && err.status === 403) {
        throw new StoreError('NotImplemented', `The S3 backend refused the system user's keys for a replica write (${err.code}): ${SYSTEM_CREDENTIALS_HINT}.`);
      }
      throw err;
    }
  }

  /** At start-up: one signed ListBuckets with the system keys (a wrong key fails the start, not the first replica). */
  async checkKeys(): Promise<void> {
    await this.client.requestBody({ method: 'GET' });
  }

  close(): void {
    this.client.close();
  }
}
