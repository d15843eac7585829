/**
 * The `s3` driver: the origin's buckets and objects live in any S3-compatible
 * cluster (Ceph RGW, Garage, AWS S3…).
 *
 * - Bucket B is backend bucket `<bucketPrefix>B`; keys map 1:1. A backend
 *   bucket with the prefix that bucketfront did not create is served as it
 *   is ("adopted": private, in `region`).
 * - Objects, their metadata and multipart uploads are the backend's own; what
 *   it cannot hold for us travels in reserved user metadata (metadata.ts) or
 *   in the system bucket (system-bucket.ts), never on local disk.
 * - Hot path: GetObject is one backend GET (the body streams straight from
 *   it), PutObject one backend PUT (the body streams straight to it).
 */
import { EMPTY_SHA256 } from '@bucketfront/sigv4';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { appendedMetadata, checkAppendedSize, checkWriteOffset, md5CheckedBody } from '../append.js';
import { concatStreams } from '../body-prefix.js';
import { lazyBodyResult } from '../get-result.js';
import { KeyedMutex } from '../keyed-mutex.js';
import { mapLimit } from '../map-limit.js';
import { chooseCompletedParts, completedMetadata, listUploadsPage } from '../multipart.js';
import { noSuchBucket, noSuchKey, noSuchUpload } from '../store-errors.js';
import { compareKeys } from '../key-order.js';
import {
  BUCKET_CONFIG_KINDS,
  isStoreError,
  S3_LIMITS,
  StoreError,
  type BucketConfigKind,
  type BucketConfigs,
  type BucketInfo,
  type ByteRange,
  type CannedAcl,
  type GetObjectResult,
  type ListObjectsOptions,
  type ListObjectsResult,
  type ListUploadsOptions,
  type ListUploadsResult,
  type MultipartUploadInfo,
  type ObjectInfo,
  type ObjectMetadata,
  type ObjectStore,
  type PartInfo,
  type PutObjectOptions,
  type StoredChecksum,
  type SystemDocuments,
  type EventOutbox,
  type OutboxBatch,
  type DeleteObjectOptions,
  type DeleteObjectResult,
  type VersioningStatus,
  type ListObjectVersionsOptions,
  type ListObjectVersionsResult,
  type ObjectVersionInfo,
  type ReadOptions,
  type VersionMetadataPatch,
} from '../types.js';
import { applyMetadataPatch, changesMetadata } from '../metadata-patch.js';
import { checkKey, checkPartNumber, checkSystemDocumentName, freezeMetadata, multipartEtag } from '../validate.js';
import { withLength } from './body.js';
import { BackendError, isBackendError, isPayloadHashRefusal, toStoreError } from './errors.js';
import { BackendClient, drain, readBody, type ClientOptions, type RequestSpec } from './http-client.js';
import { noSystemCredentials, replicaVersion, ReplicaWriter, type ReplicaVersion } from './replica-writes.js';
import { finishListing, finishVersionListing, planListing, planVersionListing } from './listing.js';
import { decodeMetadata, encodeMetadata } from './metadata.js';
import { DEFAULT_OBJECT_CACHE, ObjectCache, sendKept } from './object-cache.js';
import { S3Outbox } from './outbox.js';
import { ReplicationStatuses, withStatus } from './replication-status.js';
import { SystemBucket, partChecksumKey } from './system-bucket.js';
import { asCopySource, copyOfDeleteMarker, deleteMarkerRead, noSuchVersion } from '../version-errors.js';
import { BackendVersions, NULL_VERSION, copyIfMatch, copySource, isDeleteMarkerAnswer, versionIdHeader } from './versions.js';
import {
  completeMultipartUploadRequest,
  createBucketConfiguration,
  normalizeEtag,
  parseCompleteMultipartUpload,
  parseCopyResult,
  parseInitiateMultipartUpload,
  parseListBuckets,
  parseListMultipartUploads,
  parseListObjectsV2,
  parseListParts,
  parseListVersions,
  type ListedPart,
  type ListedVersion,
  type UploadListing,
} from './xml.js';

export interface S3StoreOptions {
  /** `http(s)://host:port` of the backend (no credentials in it). */
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /**
   * A radosgw system user's keys, used only for writes that keep a given version id (replicas:
   * replica-writes.ts). Without them the store cannot be a replication destination.
   */
  systemCredentials?: { accessKeyId: string; secretAccessKey: string };
  /** Signing region; also the region of adopted buckets. Default us-east-1. */
  region?: string;
  /** bucketfront bucket B ↔ backend bucket `${bucketPrefix}${B}`. Default ''. */
  bucketPrefix?: string;
  /** Backend bucket for bucketfront's own documents. Default `${bucketPrefix}bucketfront-system`. */
  systemBucket?: string;
  /** Minimum size of every part but the last at CompleteMultipartUpload. Default 5 MiB; lower it in tests. */
  minPartSize?: number;
  /** Defaults: connect 5 s (agent queue included), response 30 s, idle 30 s. */
  timeouts?: { connectMs?: number; responseMs?: number; idleMs?: number };
  /** Retries of idempotent requests (exponential backoff with jitter). Default 3. */
  retries?: number;
  /** Connections to the backend at most. Default 128. */
  maxSockets?: number;
  /** Where a body of unknown length (chunked, no decoded length) over 1 MiB is spooled. Default os.tmpdir(). */
  spoolDir?: string;
  /**
   * GETs answered with at most this many bytes are read whole and returned as
   * `buffer` (one write downstream instead of a stream). Default 64 KiB; 0 streams everything.
   */
  wholeBodyBytes?: number;
  /**
   * The object cache (object-cache.ts): bodies of recently read objects, revalidated with a HEAD
   * on every read. Default 64 MiB in all, objects up to 4 MiB; `maxBytes: 0` turns it off.
   */
  objectCache?: { maxBytes?: number; maxObjectBytes?: number };
}

const CONFIG_KINDS: ReadonlySet<string> = new Set<BucketConfigKind>(BUCKET_CONFIG_KINDS);
/** S3 bucket names: 3–63 characters (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html). */
const MAX_BUCKET_NAME = 63;
/** Backend ListMultipartUploads pages read to cut a page locally (see listMultipartUploads). */
const MAX_UPLOAD_PAGES = 10;
/** How many parts ListParts returns per page (S3's cap). */
const MAX_PARTS_PAGE = 1000;

export async function createS3Store(
  opts: S3StoreOptions,
): Promise<ObjectStore & SystemDocuments & EventOutbox & { checkSystemCredentials(): Promise<void>; checkPayloadHashing(): Promise<void>; readonly payloadHashing: string }> {
  return new S3Store(opts);
}

/** A replica of an object whose id is a delete marker's of the key (as the fs store answers). */
function replicaIsDeleteMarker(versionId: string): StoreError {
  return new StoreError('InvalidRequest', `Version ${versionId} of this key is a delete marker`);
}

/** A range checked against a size the object no longer has. */
function objectChanged(): StoreError {
  return new StoreError('ServiceUnavailable', 'The object changed while it was being read; try again.');
}

/** An append lost to a concurrent write (the backend's 412 on our condition). */
function appendRaced(): StoreError {
  return new StoreError('InvalidWriteOffset', 'The write offset value that you specified does not match the current object size.');
}

/** The version an append read went away meanwhile (NoSuchVersion, or a delete marker now): it lost a race. */
function raced(err: unknown): never {
  if (err instanceof StoreError && (err.code === 'NoSuchVersion' || err.code === 'MethodNotAllowed')) throw appendRaced();
  throw err;
}

type UploadRef = { bucket: string; key: string; uploadId: string };

/** The backend refused a body whose SHA-256 is not the one the client signed (PutObjectOptions.payloadSha256). */
function payloadSha256Mismatch(clientComputed: string): StoreError {
  return new StoreError('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", {
    ClientComputedContentSHA256: clientComputed,
  });
}

class S3Store implements ObjectStore, SystemDocuments, EventOutbox {
  /**
   * PutObjectOptions.payloadSha256 signs the backend request, which the backend checks before it
   * stores the body: true once checkPayloadHashing has seen the backend refuse a body that does not
   * match (radosgw, AWS S3 and Garage do; a gateway that re-signs requests would not).
   */
  verifiesPayloadSha256 = false;
  /** The backend's error code for a body that does not match its signed SHA-256 (checkPayloadHashing). */
  private payloadMismatchCode: string | undefined;
  /** What checkPayloadHashing found, for logs. */
  payloadHashing = 'signed body hashes checked by the origin (not probed)';
  private readonly client: BackendClient;
  /** Writes keeping a given version id (replicas); null without system credentials. */
  private readonly replicas: ReplicaWriter | null;
  private readonly prefix: string;
  private readonly region: string;
  private readonly minPartSize: number;
  private readonly spoolDir: string | undefined;
  private readonly wholeBodyBytes: number;
  private readonly objectCache: ObjectCache;
  private readonly sys: SystemBucket;
  private readonly outbox: S3Outbox;
  private readonly versions: BackendVersions;
  /** Replication statuses changed after the write (replication-status.ts). */
  private readonly statuses: ReplicationStatuses;
  private readonly locks = new KeyedMutex();
  /** Writes in flight per bucket, so DeleteBucket does not race them in this process. */
  private readonly writers = new Map<string, number>();

  constructor(opts: S3StoreOptions) {
    this.prefix = opts.bucketPrefix ?? '';
    if (!/^[a-z0-9.-]*$/.test(this.prefix)) {
      throw new StoreError('InvalidArgument', `bucketPrefix ${JSON.stringify(this.prefix)} may contain only a-z, 0-9, '.' and '-'`);
    }
    this.region = opts.region ?? 'us-east-1';
    this.minPartSize = opts.minPartSize ?? S3_LIMITS.minPartBytes;
    this.spoolDir = opts.spoolDir;
    this.wholeBodyBytes = opts.wholeBodyBytes ?? 64 * 1024;
    this.objectCache = new ObjectCache({ ...DEFAULT_OBJECT_CACHE, ...opts.objectCache });
    const clientOptions: ClientOptions = {
      endpoint: opts.endpoint,
      credentials: opts.credentials,
      region: this.region,
      connectMs: opts.timeouts?.connectMs ?? 5_000,
      responseMs: opts.timeouts?.responseMs ?? 30_000,
      idleMs: opts.timeouts?.idleMs ?? 30_000,
      retries: Math.max(0, opts.retries ?? 3),
      maxSockets: opts.maxSockets ?? 128,
    };
    this.client = new BackendClient(clientOptions);
    this.replicas = opts.systemCredentials !== undefined ? new ReplicaWriter({ ...clientOptions, credentials: opts.systemCredentials }, this.client) : null;
    this.sys = new SystemBucket(this.client, opts.systemBucket ?? `${this.prefix}bucketfront-system`, this.region);
    this.outbox = new S3Outbox(this.sys);
    this.versions = new BackendVersions(this.client);
    this.statuses = new ReplicationStatuses(this.sys);
  }

  async close(): Promise<void> {
    this.client.close();
    this.replicas?.close();
  }

  /**
   * Whether the backend checks a signed payload hash (open-store.ts asks at start-up): one PUT to
   * the system bucket whose body is not the one signed (after a control PUT of the right one).
   * Refused, PutObjectOptions.payloadSha256 is honoured from then on; stored, or unknown (e.g.
   * read-only keys), the origin keeps hashing (restart the node to probe again). `payloadHashing`
   * says which, for the start-up log.
   */
  async checkPayloadHashing(): Promise<void> {
    let refusal: BackendError | null = null;
    let found: string;
    try {
      refusal = await this.sys.payloadHashRefusal();
      found = refusal !== null ? `by the backend (${refusal.code})` : 'by the origin (the backend stored a body that did not match)';
    } catch (err) {
      found = `by the origin (the probe failed: ${(err as Error).message})`;
    }
    this.payloadMismatchCode = refusal?.code;
    this.verifiesPayloadSha256 = refusal !== null;
    this.payloadHashing = `signed body hashes checked ${found}`;
  }

  /** One signed request with the system keys, when given (open-store.ts checks them at start-up). */
  async checkSystemCredentials(): Promise<void> {
    await this.replicas?.checkKeys();
  }

  // ---------------------------------------------------------------- names and errors

  /** The backend bucket of bucketfront bucket `name`; undefined when it cannot be one of ours. */
  private backendName(name: string): string | undefined {
    const full = `${this.prefix}${name}`;
    if (name === '' || full.length > MAX_BUCKET_NAME || full === this.sys.name) return undefined;
    return full;
  }

  /** As backendName, NoSuchBucket when there is none. */
  private b(name: string): string {
    const full = this.backendName(name);
    if (full === undefined) throw noSuchBucket(name);
    return full;
  }

  /** A backend failure as the StoreError the contract names (with our names in the details). */
  private fail(err: unknown, ctx: { bucket?: string; key?: string; uploadId?: string }): unknown {
    if (err instanceof BackendError) {
      if (err.code === 'NoSuchBucket' && ctx.bucket !== undefined) return noSuchBucket(ctx.bucket);
      // About an upload, a missing key means a missing upload (radosgw answers ListParts so).
      if ((err.code === 'NoSuchUpload' || err.code === 'NoSuchKey') && ctx.uploadId !== undefined) return noSuchUpload(ctx.uploadId);
      if (err.code === 'NoSuchKey' && ctx.key !== undefined) return noSuchKey(ctx.key);
    }
    return toStoreError(err);
  }

  private async call<T>(ctx: { bucket?: string; key?: string; uploadId?: string }, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.fail(err, ctx);
    }
  }

  private async writing<T>(bucket: string, fn: () => Promise<T>): Promise<T> {
    this.writers.set(bucket, (this.writers.get(bucket) ?? 0) + 1);
    try {
      return await fn();
    } finally {
      const n = (this.writers.get(bucket) ?? 1) - 1;
      if (n > 0) this.writers.set(bucket, n);
      else this.writers.delete(bucket);
    }
  }

  /** HEAD of a backend bucket: true when it exists. */
  private async bucketExists(full: string): Promise<boolean> {
    const res = await this.client.request({ method: 'HEAD', bucket: full, accept: [404] });
    await drain(res);
    return res.statusCode !== 404;
  }

  private async requireBucket(name: string): Promise<string> {
    const full = this.b(name);
    if (!(await this.call({ bucket: name }, () => this.bucketExists(full)))) throw noSuchBucket(name);
    return full;
  }

  // ---------------------------------------------------------------- buckets

  async listBuckets(): Promise<BucketInfo[]> {
    return this.call({}, async () => {
      const { body } = await this.client.requestBody({ method: 'GET' });
      const ours = parseListBuckets(body).buckets.filter((b) => b.name.startsWith(this.prefix) && b.name !== this.sys.name && b.name.length > this.prefix.length);
      const out: BucketInfo[] = [];
      await mapLimit(ours, 8, async (b) => {
        const name = b.name.slice(this.prefix.length);
        const record = await this.sys.getRecord(name);
        out.push(this.bucketInfo(name, record, b.creationDate));
      });
      return out.sort((x, y) => compareKeys(x.name, y.name));
    });
  }

  private bucketInfo(name: string, record: { region: string; acl: CannedAcl; created: number } | null, listed?: Date): BucketInfo {
    return {
      name,
      creationDate: record !== null ? new Date(record.created) : (listed ?? new Date(0)),
      region: record?.region ?? this.region,
      acl: record?.acl ?? 'private',
    };
  }

  /** An adopted bucket's creation date, from the backend's bucket list. */
  private async listedCreationDate(full: string): Promise<Date | undefined> {
    const { body } = await this.client.requestBody({ method: 'GET' });
    return parseListBuckets(body).buckets.find((b) => b.name === full)?.creationDate;
  }

  async createBucket(name: string, opts: { region: string; acl?: CannedAcl }): Promise<BucketInfo> {
    const full = this.backendName(name);
    if (full === undefined) {
      throw new StoreError('InvalidArgument', `The bucket name ${JSON.stringify(name)} is reserved or too long for this store`, {
        BucketName: name,
      });
    }
    return this.locks.run(`bucket\0${name}`, () =>
      this.call({ bucket: name }, async () => {
        const alreadyOwned = (): StoreError =>
          new StoreError('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', {
            BucketName: name,
          });
        if (await this.bucketExists(full)) throw alreadyOwned();
        this.versions.forget(full);
        try {
          const body = this.region === 'us-east-1' ? undefined : createBucketConfiguration(this.region);
          await drain(await this.client.request({ method: 'PUT', bucket: full, ...(body !== undefined ? { body } : {}) }));
        } catch (err) {
          if (isBackendError(err, 'BucketAlreadyOwnedByYou') || isBackendError(err, 'BucketAlreadyExists')) throw alreadyOwned();
          throw err;
        }
        const record = { region: opts.region, acl: opts.acl ?? 'private', created: Math.floor(Date.now() / 1000) * 1000 };
        try {
          // A bucket of this name deleted behind our back may have left documents: start empty.
          await this.sys.clearBucket(name);
          await this.sys.putRecord(name, record);
        } catch (err) {
          await this.client.request({ method: 'DELETE', bucket: full }).then(drain, () => {});
          throw err;
        }
        return this.bucketInfo(name, record);
      }),
    );
  }

  async deleteBucket(name: string): Promise<void> {
    const full = this.b(name);
    await this.locks.run(`bucket\0${name}`, () =>
      this.call({ bucket: name }, async () => {
        const notEmpty = (): StoreError => new StoreError('BucketNotEmpty', 'The bucket you tried to delete is not empty', { BucketName: name });
        if ((this.writers.get(full) ?? 0) > 0) throw notEmpty();
        // Backends differ on whether pending uploads block DeleteBucket; ours always do.
        const { body } = await this.client.requestBody({
          method: 'GET',
          bucket: full,
          query: [
            ['uploads', undefined],
            ['max-uploads', '1'],
          ],
        });
        const uploads = parseListMultipartUploads(body);
        if (uploads.uploads.length > 0 || uploads.commonPrefixes.length > 0) throw notEmpty();
        await drain(await this.client.request({ method: 'DELETE', bucket: full }));
        this.versions.forget(full);
        // The bucket is gone (the commit point); its documents follow, best effort (CreateBucket clears leftovers).
        await this.sys.clearBucket(name).catch(() => {});
        await this.statuses.clearBucket(name).catch(() => {});
      }),
    );
  }

  async headBucket(name: string): Promise<BucketInfo | null> {
    const full = this.backendName(name);
    if (full === undefined) return null;
    return this.call({ bucket: name }, async () => {
      const [exists, record] = await Promise.all([this.bucketExists(full), this.sys.getRecord(name)]);
      if (!exists) return null;
      return this.bucketInfo(name, record, record === null ? await this.listedCreationDate(full) : undefined);
    });
  }

  async setBucketAcl(name: string, acl: CannedAcl): Promise<void> {
    const full = this.b(name);
    await this.locks.run(`bucket\0${name}`, () =>
      this.call({ bucket: name }, async () => {
        const [exists, record] = await Promise.all([this.bucketExists(full), this.sys.getRecord(name)]);
        if (!exists) throw noSuchBucket(name);
        const base = record ?? {
          region: this.region,
          acl: 'private' as CannedAcl,
          created: ((await this.listedCreationDate(full)) ?? new Date(0)).getTime(),
        };
        await this.sys.putRecord(name, { ...base, acl });
      }),
    );
  }

  async getBucketConfig(name: string, kind: BucketConfigKind): Promise<string | null> {
    if (!CONFIG_KINDS.has(kind)) throw new StoreError('InvalidArgument', `Unknown bucket configuration ${String(kind)}`);
    const full = this.b(name);
    return this.call({ bucket: name }, async () => {
      const [exists, doc] = await Promise.all([this.bucketExists(full), this.sys.getConfig(name, kind)]);
      if (!exists) throw noSuchBucket(name);
      return doc;
    });
  }

  async getBucketConfigs(name: string): Promise<BucketConfigs> {
    const full = this.b(name);
    return this.call({ bucket: name }, async () => {
      const [exists, docs] = await Promise.all([this.bucketExists(full), this.sys.getConfigs(name)]);
      if (!exists) throw noSuchBucket(name);
      return docs;
    });
  }

  async putBucketConfig(name: string, kind: BucketConfigKind, document: string | null): Promise<void> {
    if (!CONFIG_KINDS.has(kind)) throw new StoreError('InvalidArgument', `Unknown bucket configuration ${String(kind)}`);
    await this.requireBucket(name);
    await this.call({ bucket: name }, () => this.sys.putConfig(name, kind, document));
  }

  // ---------------------------------------------------------------- objects

  /** ObjectInfo of a HEAD / GET answer (`versionId`: the version it names, see BackendVersions.idOf). */
  private infoOf(key: string, headers: IncomingHttpHeaders, size: number, versionId?: string): ObjectInfo {
    const etag = headers.etag;
    const modified = headers['last-modified'];
    const lastModified = modified !== undefined ? new Date(modified) : new Date(0);
    return Object.freeze({
      key,
      ...(versionId !== undefined ? { versionId } : {}),
      size,
      etag: typeof etag === 'string' ? normalizeEtag(etag) : '""',
      lastModified: Number.isNaN(lastModified.getTime()) ? new Date(0) : lastModified,
      metadata: freezeMetadata(decodeMetadata(headers)),
    });
  }

  /** When a write was acknowledged: the answer's Date (whole seconds, as S3 keeps it). */
  private writtenAt(res: IncomingMessage): Date {
    const date = res.headers.date !== undefined ? Date.parse(res.headers.date) : Number.NaN;
    return new Date(Math.floor((Number.isNaN(date) ? Date.now() : date) / 1000) * 1000);
  }

  /** Keys that cannot exist (head/get/delete): the bucket must still exist. */
  private async invalidKey(bucket: string, key: string): Promise<boolean> {
    try {
      checkKey(key);
      return false;
    } catch {
      await this.requireBucket(bucket);
      return true;
    }
  }

  async putObject(bucket: string, key: string, body: Readable, metadata: ObjectMetadata, opts?: PutObjectOptions): Promise<ObjectInfo> {
    const given = opts?.versionId;
    if (given === undefined) return this.put(bucket, key, body, metadata, opts, {});
    // A replica (PutObjectOptions.versionId): idempotent, nothing written when the version is there.
    const replica = replicaVersion(this.replicaWriter(), given, opts?.sourceTime);
    return this.replicaLocked(bucket, key, given, async () => {
      const existing = await this.replicaTarget(bucket, key, given);
      if (existing === 'deleteMarker') throw replicaIsDeleteMarker(given);
      if (existing !== null) {
        // Read to its end, as a write would: the client's request completes normally.
        await finished(body.resume());
        return existing;
      }
      return this.put(bucket, key, body, metadata, opts, {}, replica);
    });
  }

  /**
   * A replica write of version `versionId`, one at a time in this process: radosgw writes over an
   * instance that exists, so the check that it does not and the write go together (two origin
   * nodes writing the same replica at once are not kept apart: docs/replication.md#the-s3-store).
   */
  private replicaLocked<T>(bucket: string, key: string, versionId: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(`replica\0${bucket}\0${key}\0${versionId}`, fn);
  }

  /** A replica whose metadata copy failed is removed again, so that sending it again writes it whole. */
  private async replicaUnfinished(full: string, key: string, versionId: string): Promise<never> {
    await this.versions.deleteVersion(full, key, versionId);
    throw new StoreError('InternalError', `The replica ${versionId} could not be finished (its metadata copy failed); it was removed, send it again.`);
  }

  /**
   * What version `versionId` of the key is before a replica of that id is written: an object, a
   * delete marker, or nothing yet. radosgw overwrites an instance in place when rgwx-version-id
   * names one that exists, so a replica never writes over one of the other kind (as the fs store:
   * fs-store/versions.ts commitVersion, deleteVersioned).
   */
  private async replicaTarget(bucket: string, key: string, versionId: string): Promise<ObjectInfo | 'deleteMarker' | null> {
    return this.headStored(bucket, key, { versionId }).catch((err: unknown) => {
      if (isStoreError(err, 'MethodNotAllowed')) return 'deleteMarker' as const;
      if (isStoreError(err, 'NoSuchVersion')) return null;
      throw err;
    });
  }

  /** The writer of versions of a given id (replicas), or NotImplemented saying what to configure. */
  private replicaWriter(): ReplicaWriter {
    if (this.replicas === null) throw noSystemCredentials();
    return this.replicas;
  }

  /**
   * PutObject with backend conditional headers (`if-match` / `if-none-match`, for appendObject), or
   * as version `replica.versionId` (replica-writes.ts).
   */
  private async put(
    bucket: string,
    key: string,
    body: Readable,
    metadata: ObjectMetadata,
    opts: PutObjectOptions | undefined,
    conditions: Record<string, string>,
    replica?: ReplicaVersion,
  ): Promise<ObjectInfo> {
    const full = this.b(bucket);
    checkKey(key);
    const encoded = encodeMetadata(metadata);
    return this.writing(full, () =>
      this.call({ bucket, key }, async () => {
        const headers = { ...encoded.headers, ...conditions };
        if (opts?.contentMd5 !== undefined) headers['content-md5'] = opts.contentMd5;
        const sized = await withLength(body, opts?.expectedSize, this.spoolDir);
        const versioned = this.versions.isVersioned(full);
        const client = replica?.writer.client ?? this.client;
        let res: IncomingMessage;
        try {
          const spec: RequestSpec = { method: 'PUT', bucket: full, key, headers, idempotent: false, unsignedPayload: true };
          if (opts?.payloadSha256 !== undefined) {
            if (!this.verifiesPayloadSha256) throw new StoreError('InternalError', 'payloadSha256 given to a store whose backend does not check it');
            // An empty body: radosgw checks no hash then (measured), so it is checked here.
            if (sized.length === 0 && opts.payloadSha256 !== EMPTY_SHA256) throw payloadSha256Mismatch(opts.payloadSha256);
            spec.payloadSha256 = opts.payloadSha256;
          }
          if (replica !== undefined) spec.query = await replica.writer.query(replica);
          const send = (): Promise<IncomingMessage> => (sized.buffer !== undefined ? client.request({ ...spec, body: sized.buffer }) : client.stream(spec, sized.stream!, sized.length));
          res = replica !== undefined ? await replica.writer.send(send) : await send();
        } catch (err) {
          // Only appendObject sends conditions: the version it checked is no longer current.
          if (isBackendError(err, 'PreconditionFailed') || isBackendError(err, 'ConditionalRequestConflict')) throw appendRaced();
          if (opts?.payloadSha256 !== undefined && isPayloadHashRefusal(err) && err.code === this.payloadMismatchCode) {
            throw payloadSha256Mismatch(opts.payloadSha256);
          }
          throw err;
        } finally {
          await sized.cleanup();
        }
        await drain(res);
        if (replica !== undefined) await replica.writer.check(res, replica.versionId, (written) => this.versions.deleteVersion(full, key, written));
        const etag = normalizeEtag(String(res.headers.etag ?? ''));
        let versionId = await this.versions.idOf(full, res.headers, versioned);
        let stored = encoded.stored;
        let lastModified = this.writtenAt(res);
        // A trailer checksum is known only once the body has ended (after the headers went out): store it now.
        // So is an encrypted object's plaintext MD5 (its ETag), which the envelope gains at the end.
        const late = metadata.checksum;
        const lateSealed = metadata.sealed !== stored.sealed;
        if ((late !== undefined && !sameChecksum(late, stored.checksum)) || lateSealed) {
          const md: ObjectMetadata = { ...stored };
          if (late !== undefined) md.checksum = late;
          if (metadata.sealed !== undefined) md.sealed = metadata.sealed;
          const rewritten = await this.rewriteMetadata(full, key, etag, md, versionId, replica);
          if (rewritten !== null) ({ stored, lastModified, versionId } = rewritten);
          else if (replica !== undefined) await this.replicaUnfinished(full, key, replica.versionId);
        }
        this.objectCache.forget(ObjectCache.id(full, key, undefined));
        return Object.freeze({ key, ...(versionId !== undefined ? { versionId } : {}), size: sized.length, etag, lastModified, metadata: freezeMetadata(stored) });
      }),
    );
  }

  /**
   * Replaces an object's metadata by copying it onto itself (REPLACE), only
   * if it is still the version `etag`. Null when that failed for any reason
   * (overwritten meanwhile, the backend cannot copy it — e.g. over 5 GiB on
   * AWS —, or is unreachable): the object is stored either way and keeps the
   * metadata it had, so the write that called this still succeeds.
   *
   * In a bucket with versioning enabled the copy is a new version: it is made from exactly the
   * version written (`versionId`), which is then removed, so the write leaves one version, the
   * copy (whose id is returned). Until then both are listed. With `keepId` (a replica's write) the
   * copy is written as that same version, at its epoch, instead (replica-writes.ts).
   */
  private async rewriteMetadata(
    full: string,
    key: string,
    etag: string,
    md: ObjectMetadata,
    versionId?: string,
    keepId?: ReplicaVersion,
  ): Promise<{ stored: ObjectMetadata; lastModified: Date; etag: string; versionId?: string } | null> {
    const encoded = encodeMetadata(md);
    const pinned = versionId !== undefined && versionId !== NULL_VERSION ? versionId : undefined;
    const inPlace = keepId !== undefined && keepId.versionId === pinned ? keepId : undefined;
    let res: IncomingMessage;
    let result: { etag: string; lastModified: Date };
    try {
      let body: Buffer;
      ({ res, body } = await (inPlace?.writer.client ?? this.client).requestBody({
        method: 'PUT',
        bucket: full,
        key,
        ...(inPlace !== undefined ? { query: await inPlace.writer.query(inPlace) } : {}),
        headers: {
          ...encoded.headers,
          'x-amz-copy-source': copySource(full, key, pinned),
          ...copyIfMatch(etag),
          'x-amz-metadata-directive': 'REPLACE',
        },
        idempotent: true,
      }));
      result = parseCopyResult(body, 'CopyObjectResult');
    } catch {
      return null;
    }
    if (inPlace !== undefined) return { stored: encoded.stored, lastModified: result.lastModified, etag: result.etag, versionId: pinned! };
    // radosgw does not say which version a copy made: found in the key's history.
    const copied = versionIdHeader(res.headers) ?? (pinned !== undefined ? await this.versions.findWritten(full, key, result.etag, result.lastModified) : versionId);
    if (pinned !== undefined) {
      if (copied === undefined) return null; // the copy's id is unknown: report the version written, which still exists
      if (copied !== pinned) await this.versions.deleteVersion(full, key, pinned);
    }
    return { stored: encoded.stored, lastModified: result.lastModified, etag: result.etag, ...(copied !== undefined ? { versionId: copied } : {}) };
  }

  /**
   * Append (docs/append.md). A backend object cannot grow in place through the S3 API (radosgw's
   * `?append` works only on objects created by it, never on a multipart or a plain PUT's), so
   * the new version is the old bytes (streamed from the backend) followed by the new ones, in
   * one PUT made conditional on the version whose size was checked (`If-Match` its ETag, or
   * `If-None-Match: *` for a new key): a concurrent writer makes it fail with 412, answered
   * InvalidWriteOffset, and the backend never shows a half object. Deviation from the brief's
   * ideal: this driver rewrites the existing bytes (O(size) per append); the fs driver does not.
   * The ETag is the backend's (the MD5 of the whole), not the fs driver's chain.
   */
  async appendObject(...a: Parameters<ObjectStore['appendObject']>): Promise<ObjectInfo> {
    // Serialized per key in this process; between nodes the backend's conditional PUT decides.
    return this.locks.run(`append\0${a[0]}\0${a[1]}`, () => this.append(...a));
  }

  private async append(...[bucket, key, offset, body, metadata, opts]: Parameters<ObjectStore['appendObject']>): Promise<ObjectInfo> {
    checkKey(key);
    const full = this.b(bucket);
    // In a bucket with versioning enabled, radosgw refuses every If-Match (and lets If-None-Match: *
    // overwrite): there the append is checked after its PUT, against the key's history (appendChecked).
    const enabled = (await this.versions.isVersioned(full)) && (await this.call({ bucket }, () => this.versions.getStatus(full))) === 'Enabled';
    let base: ListedVersion | undefined;
    let current: ObjectInfo | null;
    if (enabled) {
      base = (await this.call({ bucket }, () => this.versions.historyOf(full, key, 1)))[0];
      current = base === undefined || base.deleteMarker ? null : await this.headObject(bucket, key, { versionId: base.versionId }).catch(raced);
    } else {
      current = await this.headObject(bucket, key);
    }
    checkWriteOffset(current, offset);
    const partBytes = opts?.expectedSize;
    if (partBytes !== undefined) checkAppendedSize(current, partBytes, S3_LIMITS.maxObjectBytes);
    if (current === null) {
      if (!enabled) return this.put(bucket, key, body, metadata, opts, { 'if-none-match': '*' });
      return this.appendChecked(full, key, base, await this.put(bucket, key, body, metadata, opts, {}));
    }
    // The old bytes of exactly the version checked, where it has an id.
    const old = await this.getObject(
      bucket,
      key,
      current.size > 0 ? { start: 0, end: current.size - 1 } : undefined,
      current.versionId !== undefined ? { versionId: current.versionId } : undefined,
    ).catch(raced);
    if (old === null || old.info.etag !== current.etag) {
      old?.body.destroy();
      throw appendRaced();
    }
    {
      // Content-MD5 is of the appended bytes, not of the whole: checked on them, failing the PUT.
      const { contentMd5, knownMd5: _md5, ...rest } = opts ?? {};
      const whole = concatStreams(old.buffer !== undefined ? [old.buffer] : old.body, contentMd5 !== undefined ? md5CheckedBody(body, contentMd5) : body);
      const putOpts: PutObjectOptions = { ...rest };
      if (partBytes !== undefined) putOpts.expectedSize = current.size + partBytes;
      const md = appendedMetadata(current, partBytes ?? 0);
      // Unquoted: radosgw compares If-Match with its stored ETag as plain text (S3 takes either form).
      const conditions: Record<string, string> = enabled ? {} : { 'if-match': current.etag.replace(/^"|"$/g, '') };
      let info = await this.put(bucket, key, whole, md, putOpts, conditions);
      if (enabled) info = await this.appendChecked(full, key, base, info);
      // The part list needs the appended size, known now.
      const partSizes = [...(current.metadata.partSizes ?? [current.size]), info.size - current.size];
      if (partBytes !== undefined) return info;
      const rewritten = await this.rewriteMetadata(full, key, info.etag, { ...md, partSizes }, info.versionId);
      if (rewritten === null) return info;
      return Object.freeze({
        ...info,
        ...(rewritten.versionId !== undefined ? { versionId: rewritten.versionId } : {}),
        etag: rewritten.etag,
        lastModified: rewritten.lastModified,
        metadata: freezeMetadata(rewritten.stored),
      });
    }
  }

  /**
   * An append's PUT in a bucket with versioning enabled was unconditional: it stands only if the
   * version it made directly follows `base` (the key's newest entry when the append read it) in
   * the key's history. Else another write came between: the version is removed again and the
   * append answers InvalidWriteOffset. Of concurrent appends at one offset exactly one finds its
   * version right after `base`. Until then the losing version is visible.
   */
  private async appendChecked(full: string, key: string, base: ListedVersion | undefined, info: ObjectInfo): Promise<ObjectInfo> {
    const written = info.versionId;
    if (written === undefined || written === NULL_VERSION) return info; // versioning was suspended meanwhile: nothing to check by
    let history: ListedVersion[];
    try {
      history = await this.versions.historyOf(full, key);
    } catch (err) {
      await this.versions.deleteVersion(full, key, written);
      throw this.fail(err, { key });
    }
    const at = history.findIndex((e) => e.versionId === written);
    if (at >= 0 && history[at + 1]?.versionId === base?.versionId) return info;
    await this.versions.deleteVersion(full, key, written);
    throw appendRaced();
  }

  /** `?versionId=` of a read of one version. */
  private versionQuery(versionId: string | undefined): { query?: [string, string][] } {
    return versionId !== undefined ? { query: [['versionId', versionId]] } : {};
  }

  async headObject(bucket: string, key: string, opts?: ReadOptions): Promise<ObjectInfo | null> {
    const info = await this.headStored(bucket, key, opts);
    // A version written PENDING: its status since then is in its sidecar (replication-status.ts).
    return info === null ? null : this.call({ bucket, key }, () => this.statuses.overlay(bucket, info));
  }

  /** HeadObject as the backend object says, without the replication status sidecar. */
  private async headStored(bucket: string, key: string, opts?: ReadOptions): Promise<ObjectInfo | null> {
    const full = this.b(bucket);
    const versionId = opts?.versionId;
    if (await this.invalidKey(bucket, key)) {
      if (versionId !== undefined) throw noSuchVersion(versionId);
      return null;
    }
    return this.call({ bucket, key }, async () => {
      const versioned = this.versions.isVersioned(full);
      const res = await this.client.request({ method: 'HEAD', bucket: full, key, ...this.versionQuery(versionId), accept: [404, 405] });
      await drain(res);
      if (res.statusCode === 404 || res.statusCode === 405) {
        // A HEAD's 404 has no body: was it the key (the version) or the bucket?
        if (!(await this.bucketExists(full))) throw noSuchBucket(bucket);
        if (versionId === undefined) return null;
        if (res.statusCode === 405 || isDeleteMarkerAnswer(res.headers)) throw deleteMarkerRead(versionId);
        throw await this.versions.missing(full, key, versionId);
      }
      return this.infoOf(key, res.headers, Number(res.headers['content-length'] ?? 0), await this.versions.idOf(full, res.headers, versioned));
    });
  }

  async getObject(bucket: string, key: string, range?: ByteRange, opts?: ReadOptions): Promise<GetObjectResult | null> {
    const full = this.b(bucket);
    const versionId = opts?.versionId;
    if (await this.invalidKey(bucket, key)) {
      if (versionId !== undefined) throw noSuchVersion(versionId);
      return null;
    }
    const cacheId = ObjectCache.id(full, key, versionId);
    if (this.objectCache.holds(cacheId)) {
      const kept = await this.readKept(bucket, key, cacheId, range, opts);
      if (kept !== undefined) return kept;
    }
    return this.call({ bucket }, async () => {
      const versioned = this.versions.isVersioned(full);
      let res: IncomingMessage;
      try {
        res = await this.client.request({
          method: 'GET',
          bucket: full,
          key,
          ...this.versionQuery(versionId),
          ...(range !== undefined ? { headers: { range: `bytes=${range.start}-${range.end}` } } : {}),
        });
      } catch (err) {
        if (versionId !== undefined) {
          // S3 answers 405 for a delete marker's id; radosgw a 404 like any unknown id.
          if (isBackendError(err, 'MethodNotAllowed')) throw deleteMarkerRead(versionId);
          if (isBackendError(err, 'NoSuchKey') || isBackendError(err, 'NoSuchVersion')) throw await this.versions.missing(full, key, versionId);
        }
        if (isBackendError(err, 'NoSuchKey')) return null;
        if (isBackendError(err, 'InvalidRange')) {
          // The caller checked the range against the size it saw: the object changed since.
          throw objectChanged();
        }
        throw err;
      }
      const length = Number(res.headers['content-length'] ?? 0);
      let size = length;
      if (res.statusCode === 206) {
        const total = /\/(\d+)\s*$/.exec(String(res.headers['content-range'] ?? ''));
        if (total === null) {
          res.destroy();
          throw new StoreError('InternalError', 'The storage backend answered a range request without Content-Range');
        }
        size = Number(total[1]);
      } else if (range !== undefined && !(range.start === 0 && range.end === size - 1)) {
        res.destroy();
        throw new StoreError('InternalError', 'The storage backend ignored a Range header');
      }
      let info: ObjectInfo;
      try {
        // A version written PENDING: its status since then is in its sidecar (replication-status.ts).
        info = await this.statuses.overlay(bucket, this.infoOf(key, res.headers, size, await this.versions.idOf(full, res.headers, versioned)));
      } catch (err) {
        res.destroy();
        throw err;
      }
      // Small answers are read whole (the caller can send them in one write), and so are whole
      // objects the object cache may keep; the rest is the backend's response itself, streamed
      // and never buffered here.
      const whole = res.statusCode === 200;
      const small = length <= this.wholeBodyBytes;
      const release = whole && !small ? this.objectCache.reserve(length) : undefined;
      if (!small && release === undefined) return { info, body: res };
      let body: Buffer;
      try {
        body = await readBody(res, Math.max(length, this.wholeBodyBytes));
      } catch (err) {
        release?.();
        throw err;
      }
      // Kept only on the backend's own clock: an answer without a Date is not kept.
      if (whole && res.headers.date !== undefined) this.objectCache.keep(cacheId, info, body, this.writtenAt(res));
      return release === undefined ? lazyBodyResult(info, body) : { info, body: sendKept(body, release) };
    });
  }

  /**
   * A read of an object the object cache holds (object-cache.ts): a HEAD, then the kept body if
   * the HEAD describes the version kept. Undefined when it does not (the caller GETs it).
   */
  private async readKept(bucket: string, key: string, cacheId: string, range: ByteRange | undefined, opts: ReadOptions | undefined): Promise<GetObjectResult | null | undefined> {
    const info = await this.headObject(bucket, key, opts);
    const body = info === null ? undefined : this.objectCache.body(cacheId, info);
    if (info === null || body === undefined) {
      this.objectCache.forget(cacheId); // changed or gone: not worth another HEAD
      return info === null ? null : undefined;
    }
    if (range !== undefined && range.end >= info.size) throw objectChanged();
    const part = range === undefined ? body : body.subarray(range.start, range.end + 1);
    // A small answer is one buffer (a piece of a larger body copied out, so it pins only itself).
    if (part.length <= this.wholeBodyBytes) return lazyBodyResult(info, part === body ? body : Buffer.from(part));
    // The stream keeps the whole body until its last piece is out: it holds the whole body's size.
    const release = this.objectCache.reserve(body.length);
    return release === undefined ? undefined : { info, body: sendKept(part, release) };
  }

  async deleteObject(bucket: string, key: string, opts?: DeleteObjectOptions): Promise<DeleteObjectResult> {
    const full = this.b(bucket);
    if (opts?.markerVersionId !== undefined) return this.putDeleteMarker(bucket, full, key, opts.markerVersionId, opts.sourceTime);
    if (await this.invalidKey(bucket, key)) return {};
    return this.call({ bucket, key }, async () => {
      let res: IncomingMessage;
      try {
        res = await this.client.request({ method: 'DELETE', bucket: full, key, ...this.versionQuery(opts?.versionId) });
      } catch (err) {
        // Deleting what is not there succeeds (an unknown version id too).
        if (isBackendError(err, 'NoSuchKey') || isBackendError(err, 'NoSuchVersion')) return {};
        throw err;
      }
      await drain(res);
      this.objectCache.forget(ObjectCache.id(full, key, opts?.versionId));
      // What the backend did, as its x-amz-version-id / x-amz-delete-marker say (absent: a bucket never versioned).
      const result: DeleteObjectResult = {};
      // A version removed for good takes its replication status with it (best effort).
      if (opts?.versionId !== undefined && opts.versionId !== NULL_VERSION) await this.statuses.remove(bucket, key, opts.versionId);
      const versionId = versionIdHeader(res.headers);
      if (versionId !== undefined) result.versionId = versionId;
      if (isDeleteMarkerAnswer(res.headers)) result.deleteMarker = true;
      return result;
    });
  }

  /** A replica's delete marker, of id `versionId` (DeleteObjectOptions.markerVersionId): idempotent. */
  private async putDeleteMarker(bucket: string, full: string, key: string, versionId: string, sourceTime: Date | undefined): Promise<DeleteObjectResult> {
    const replicas = this.replicaWriter();
    const marker = replicaVersion(replicas, versionId, sourceTime);
    checkKey(key);
    return this.replicaLocked(bucket, key, versionId, () =>
      this.call({ bucket, key }, async () => {
        const existing = await this.replicaTarget(bucket, key, versionId);
        if (existing === 'deleteMarker') return { versionId, deleteMarker: true };
        if (existing !== null) throw new StoreError('InvalidRequest', `Version ${versionId} of this key is not a delete marker`);
        const query = await replicas.query(marker);
        const res = await replicas.send(() => replicas.client.request({ method: 'DELETE', bucket: full, key, query, idempotent: true }));
        await drain(res);
        await replicas.check(res, versionId, (written) => this.versions.deleteVersion(full, key, written));
        return { versionId, deleteMarker: true };
      }),
    );
  }

  /**
   * ObjectStore.updateVersionMetadata. The ACL, tags and status live in the version's user
   * metadata (metadata.ts), which no backend changes in place: the current object is copied onto
   * itself with the patched metadata (same bytes and envelope; a versioned backend bucket adds a
   * version). A version named by id cannot be changed that way, so that is NotImplemented once
   * the version is known to exist (NoSuchVersion, MethodNotAllowed first); but in a bucket that was
   * never versioned the `null` version is the object. One exception, what replication needs: the
   * replication status of a version written PENDING, kept in its sidecar (replication-status.ts).
   */
  async updateVersionMetadata(bucket: string, key: string, versionId: string | undefined, patch: VersionMetadataPatch): Promise<ObjectInfo> {
    if (versionId !== undefined) {
      const named = await this.headStored(bucket, key, { versionId });
      if (named === null) throw noSuchVersion(versionId);
      const status = patch.replicationStatus;
      const statusOnly = patch.acl === undefined && patch.grants === undefined && patch.tagging === undefined;
      if (statusOnly && status !== undefined && status !== null && status !== 'REPLICA' && ReplicationStatuses.keepsSidecar(named)) {
        await this.call({ bucket, key }, () => this.statuses.write(bucket, key, named.versionId, status));
        return withStatus(named, status);
      }
      if (named.versionId !== undefined) {
        throw new StoreError(
          'NotImplemented',
          'Changing the ACL or tags of an object version named by versionId is not implemented over an S3 backend (the s3 store cannot rewrite a version in place; only the replication status of a version written PENDING changes); omit versionId to change the current version.',
        );
      }
    }
    const current = await this.headObject(bucket, key);
    if (current === null) throw noSuchKey(key);
    if (!changesMetadata(current.metadata, patch)) return current;
    const md = applyMetadataPatch(current.metadata, patch);
    // In a versioned bucket the copy is a new version, which no replication record names: it has no status.
    if (patch.replicationStatus === undefined && current.versionId !== undefined && current.versionId !== NULL_VERSION) delete md.replicationStatus;
    return this.copyObject({ bucket, key }, { bucket, key }, md);
  }

  async getBucketVersioning(bucket: string): Promise<VersioningStatus | null> {
    const full = this.b(bucket);
    return this.call({ bucket }, () => this.versions.getStatus(full));
  }

  async putBucketVersioning(bucket: string, status: VersioningStatus): Promise<void> {
    if (status !== 'Enabled' && status !== 'Suspended') throw new StoreError('InvalidArgument', `Unknown versioning status ${String(status)}`);
    const full = this.b(bucket);
    await this.call({ bucket }, () => this.versions.putStatus(full, status));
  }

  /** The backend's ListObjectVersions, cut to our page (listing.ts); versions carry no metadata, as in listObjects. */
  async listObjectVersions(bucket: string, opts: ListObjectVersionsOptions): Promise<ListObjectVersionsResult> {
    const full = this.b(bucket);
    const plan = planVersionListing(opts);
    return this.call({ bucket }, async () => {
      const { body } = await this.client.requestBody({ method: 'GET', bucket: full, query: plan.query });
      const page = finishVersionListing(plan, parseListVersions(body));
      const noMetadata = freezeMetadata({ userMetadata: {} });
      const versions = page.entries.map((e): ObjectVersionInfo => {
        const base = { key: e.key, versionId: e.versionId, isLatest: e.isLatest, lastModified: e.lastModified };
        if (e.deleteMarker) return Object.freeze({ ...base, deleteMarker: true });
        const object: ObjectInfo = Object.freeze({ key: e.key, versionId: e.versionId, size: e.size ?? 0, etag: e.etag ?? '""', lastModified: e.lastModified, metadata: noMetadata });
        return Object.freeze({ ...base, object });
      });
      const result: ListObjectVersionsResult = { versions, commonPrefixes: page.commonPrefixes, isTruncated: page.isTruncated };
      if (page.nextKeyMarker !== undefined) result.nextKeyMarker = page.nextKeyMarker;
      if (page.nextVersionIdMarker !== undefined) result.nextVersionIdMarker = page.nextVersionIdMarker;
      return result;
    });
  }

  /**
   * The source of a copy: its current version, or the one named (NoSuchVersion; a delete
   * marker's id is InvalidRequest, as S3 answers CopyObject and UploadPartCopy).
   */
  private async copySourceInfo(src: { bucket: string; key: string; versionId?: string | undefined }): Promise<ObjectInfo> {
    const source = await asCopySource(this.headObject(src.bucket, src.key, src.versionId !== undefined ? { versionId: src.versionId } : undefined));
    if (source === null) throw noSuchKey(src.key);
    return source;
  }

  /** A copy's new version: S3 says it (x-amz-version-id); radosgw does not, so it is looked up. */
  private async copiedVersion(full: string, key: string, res: IncomingMessage, result: { etag: string; lastModified: Date }, versioned: Promise<boolean>): Promise<string | undefined> {
    const id = versionIdHeader(res.headers);
    if (id !== undefined || !(await versioned)) return id;
    return (await this.versions.findWritten(full, key, result.etag, result.lastModified)) ?? NULL_VERSION;
  }

  async copyObject(src: { bucket: string; key: string; versionId?: string }, dst: { bucket: string; key: string }, metadata: ObjectMetadata): Promise<ObjectInfo> {
    const sfull = this.b(src.bucket);
    const dfull = this.b(dst.bucket);
    checkKey(dst.key);
    encodeMetadata(metadata); // refuses bad names before any request
    for (let attempt = 1; ; attempt++) {
      const source = await this.copySourceInfo(src);
      // The copy reads exactly the version looked at (its ETag condition is then only a safeguard).
      const sourceVersion = src.versionId ?? source.versionId;
      // As the fs driver: the copy keeps the source's part layout (same bytes, same ETag on most backends).
      const { partChecksums: _dropped, ...rest } = metadata;
      const md: ObjectMetadata = { ...rest };
      if (source.metadata.partSizes !== undefined) md.partSizes = [...source.metadata.partSizes];
      else delete md.partSizes;
      const encoded = encodeMetadata(md);
      const versioned = this.versions.isVersioned(dfull);
      try {
        const { res, body } = await this.client.requestBody({
          method: 'PUT',
          bucket: dfull,
          key: dst.key,
          headers: {
            ...encoded.headers,
            'x-amz-copy-source': copySource(sfull, src.key, sourceVersion),
            ...copyIfMatch(source.etag),
            'x-amz-metadata-directive': 'REPLACE',
          },
          idempotent: true,
        });
        const result = parseCopyResult(body, 'CopyObjectResult');
        const versionId = await this.copiedVersion(dfull, dst.key, res, result, versioned);
        let stored = encoded.stored;
        if (result.etag !== source.etag && stored.partSizes !== undefined) {
          // The backend re-chunked the copy: its old part layout no longer applies.
          stored = { ...stored };
          delete stored.partSizes;
        }
        return Object.freeze({
          key: dst.key,
          ...(versionId !== undefined ? { versionId } : {}),
          size: source.size,
          etag: result.etag,
          lastModified: result.lastModified,
          metadata: freezeMetadata(stored),
        });
      } catch (err) {
        // The source changed between our HEAD and the copy (or the version looked at is gone): look again.
        if ((isBackendError(err, 'PreconditionFailed') || (src.versionId === undefined && sourceVersion !== undefined && isBackendError(err, 'NoSuchKey'))) && attempt < 3) continue;
        if (src.versionId !== undefined && (isBackendError(err, 'NoSuchKey') || isBackendError(err, 'NoSuchVersion'))) throw noSuchVersion(src.versionId);
        if (isBackendError(err, 'NoSuchKey')) throw noSuchKey(src.key);
        throw this.fail(err, { bucket: dst.bucket });
      }
    }
  }

  async listObjects(bucket: string, opts: ListObjectsOptions): Promise<ListObjectsResult> {
    const full = this.b(bucket);
    const plan = planListing(opts);
    return this.call({ bucket }, async () => {
      const { body } = await this.client.requestBody({ method: 'GET', bucket: full, query: plan.query });
      const page = finishListing(plan, parseListObjectsV2(body));
      const result: ListObjectsResult = {
        objects: page.objects.map((o) => Object.freeze({ key: o.key, size: o.size, etag: o.etag, lastModified: o.lastModified, metadata: freezeMetadata({ userMetadata: {} }) })),
        commonPrefixes: page.commonPrefixes,
        isTruncated: page.isTruncated,
      };
      if (page.lastReturned !== undefined) result.lastReturned = page.lastReturned;
      return result;
    });
  }

  // ---------------------------------------------------------------- multipart

  private uploadQuery(uploadId: string, partNumber?: number): [string, string][] {
    return partNumber === undefined
      ? [['uploadId', uploadId]]
      : [
          ['partNumber', String(partNumber)],
          ['uploadId', uploadId],
        ];
  }

  async createMultipartUpload(bucket: string, key: string, metadata: ObjectMetadata): Promise<MultipartUploadInfo> {
    const full = this.b(bucket);
    checkKey(key);
    // The object's checksum is decided at completion (completedMetadata); the announced one is kept aside.
    const { checksum: announced, partSizes: _ignored, partChecksums: _none, ...rest } = metadata;
    const encoded = encodeMetadata(rest);
    return this.writing(full, () =>
      this.call({ bucket, key }, async () => {
        const { body } = await this.client.requestBody({
          method: 'POST',
          bucket: full,
          key,
          query: [['uploads', undefined]],
          headers: encoded.headers,
          idempotent: false,
        });
        const uploadId = parseInitiateMultipartUpload(body);
        if (announced !== undefined) {
          try {
            await this.sys.putAnnounced(bucket, uploadId, announced);
          } catch (err) {
            await this.client.request({ method: 'DELETE', bucket: full, key, query: this.uploadQuery(uploadId) }).then(drain, () => {});
            throw err;
          }
        }
        return Object.freeze({
          uploadId,
          key,
          initiated: new Date(Math.floor(Date.now() / 1000) * 1000),
          metadata: freezeMetadata(metadata),
        });
      }),
    );
  }

  async uploadPart(...[bucket, key, uploadId, partNumber, body, opts]: Parameters<ObjectStore['uploadPart']>): Promise<PartInfo> {
    const full = this.b(bucket);
    checkPartNumber(partNumber);
    if (uploadId === '' || !isValidKey(key)) throw noSuchUpload(uploadId);
    return this.writing(full, () =>
      this.call({ bucket, key, uploadId }, async () => {
        const headers: Record<string, string> = {};
        if (opts?.contentMd5 !== undefined) headers['content-md5'] = opts.contentMd5;
        const sized = await withLength(body, opts?.expectedSize, this.spoolDir);
        let res: IncomingMessage;
        try {
          const spec: RequestSpec = {
            method: 'PUT',
            bucket: full,
            key,
            query: this.uploadQuery(uploadId, partNumber),
            headers,
            idempotent: false,
            unsignedPayload: true,
          };
          res = sized.buffer !== undefined ? await this.client.request({ ...spec, body: sized.buffer }) : await this.client.stream(spec, sized.stream!, sized.length);
        } finally {
          await sized.cleanup();
        }
        await drain(res);
        const etag = normalizeEtag(String(res.headers.etag ?? ''));
        const info: PartInfo = { partNumber, size: sized.length, etag, lastModified: this.writtenAt(res) };
        // Read after the body ended: a trailer checksum is known by now.
        const checksum = opts?.checksum;
        if (checksum !== undefined) {
          await this.sys.putPartChecksum(bucket, uploadId, partNumber, etag, checksum);
          info.checksum = { ...checksum };
        }
        return Object.freeze(info);
      }),
    );
  }

  async uploadPartCopy(...[bucket, key, uploadId, partNumber, src]: Parameters<ObjectStore['uploadPartCopy']>): Promise<PartInfo> {
    const full = this.b(bucket);
    const sfull = this.b(src.bucket);
    checkPartNumber(partNumber);
    if (uploadId === '' || !isValidKey(key)) throw noSuchUpload(uploadId);
    let size: number;
    let sourceVersion = src.versionId;
    const headers: Record<string, string> = {};
    if (src.range !== undefined) {
      size = src.range.end - src.range.start + 1;
      headers['x-amz-copy-source-range'] = `bytes=${src.range.start}-${src.range.end}`;
    } else {
      const source = await this.copySourceInfo(src);
      size = source.size;
      sourceVersion ??= source.versionId;
      Object.assign(headers, copyIfMatch(source.etag));
    }
    headers['x-amz-copy-source'] = copySource(sfull, src.key, sourceVersion);
    return this.call({ bucket, uploadId }, async () => {
      try {
        const { body } = await this.client.requestBody({
          method: 'PUT',
          bucket: full,
          key,
          query: this.uploadQuery(uploadId, partNumber),
          headers,
          idempotent: true,
        });
        const result = parseCopyResult(body, 'CopyPartResult');
        return Object.freeze({ partNumber, size, etag: result.etag, lastModified: result.lastModified });
      } catch (err) {
        if (src.versionId !== undefined && (isBackendError(err, 'NoSuchKey') || isBackendError(err, 'NoSuchVersion') || isBackendError(err, 'MethodNotAllowed'))) {
          const missing = await this.versions.missing(sfull, src.key, src.versionId);
          throw missing.code === 'MethodNotAllowed' ? copyOfDeleteMarker() : missing;
        }
        if (isBackendError(err, 'NoSuchKey')) throw noSuchKey(src.key);
        if (isBackendError(err, 'PreconditionFailed')) {
          throw new StoreError('ServiceUnavailable', 'The copy source changed while it was being copied; try again.');
        }
        throw err;
      }
    });
  }

  /** Every part of an upload (all ListParts pages). */
  private async allParts(full: string, ref: UploadRef): Promise<ListedPart[]> {
    const parts: ListedPart[] = [];
    let marker = 0;
    for (;;) {
      const { body } = await this.client.requestBody({
        method: 'GET',
        bucket: full,
        key: ref.key,
        query: [
          ['max-parts', String(MAX_PARTS_PAGE)],
          ['part-number-marker', String(marker)],
          ['uploadId', ref.uploadId],
        ],
      });
      const page = parseListParts(body);
      parts.push(...page.parts);
      const next = page.nextPartNumberMarker ?? page.parts[page.parts.length - 1]?.partNumber;
      if (!page.isTruncated || next === undefined || next <= marker) return parts;
      marker = next;
    }
  }

  async completeMultipartUpload(...[bucket, key, uploadId, parts, opts]: Parameters<ObjectStore['completeMultipartUpload']>): Promise<ObjectInfo> {
    const full = this.b(bucket);
    if (uploadId === '' || !isValidKey(key)) throw noSuchUpload(uploadId);
    const given = opts?.versionId;
    if (given === undefined) return this.complete(bucket, full, key, uploadId, parts, opts, undefined);
    const replica = replicaVersion(this.replicaWriter(), given, opts?.sourceTime);
    return this.replicaLocked(bucket, key, given, async () => {
      // A replica (idempotent): when the version is there already, the upload is not needed.
      const existing = await this.replicaTarget(bucket, key, given);
      if (existing === 'deleteMarker') throw replicaIsDeleteMarker(given);
      if (existing !== null) {
        await this.abortMultipartUpload(bucket, key, uploadId).catch(() => {});
        return existing;
      }
      return this.complete(bucket, full, key, uploadId, parts, opts, replica);
    });
  }

  private async complete(
    ...[bucket, full, key, uploadId, parts, opts, replica]: [
      string,
      string,
      string,
      string,
      Parameters<ObjectStore['completeMultipartUpload']>[3],
      Parameters<ObjectStore['completeMultipartUpload']>[4],
      ReplicaVersion | undefined,
    ]
  ): Promise<ObjectInfo> {
    const ref = { bucket, key, uploadId };
    // Serialized per upload in this process: a second Complete (or an Abort) then finds it gone.
    return this.locks.run(`upload\0${uploadId}`, () =>
      this.writing(full, () =>
        this.call({ bucket, key, uploadId }, async () => {
          const [listed, checksums] = await Promise.all([this.allParts(full, ref), this.sys.uploadChecksums(bucket, uploadId)]);
          // Validated here first, so the errors are the contract's whatever the backend's minimum part size.
          const available = new Map(listed.map((p) => [p.partNumber, { info: p }]));
          const chosen = chooseCompletedParts(uploadId, available, parts, this.minPartSize);
          const total = chosen.reduce((sum, p) => sum + p.info.size, 0);
          if (total > S3_LIMITS.maxObjectBytes) {
            throw new StoreError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
              ProposedSize: String(total),
              MaxSizeAllowed: String(S3_LIMITS.maxObjectBytes),
            });
          }
          const spec: RequestSpec = {
            method: 'POST',
            bucket: full,
            key,
            query: [...this.uploadQuery(uploadId), ...(replica !== undefined ? await replica.writer.query(replica) : [])],
            headers: { 'content-type': 'application/xml' },
            body: completeMultipartUploadRequest(chosen.map((p) => ({ partNumber: p.info.partNumber, etag: p.info.etag }))),
            idempotent: false,
          };
          const { res, body } = replica !== undefined ? await replica.writer.send(() => replica.writer.client.requestBody(spec)) : await this.client.requestBody(spec);
          // A 200 carrying <Error> throws. radosgw (Pacific) answers an empty ETag: it is the usual multipart one.
          const etag = parseCompleteMultipartUpload(body).etag ?? expectedMultipartEtag(chosen.map((p) => p.info.etag));
          if (replica !== undefined) await replica.writer.check(res, replica.versionId, (written) => this.versions.deleteVersion(full, key, written));
          void this.sys.clearUpload(bucket, uploadId).catch(() => {});
          // Each part's checksum as UploadPart stored it in the system bucket (by part number and ETag).
          const chosenInfos = chosen.map((p): PartInfo => {
            const c = checksums.parts.get(partChecksumKey(p.info.partNumber, p.info.etag));
            return c !== undefined ? { ...p.info, checksum: c } : p.info;
          });
          const partSizes = chosenInfos.map((p) => p.size);
          const wanted = completedMetadata({ userMetadata: {}, ...(checksums.announced !== undefined ? { checksum: checksums.announced } : {}) }, chosenInfos, opts?.checksum);
          // The object carries the metadata given at CreateMultipartUpload; part sizes and the checksum are added by a metadata copy.
          // The object exists now: nothing after this point may fail the completion.
          const versionId = await this.versions.idOf(full, res.headers);
          // In a bucket that keeps versions, exactly the version completed (another write may be current by now).
          const pinned = versionId !== undefined && versionId !== NULL_VERSION ? versionId : undefined;
          const current = await this.client.request({ method: 'HEAD', bucket: full, key, ...this.versionQuery(pinned), accept: [404] }).then(
            async (head) => {
              await drain(head);
              return head.statusCode === 404 ? null : this.infoOf(key, head.headers, Number(head.headers['content-length'] ?? 0), versionId);
            },
            () => null,
          );
          let info: ObjectInfo =
            current?.etag === etag
              ? current
              : Object.freeze({
                  key,
                  ...(versionId !== undefined ? { versionId } : {}),
                  size: total,
                  etag,
                  lastModified: this.writtenAt(res),
                  metadata: freezeMetadata({ userMetadata: {} }),
                });
          if (current?.etag !== etag && replica !== undefined) await this.replicaUnfinished(full, key, replica.versionId);
          if (current?.etag === etag) {
            const md: ObjectMetadata = { ...current.metadata, userMetadata: { ...current.metadata.userMetadata }, partSizes };
            if (wanted.checksum !== undefined) md.checksum = wanted.checksum;
            else delete md.checksum;
            if (wanted.partChecksums !== undefined) md.partChecksums = wanted.partChecksums;
            else delete md.partChecksums;
            const rewritten = await this.rewriteMetadata(full, key, etag, md, versionId, replica);
            if (rewritten === null && replica !== undefined) await this.replicaUnfinished(full, key, replica.versionId);
            if (rewritten !== null) {
              info = Object.freeze({
                key,
                ...(rewritten.versionId !== undefined ? { versionId: rewritten.versionId } : {}),
                size: total,
                etag: rewritten.etag,
                lastModified: rewritten.lastModified,
                metadata: freezeMetadata(rewritten.stored),
              });
            }
          }
          return info;
        }),
      ),
    );
  }

  async abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    const full = this.b(bucket);
    if (uploadId === '' || !isValidKey(key)) throw noSuchUpload(uploadId);
    await this.locks.run(`upload\0${uploadId}`, () =>
      this.call({ bucket, key, uploadId }, async () => {
        await drain(await this.client.request({ method: 'DELETE', bucket: full, key, query: this.uploadQuery(uploadId), idempotent: false }));
        await this.sys.clearUpload(bucket, uploadId).catch(() => {});
      }),
    );
  }

  async listParts(...[bucket, key, uploadId, opts]: Parameters<ObjectStore['listParts']>): ReturnType<ObjectStore['listParts']> {
    const full = this.b(bucket);
    if (uploadId === '' || !isValidKey(key)) throw noSuchUpload(uploadId);
    const maxParts = Math.max(0, Math.min(opts.maxParts, MAX_PARTS_PAGE));
    return this.call({ bucket, key, uploadId }, async () => {
      const [{ body }, checksums] = await Promise.all([
        this.client.requestBody({
          method: 'GET',
          bucket: full,
          key,
          query: [
            ['max-parts', String(maxParts)],
            ['part-number-marker', String(opts.partNumberMarker ?? 0)],
            ['uploadId', uploadId],
          ],
        }),
        this.sys.uploadChecksums(bucket, uploadId),
      ]);
      const page = parseListParts(body);
      const parts = page.parts.map((p) => {
        const info: PartInfo = { partNumber: p.partNumber, size: p.size, etag: p.etag, lastModified: p.lastModified };
        const c = checksums.parts.get(partChecksumKey(p.partNumber, p.etag));
        if (c !== undefined) info.checksum = c;
        return Object.freeze(info);
      });
      const metadata: ObjectMetadata = { userMetadata: {} };
      if (checksums.announced !== undefined) metadata.checksum = checksums.announced;
      // ListParts does not say when the upload began, nor its metadata beyond the announced checksum.
      const upload: MultipartUploadInfo = Object.freeze({ uploadId, key, initiated: new Date(0), metadata: freezeMetadata(metadata) });
      const result: { upload: MultipartUploadInfo; parts: PartInfo[]; isTruncated: boolean; nextPartNumberMarker?: number } = {
        upload,
        parts,
        isTruncated: page.isTruncated,
      };
      const last = parts[parts.length - 1];
      if (last !== undefined) result.nextPartNumberMarker = last.partNumber;
      return result;
    });
  }

  /**
   * Uploads in progress are few, so the page is cut here, from all uploads
   * under the prefix (the shared listUploadsPage: the fs driver's exact
   * semantics), not by the backend: radosgw ignores the delimiter's common
   * prefixes, and backends differ on markers. Beyond MAX_UPLOAD_PAGES backend
   * pages, the backend's own page is passed through instead.
   */
  async listMultipartUploads(bucket: string, opts: ListUploadsOptions): Promise<ListUploadsResult> {
    const full = this.b(bucket);
    return this.call({ bucket }, async () => {
      const all: MultipartUploadInfo[] = [];
      const noMetadata = freezeMetadata({ userMetadata: {} });
      let keyMarker: string | undefined;
      let idMarker: string | undefined;
      for (let n = 0; n < MAX_UPLOAD_PAGES; n++) {
        const page = await this.uploadsPage(full, { maxUploads: 1000, prefix: opts.prefix, keyMarker, uploadIdMarker: idMarker });
        for (const u of page.uploads) all.push(Object.freeze({ uploadId: u.uploadId, key: u.key, initiated: u.initiated, metadata: noMetadata }));
        if (!page.isTruncated) return listUploadsPage(all, opts);
        const last = page.uploads[page.uploads.length - 1];
        keyMarker = page.nextKeyMarker ?? last?.key;
        idMarker = page.nextUploadIdMarker ?? last?.uploadId;
        if (keyMarker === undefined) break;
      }
      const page = await this.uploadsPage(full, opts);
      const result: ListUploadsResult = {
        uploads: page.uploads.map((u) => Object.freeze({ uploadId: u.uploadId, key: u.key, initiated: u.initiated, metadata: noMetadata })),
        commonPrefixes: page.commonPrefixes,
        isTruncated: page.isTruncated,
      };
      if (page.nextKeyMarker !== undefined) result.nextKeyMarker = page.nextKeyMarker;
      if (page.nextUploadIdMarker !== undefined) result.nextUploadIdMarker = page.nextUploadIdMarker;
      return result;
    });
  }

  /** One backend ListMultipartUploads page. */
  private async uploadsPage(
    full: string,
    opts: { maxUploads: number; prefix?: string | undefined; delimiter?: string | undefined; keyMarker?: string | undefined; uploadIdMarker?: string | undefined },
  ): Promise<UploadListing> {
    // No encoding-type=url: radosgw then encodes <Key> without saying so (no <EncodingType>).
    const query: [string, string | undefined][] = [
      ['uploads', undefined],
      ['max-uploads', String(Math.max(0, Math.min(opts.maxUploads, 1000)))],
    ];
    if (opts.prefix) query.push(['prefix', opts.prefix]);
    if (opts.delimiter) query.push(['delimiter', opts.delimiter]);
    if (opts.keyMarker) query.push(['key-marker', opts.keyMarker]);
    if (opts.uploadIdMarker) query.push(['upload-id-marker', opts.uploadIdMarker]);
    const { body } = await this.client.requestBody({ method: 'GET', bucket: full, query });
    return parseListMultipartUploads(body);
  }

  // ---------------------------------------------------------------- system documents

  async getSystemDocument(name: string): Promise<string | null> {
    checkSystemDocumentName(name);
    return this.call({}, () => this.sys.getSystemDocument(name));
  }

  async createSystemDocument(name: string, doc: string): Promise<string> {
    checkSystemDocumentName(name);
    return this.call({}, () => this.sys.createSystemDocument(name, doc));
  }

  // ---------------------------------------------------------------- event outbox

  appendOutbox(...a: Parameters<EventOutbox['appendOutbox']>): Promise<string> {
    return this.call({}, () => this.outbox.appendOutbox(...a));
  }
  readOutbox(...a: Parameters<EventOutbox['readOutbox']>): Promise<OutboxBatch[]> {
    return this.call({}, () => this.outbox.readOutbox(...a));
  }
  removeOutbox(...a: Parameters<EventOutbox['removeOutbox']>): Promise<void> {
    return this.call({}, () => this.outbox.removeOutbox(...a));
  }
  listOutboxPartitions(): Promise<string[]> {
    return this.call({}, () => this.outbox.listOutboxPartitions());
  }
}

/** MD5 of the part MD5s + `-N`, when every part ETag is an MD5 (not under SSE-KMS, for instance). */
function expectedMultipartEtag(partEtags: string[]): string {
  const md5s = partEtags.map((e) => e.replace(/^"|"$/g, ''));
  if (!md5s.every((m) => /^[0-9a-f]{32}$/i.test(m))) return '""';
  return multipartEtag(md5s.map((m) => Buffer.from(m, 'hex')));
}

function isValidKey(key: string): boolean {
  try {
    checkKey(key);
    return true;
  } catch {
    return false;
  }
}

function sameChecksum(a: StoredChecksum, b: StoredChecksum | undefined): boolean {
  return b !== undefined && a.algorithm === b.algorithm && a.value === b.value && a.type === b.type;
}
