/**
 * The storage contract between the origin and its durable backends.
 *
 * Every driver passes the same contract suite (`contract.ts`). Drivers know
 * nothing of HTTP or S3 wire formats: they store buckets, objects, their
 * metadata and multipart uploads, and report failures as {@link StoreError}
 * values whose `code` is the S3 error code the origin should answer with.
 */
import type { Readable } from 'node:stream';
import type { CannedAcl } from '@bucketfront/s3-protocol';
import type { ChecksumAlgorithm } from '@bucketfront/sigv4';

/** S3 error codes a store may raise; the origin maps each to its HTTP status. */
export type StoreErrorCode =
  | 'NoSuchBucket'
  | 'BucketAlreadyOwnedByYou'
  | 'BucketNotEmpty'
  | 'NoSuchKey'
  | 'NoSuchUpload'
  | 'InvalidPart'
  | 'InvalidPartOrder'
  | 'EntityTooSmall'
  | 'EntityTooLarge'
  | 'BadDigest'
  | 'IncompleteBody'
  | 'InvalidArgument'
  | 'KeyTooLongError'
  /** appendObject: the offset is not the object's current size (400). */
  | 'InvalidWriteOffset'
  /** appendObject: the object already has 10,000 parts (400). */
  | 'TooManyParts'
  | 'InsufficientStorage'
  /** The backend cannot be reached or timed out (503); the client may retry. */
  | 'ServiceUnavailable'
  /** The backend asked us to slow down (503). */
  | 'SlowDown'
  /** SSE: e.g. SSE-C parameters missing on a read of an SSE-C object (400). */
  | 'InvalidRequest'
  /** SSE-C: the key does not match the one the object was written with (403). */
  | 'AccessDenied'
  /** A versionId that names no version of the key (404). */
  | 'NoSuchVersion'
  /** GET/HEAD of a delete marker by its versionId (405; detail `DeleteMarker`/`VersionId` become headers). */
  | 'MethodNotAllowed'
  /** SSE-KMS: the named key does not exist (400). */
  | 'KMS.NotFoundException'
  /** SSE-KMS: the key is disabled (400). */
  | 'KMS.DisabledException'
  /** The driver cannot do what was asked (501), e.g. the s3 driver changing an older version's metadata. */
  | 'NotImplemented'
  /** PutObjectOptions.payloadSha256: the body is not what the client signed (400); nothing was stored. */
  | 'XAmzContentSHA256Mismatch'
  | 'InternalError';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** Extra detail for the error document, e.g. `{ PartNumber: '3' }`. */
    readonly detail: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

export function isStoreError(err: unknown, code?: StoreErrorCode): err is StoreError {
  return err instanceof StoreError && (code === undefined || err.code === code);
}

/** One definition each: canned ACLs in @bucketfront/s3-protocol, checksum algorithms in @bucketfront/sigv4. */
export type { CannedAcl, ChecksumAlgorithm };

export interface StoredChecksum {
  algorithm: ChecksumAlgorithm;
  /** Base64 value as S3 returns it; composite multipart values end in `-N`. */
  value: string;
  /** FULL_OBJECT or COMPOSITE (multipart). */
  type?: 'FULL_OBJECT' | 'COMPOSITE';
}

/** What a PUT / CopyObject / CreateMultipartUpload sets on an object. */
export interface ObjectMetadata {
  contentType?: string;
  cacheControl?: string;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  /** HTTP-date string, stored verbatim. */
  expires?: string;
  /** x-amz-website-redirect-location. */
  websiteRedirectLocation?: string;
  /** x-amz-meta-* with the prefix removed, names lower-cased. */
  userMetadata: Record<string, string>;
  acl?: CannedAcl;
  checksum?: StoredChecksum;
  /** Set by the store on multipart objects: per-part sizes, for partNumber GETs. */
  partSizes?: number[];
  /**
   * Set by the store on multipart objects whose every part carried a checksum of the object's
   * `checksum` algorithm: each part's base64 value, in part order (partNumber GETs with checksum
   * mode, GetObjectAttributes' ObjectParts). Dropped wherever `partSizes` no longer describes the parts.
   */
  partChecksums?: string[];
  /**
   * Set by the encryption decorator on what it hands a driver (never by the origin): the
   * object's sealed envelope (wrapped data key, scheme), an opaque string every driver stores
   * and returns verbatim. The decorator replaces it with `encryption` on the way out.
   */
  sealed?: string;
  /** How the object is encrypted at rest, as S3 reports it (read side; set by the encryption decorator). */
  encryption?: ObjectEncryption;
  /** The object's tag set, URL-encoded as S3's `x-amz-tagging` header carries it (`k1=v1&k2=v2`). */
  tagging?: string;
  /** `x-amz-storage-class` as stored (a label: STANDARD, STANDARD_IA, …); absent means STANDARD. */
  storageClass?: string;
  /** Canonical user id of the object's owner (the writer); absent: the bucket's owner. */
  owner?: string;
  /** The object's full ACL grants when they are not a canned ACL: an opaque document the origin owns. */
  grants?: string;
  /**
   * Cross-region replication (`x-amz-replication-status`): PENDING/COMPLETED/FAILED on a source
   * version, REPLICA on a replica. Changed in place by {@link ObjectStore.updateVersionMetadata}.
   */
  replicationStatus?: ReplicationStatus;
}

export type ReplicationStatus = 'PENDING' | 'COMPLETED' | 'FAILED' | 'REPLICA';

/**
 * Server-side encryption of a stored object, as S3's response headers describe it
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/serv-side-encryption.html).
 */
export interface ObjectEncryption {
  /** `x-amz-server-side-encryption`: SSE-S3 (`AES256`) or SSE-KMS (`aws:kms`); absent for SSE-C. */
  serverSideEncryption?: 'AES256' | 'aws:kms';
  /** `x-amz-server-side-encryption-aws-kms-key-id`: the key's ARN. */
  kmsKeyId?: string;
  /** `x-amz-server-side-encryption-bucket-key-enabled`. */
  bucketKeyEnabled?: boolean;
  /** `x-amz-server-side-encryption-context` as the client sent it (base64 JSON). */
  kmsContext?: string;
  /** SSE-C: `x-amz-server-side-encryption-customer-algorithm` (always AES256). */
  customerAlgorithm?: 'AES256';
  /** SSE-C: `x-amz-server-side-encryption-customer-key-MD5` (base64 MD5 of the key). */
  customerKeyMd5?: string;
}

/** A 256-bit SSE-C key the client sent, already checked against its MD5 by the origin. */
export interface CustomerKey {
  key: Buffer;
  /** Base64 MD5 of `key`. */
  md5: string;
}

/** How to encrypt what is written (resolved by the origin: request headers, else the bucket default). */
export type EncryptionRequest = { scheme: 'SSE-S3' } | { scheme: 'SSE-KMS'; kmsKeyId?: string; bucketKeyEnabled?: boolean; kmsContext?: string } | { scheme: 'SSE-C'; customerKey: CustomerKey };

/** Read-side parameters: the SSE-C key, when the client sent one; the version to read. */
export interface ReadOptions {
  customerKey?: CustomerKey;
  /**
   * The version to read (`null`: the null version). Absent: the current version. A delete marker's
   * id → MethodNotAllowed (detail `{ DeleteMarker: 'true', VersionId }`); an unknown id → NoSuchVersion.
   */
  versionId?: string;
}

/**
 * A bucket's versioning state (https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html):
 * absent (never enabled: every object is its `null` version, versionIds are not reported),
 * Enabled (every write makes a new version), Suspended (writes replace the `null` version).
 * Once set it never returns to absent.
 */
export type VersioningStatus = 'Enabled' | 'Suspended';

/** What DeleteObject did (S3's `x-amz-delete-marker` / `x-amz-version-id` answer headers). */
export interface DeleteObjectResult {
  /** The version removed, or the delete marker created (absent in a never-versioned bucket). */
  versionId?: string;
  /** A delete marker was created, or the version removed was one. */
  deleteMarker?: boolean;
}

export interface DeleteObjectOptions {
  /** Removes this version for good (no delete marker); unknown ids succeed (idempotent). */
  versionId?: string;
  /** Canonical user id of the deleter: the owner of the delete marker it creates. */
  owner?: string;
  /** Replication: the delete marker gets this id (its source's); idempotent like PutObjectOptions.versionId. */
  markerVersionId?: string;
  /** Replication: when the source made that delete marker (PutObjectOptions.sourceTime). */
  sourceTime?: Date;
}

/** One entry of ListObjectVersions: a version (ObjectInfo) or a delete marker. */
export interface ObjectVersionInfo {
  key: string;
  /** `null` for the null version. */
  versionId: string;
  isLatest: boolean;
  lastModified: Date;
  /** Absent for delete markers. */
  object?: ObjectInfo;
  deleteMarker?: boolean;
  /** Owner of a delete marker (the deleter); versions carry theirs in object.metadata.owner. */
  owner?: string;
}

export interface ListObjectVersionsOptions {
  prefix?: string;
  delimiter?: string;
  /** Resume after this key (every version of it), or with versionIdMarker after that version of it. */
  keyMarker?: string;
  versionIdMarker?: string;
  /** 0…1000: versions, delete markers and common prefixes together. */
  maxKeys: number;
}

export interface ListObjectVersionsResult {
  /** Keys in UTF-8 binary order; each key's versions newest first. */
  versions: ObjectVersionInfo[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}

export interface ObjectInfo {
  key: string;
  /** This version's id (`null` for the null version); absent in a bucket that never had versioning. */
  versionId?: string;
  size: number;
  /** Quoted, as S3 sends it: `"d41d8cd98f00b204e9800998ecf8427e"` or `"…-3"` for multipart. */
  etag: string;
  lastModified: Date;
  metadata: ObjectMetadata;
}

export interface BucketInfo {
  name: string;
  creationDate: Date;
  region: string;
  acl: CannedAcl;
}

/**
 * Bucket sub-resources stored as opaque documents (the origin owns their formats). Every driver
 * stores each kind listed here and drops them all with the bucket.
 */
export const BUCKET_CONFIG_KINDS = [
  'website',
  'policy',
  'encryption',
  'notification',
  'cors',
  'public-access-block',
  'ownership-controls',
  'logging',
  /** The bucket's owner and full ACL grants (a JSON document the origin owns); absent: the first user, with BucketInfo.acl. */
  'acl',
  /** Cross-region replication rules (the origin's document; docs/replication.md). */
  'replication',
  /** The progress of the bucket's replication of existing objects (the origin's document; docs/replication.md#existing-objects). */
  'replication-backfill',
] as const;
export type BucketConfigKind = (typeof BUCKET_CONFIG_KINDS)[number];

/** A bucket's configuration documents by kind; a kind that is unset is absent. */
export type BucketConfigs = Partial<Record<BucketConfigKind, string>>;

/** Inclusive byte range, already validated against the object size by the caller. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface PutObjectOptions {
  /** Base64 Content-MD5 from the request; mismatch → BadDigest and nothing stored. */
  contentMd5?: string;
  /**
   * The body's SHA-256 (lower-case hex) as the client signed it (x-amz-content-sha256), not yet
   * checked. Only for a store whose `verifiesPayloadSha256` is true, and only for a body stored as
   * it is (not encrypted): it has its backend check it (XAmzContentSHA256Mismatch, nothing stored),
   * so the caller need not hash the body itself.
   */
  payloadSha256?: string;
  /** Declared length; a body shorter or longer → IncompleteBody and nothing stored. */
  expectedSize?: number;
  /**
   * Added: for uploadPart only, the part's verified `x-amz-checksum-*`, stored
   * and returned in its PartInfo (putObject takes it from `metadata.checksum`).
   */
  checksum?: StoredChecksum;
  /**
   * The MD5 of the body is supplied by the caller, known once the body has ended (the
   * encryption decorator hashes the plaintext anyway): a driver may use it for the ETag
   * instead of hashing the body a second time.
   */
  knownMd5?: () => Buffer;
  /** Encrypt at rest (needs the encryption decorator; a bare driver refuses it). */
  encryption?: EncryptionRequest;
  /** uploadPart of an SSE-C upload: the same key as CreateMultipartUpload's. */
  customerKey?: CustomerKey;
  /**
   * Replication: store this as version `versionId` (a replica keeps its source's id) in a versioned
   * bucket. Idempotent: when the key already has that version, nothing is written and it is returned.
   */
  versionId?: string;
  /**
   * Replication: when the source wrote that version. A driver whose backend orders a key's versions
   * by a number it is given (the s3 driver over radosgw) keeps replicas in source order with it.
   */
  sourceTime?: Date;
}

/**
 * What getObject resolves to. `body` streams the object (or the range).
 * Added: `buffer`, present when the requested bytes were read whole (small
 * objects, served from memory): exactly the bytes `body` would yield, so a
 * hot path can `res.end(buffer)` and never touch `body` (it is then built
 * lazily and costs nothing). Destroy `body` if you neither read nor use it:
 * a body sent from a driver's memory holds its bytes until then.
 * `buffer` may be shared with later reads (a driver's body cache): read it,
 * never write into it. The returned `info` (like headObject's) is frozen:
 * copy before changing.
 */
export interface GetObjectResult {
  info: ObjectInfo;
  body: Readable;
  buffer?: Buffer;
}

/** SSE parameters of a copy: the source's SSE-C key, and how to encrypt the copy. */
export interface CopyObjectOptions {
  sourceCustomerKey?: CustomerKey;
  /** CopyObject: the copy's encryption (absent: stored unencrypted). UploadPartCopy: the upload's SSE-C key. */
  encryption?: EncryptionRequest;
  customerKey?: CustomerKey;
}

export interface ListObjectsOptions {
  prefix?: string;
  delimiter?: string;
  /** Exclusive: list keys (and common prefixes) strictly after this. */
  startAfter?: string;
  /** 0…1000; the store returns at most this many keys + common prefixes together. */
  maxKeys: number;
}

export interface ListObjectsResult {
  objects: ObjectInfo[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned; resume with `startAfter` = this. */
  lastReturned?: string;
}

export interface MultipartUploadInfo {
  uploadId: string;
  key: string;
  initiated: Date;
  metadata: ObjectMetadata;
}

export interface PartInfo {
  partNumber: number;
  size: number;
  etag: string;
  lastModified: Date;
  checksum?: StoredChecksum;
  /** The upload's encryption (UploadPart / UploadPartCopy answers; set by the encryption decorator). */
  encryption?: ObjectEncryption;
}

export interface CompletedPartRef {
  partNumber: number;
  etag: string;
}

export interface ListPartsOptions {
  partNumberMarker?: number;
  maxParts: number;
}

export interface ListUploadsOptions {
  prefix?: string;
  delimiter?: string;
  keyMarker?: string;
  uploadIdMarker?: string;
  maxUploads: number;
}

export interface ListUploadsResult {
  uploads: MultipartUploadInfo[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
}

/**
 * What {@link ObjectStore.updateVersionMetadata} changes on a version: each field given replaces
 * the stored one, `null` removes it; fields not given stay. A canned `acl` and explicit `grants`
 * are the two forms of one ACL: set one and remove the other.
 */
export interface VersionMetadataPatch {
  acl?: CannedAcl | null;
  grants?: string | null;
  tagging?: string | null;
  replicationStatus?: ReplicationStatus | null;
}

/** The operations of an ObjectStore (its methods, not its capability flags). */
export type StoreMethod = Exclude<keyof ObjectStore, 'verifiesPayloadSha256'>;

export interface ObjectStore {
  /**
   * True when PutObjectOptions.payloadSha256 is honoured: the store has the body's signed SHA-256
   * checked where it is written (the s3 driver's backend does), so the origin does not hash it.
   */
  readonly verifiesPayloadSha256?: boolean;

  // Buckets
  listBuckets(): Promise<BucketInfo[]>;
  /** Throws BucketAlreadyOwnedByYou when it exists (single-tenant store). */
  createBucket(name: string, opts: { region: string; acl?: CannedAcl }): Promise<BucketInfo>;
  /** Throws NoSuchBucket, or BucketNotEmpty while objects or uploads remain. */
  deleteBucket(name: string): Promise<void>;
  /** null when the bucket does not exist. */
  headBucket(name: string): Promise<BucketInfo | null>;
  setBucketAcl(name: string, acl: CannedAcl): Promise<void>;
  /** null when unset. Throws NoSuchBucket. */
  getBucketConfig(name: string, kind: BucketConfigKind): Promise<string | null>;
  /**
   * Every configuration document of the bucket at once (what the bucket cache loads): one
   * listing on the s3 driver instead of a request per kind. Throws NoSuchBucket.
   */
  getBucketConfigs(name: string): Promise<BucketConfigs>;
  /** `null` deletes. Durable before it resolves. Throws NoSuchBucket. */
  putBucketConfig(name: string, kind: BucketConfigKind, document: string | null): Promise<void>;

  // Objects
  /**
   * Streams `body` to durable storage and only then makes it visible,
   * atomically replacing any previous version. Resolves once data and
   * metadata are fsynced. Memory use is bounded whatever the size.
   */
  putObject(bucket: string, key: string, body: Readable, metadata: ObjectMetadata, opts?: PutObjectOptions): Promise<ObjectInfo>;
  /** null when the key does not exist. Throws NoSuchBucket. */
  headObject(bucket: string, key: string, opts?: ReadOptions): Promise<ObjectInfo | null>;
  /**
   * Opens the object for reading (the whole object, or one range). The
   * stream reads the version that was current when this resolved, even if
   * it is overwritten meanwhile. null when the key does not exist.
   */
  getObject(bucket: string, key: string, range?: ByteRange, opts?: ReadOptions): Promise<GetObjectResult | null>;
  /**
   * Idempotent: deleting a missing key succeeds. Throws NoSuchBucket. In a versioned bucket,
   * without `versionId` it adds a delete marker (Suspended: as the null version); with one it
   * removes that version and the previous one becomes current.
   */
  deleteObject(bucket: string, key: string, opts?: DeleteObjectOptions): Promise<DeleteObjectResult>;
  /** Server-side copy; `metadata` replaces the source's (the origin decides COPY vs REPLACE). `src.versionId`: copy that version. */
  copyObject(src: { bucket: string; key: string; versionId?: string }, dst: { bucket: string; key: string }, metadata: ObjectMetadata, opts?: CopyObjectOptions): Promise<ObjectInfo>;
  /** Keys in UTF-8 binary order. */
  listObjects(bucket: string, opts: ListObjectsOptions): Promise<ListObjectsResult>;
  /**
   * Changes the ACL, tags or replication status of one version **in place**, as S3's
   * PutObjectAcl / PutObjectTagging / DeleteObjectTagging with a `versionId` do: no new version,
   * the same version id, Last-Modified, ETag and bytes. `versionId` undefined: the current version
   * (in a never-versioned bucket, the object). Resolves to the version as changed. Throws
   * NoSuchKey (no current version), NoSuchVersion, MethodNotAllowed (a delete marker's id), and
   * NotImplemented when the driver cannot change that version in place (the s3 driver: any
   * `versionId`, except a replication status alone of a version that is not a REPLICA, kept in a
   * sidecar; without one it rewrites the current object, which on a versioned backend bucket
   * adds a version).
   */
  updateVersionMetadata(bucket: string, key: string, versionId: string | undefined, patch: VersionMetadataPatch): Promise<ObjectInfo>;

  // Versioning (docs/versioning.md)
  /** null: never enabled. Throws NoSuchBucket. */
  getBucketVersioning(bucket: string): Promise<VersioningStatus | null>;
  /** Durable before it resolves. Throws NoSuchBucket. */
  putBucketVersioning(bucket: string, status: VersioningStatus): Promise<void>;
  /** Every version and delete marker, keys in UTF-8 binary order, each key's newest first. */
  listObjectVersions(bucket: string, opts: ListObjectVersionsOptions): Promise<ListObjectVersionsResult>;

  // Multipart
  createMultipartUpload(bucket: string, key: string, metadata: ObjectMetadata, opts?: { encryption?: EncryptionRequest }): Promise<MultipartUploadInfo>;
  /** Throws NoSuchUpload. Replaces an earlier part with the same number. */
  uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: Readable, opts?: PutObjectOptions): Promise<PartInfo>;
  /** A byte range of an existing object becomes a part (UploadPartCopy). */
  uploadPartCopy(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    src: { bucket: string; key: string; versionId?: string; range?: ByteRange },
    opts?: CopyObjectOptions,
  ): Promise<PartInfo>;
  /**
   * Validates the list (InvalidPart, InvalidPartOrder, EntityTooSmall for any
   * part but the last under 5 MiB unless `minPartSize` says otherwise) and
   * makes the object visible atomically. ETag = MD5 of the part MD5s + `-N`.
   * Added: `opts.checksum` (e.g. the COMPOSITE `<b64>-N` value) is stored as
   * the object's checksum; without it the upload's checksum is kept only if
   * it has a non-empty value.
   */
  completeMultipartUpload(bucket: string, key: string, uploadId: string, parts: CompletedPartRef[], opts?: { checksum?: StoredChecksum; versionId?: string; sourceTime?: Date }): Promise<ObjectInfo>;
  abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void>;
  listParts(
    bucket: string,
    key: string,
    uploadId: string,
    opts: ListPartsOptions,
  ): Promise<{
    upload: MultipartUploadInfo;
    parts: PartInfo[];
    isTruncated: boolean;
    nextPartNumberMarker?: number;
  }>;
  listMultipartUploads(bucket: string, opts: ListUploadsOptions): Promise<ListUploadsResult>;

  // Append (S3 Express One Zone: PutObject with x-amz-write-offset-bytes; docs/append.md)
  /**
   * Appends `body` to the object, atomically: `offset` must equal its current size (else
   * InvalidWriteOffset and nothing changes); on a missing key only offset 0 is valid, and
   * creates it with `metadata` (an existing object keeps its own metadata). Each append adds
   * one part (`metadata.partSizes`), at most S3_LIMITS.maxParts (else TooManyParts); the ETag
   * becomes multipart-shaped (`"…-N"`, N parts) and the object's stored checksum is dropped.
   * Concurrent appends at one offset: exactly one wins. Readers of the old version keep it.
   */
  appendObject(bucket: string, key: string, offset: number, body: Readable, metadata: ObjectMetadata, opts?: PutObjectOptions): Promise<ObjectInfo>;

  /** Releases file handles, timers. */
  close(): Promise<void>;
}

/**
 * Optional, next to {@link ObjectStore}: small named documents shared by every
 * node that uses the same backend (e.g. the origin's credentials, so all
 * nodes of a cluster sign with one key pair). Names match
 * `[A-Za-z0-9][A-Za-z0-9._-]{0,127}` (else InvalidArgument). Test for it with
 * {@link hasSystemDocuments}.
 */
export interface SystemDocuments {
  /** The document stored under `name`, or null when there is none. */
  getSystemDocument(name: string): Promise<string | null>;
  /**
   * Stores `doc` under `name` unless a document is already there, and resolves
   * to what is stored: `doc`, or the existing document (which wins). Durable
   * before it resolves.
   */
  createSystemDocument(name: string, doc: string): Promise<string>;
}

/**
 * Optional, next to {@link ObjectStore}: the durable outbox of event notifications, shared by every
 * node that uses the same backend (fs: files under `<data>/outbox/`; s3: objects in the system
 * bucket). Records are appended in batches (one durable write per batch, so concurrent writers
 * share it), read back oldest first per partition (a partition is one origin node's queue) and
 * removed batch by batch once every record in it was delivered or dead-lettered.
 * Test for it with {@link hasEventOutbox}. docs/notifications.md explains the design.
 */
export interface EventOutbox {
  /** Durably stores `records` as one batch in `partition`; resolves to the batch id (ids sort in append order within a partition). */
  appendOutbox(partition: string, records: string[]): Promise<string>;
  /** Up to `limit` batches of `partition`, oldest first, after batch id `after` when given. */
  readOutbox(partition: string, limit: number, after?: string): Promise<OutboxBatch[]>;
  /** Removes the batches (missing ids are ignored). */
  removeOutbox(partition: string, batchIds: string[]): Promise<void>;
  /** Partitions holding at least one batch. */
  listOutboxPartitions(): Promise<string[]>;
}

export interface OutboxBatch {
  id: string;
  records: string[];
}

export function hasEventOutbox<S extends ObjectStore>(store: S): store is S & EventOutbox {
  return typeof (store as Partial<EventOutbox>).appendOutbox === 'function';
}

export function hasSystemDocuments<S extends ObjectStore>(store: S): store is S & SystemDocuments {
  const s = store as Partial<SystemDocuments>;
  return typeof s.getSystemDocument === 'function' && typeof s.createSystemDocument === 'function';
}

/** S3 limits (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html). */
export const S3_LIMITS = {
  maxKeyBytes: 1024,
  maxSinglePutBytes: 5 * 1024 ** 3,
  minPartBytes: 5 * 1024 ** 2,
  maxPartBytes: 5 * 1024 ** 3,
  maxParts: 10_000,
  maxObjectBytes: 5 * 1024 ** 4,
  maxListKeys: 1000,
} as const;
