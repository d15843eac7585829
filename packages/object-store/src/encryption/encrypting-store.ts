/**
 * Encryption at rest as a store decorator, so it works the same over every driver: what the
 * driver (disk, radosgw) holds is ciphertext and an envelope (envelope.ts); what the origin sees
 * is plaintext, plaintext sizes and ETags, and S3's description of the encryption.
 * docs/encryption.md explains the formats and the key hierarchy.
 */
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { ForwardingStore } from '../forwarding-store.js';
import { lazyBodyResult } from '../get-result.js';
import { chooseCompletedParts } from '../multipart.js';
import {
  S3_LIMITS,
  StoreError,
  type ByteRange,
  type CopyObjectOptions,
  type CustomerKey,
  type EncryptionRequest,
  type GetObjectResult,
  type ListObjectsOptions,
  type ListObjectsResult,
  type ListObjectVersionsOptions,
  type ListObjectVersionsResult,
  type MultipartUploadInfo,
  type ObjectInfo,
  type ObjectMetadata,
  type ObjectStore,
  type PartInfo,
  type PutObjectOptions,
  type ReadOptions,
  type SystemDocuments,
  type VersionMetadataPatch,
} from '../types.js';
import { asCopySource } from '../version-errors.js';
import { ListingEnricher } from './listing-enricher.js';
import { customerKeyCheck, decodeEnvelope, describeEnvelope, encodeEnvelope, verifyCustomerKey, wrapContext, type Envelope } from './envelope.js';
import { IV_BYTES, layoutUnits, plainSize, sealedSize, type UnitLayout } from './format.js';
import { SSE_S3_KEY_ID, type KeyStore } from './key-store.js';
import { UnwrapFailed, unwrapKey, wrapKey } from './key-wrap.js';
import { type Piece, SealBroken, parseUnitHeader } from './open-segment.js';
import { OpenStream, openBuffer } from './open-stream.js';
import { planRead, planWhole } from './read-plan.js';
import { SealStream } from './seal-stream.js';

const NEEDS_KEY = 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.';
const NOT_APPLICABLE = 'The encryption parameters are not applicable to this object.';
/** Upload envelopes remembered between UploadPart calls (bounded). */
const UPLOAD_CACHE_MAX = 1000;

/** A data key and how it is wrapped, for a new object or upload. */
interface Sealing {
  env: Envelope;
  dataKey: Buffer;
}

function strip(metadata: ObjectMetadata): ObjectMetadata {
  if (metadata.sealed === undefined && metadata.encryption === undefined) return metadata;
  const { sealed: _s, encryption: _e, ...rest } = metadata;
  return rest;
}

/** What the driver needs of a read: the version (the customer key stays here). */
function atVersion(versionId: string | undefined): ReadOptions | undefined {
  return versionId !== undefined ? { versionId } : undefined;
}

function sameVersion(a: ObjectInfo, b: ObjectInfo): boolean {
  return a.etag === b.etag && a.metadata.sealed === b.metadata.sealed && a.size === b.size;
}

function unitsOf(info: ObjectInfo): UnitLayout[] {
  const units = layoutUnits(info.metadata.partSizes ?? [info.size]);
  if (units === null) throw new StoreError('InternalError', `stored object ${info.key} does not have the size of an encrypted object`);
  return units;
}

/** Errors from deep inside (a broken seal, an unwrap) become S3 errors with no secret in them. */
function asStoreError(err: unknown): unknown {
  if (err instanceof SealBroken || err instanceof UnwrapFailed) return new StoreError('InternalError', `encrypted object could not be decrypted: ${err.message}`);
  return err;
}

export class EncryptingStore extends ForwardingStore {
  private readonly uploads = new Map<string, Envelope | null>();

  private readonly minPartSize: number;
  private readonly listing: ListingEnricher | null;

  constructor(
    inner: ObjectStore,
    /** null: no master key configured, so SSE requests are refused. */
    private readonly keys: KeyStore | null,
    opts: EncryptionOptions = {},
  ) {
    super(inner);
    this.minPartSize = opts.minPartSize ?? S3_LIMITS.minPartBytes;
    this.listing = opts.listingWithoutMetadata !== undefined ? new ListingEnricher(inner, opts.listingWithoutMetadata) : null;
  }

  // ------------------------------------------------------------------ keys

  private keyStore(): KeyStore {
    if (this.keys === null) throw new StoreError('InvalidRequest', 'Server-side encryption is not configured on this server: it has no master key (set BUCKETFRONT_MASTER_KEY_FILE).');
    return this.keys;
  }

  private async newSealing(req: EncryptionRequest): Promise<Sealing> {
    const dataKey = randomBytes(32);
    if (req.scheme === 'SSE-C') {
      const env: Envelope = { v: 1, s: 'C', w: '', h: customerKeyCheck(req.customerKey) };
      env.w = wrapKey(req.customerKey.key, dataKey, wrapContext(env));
      return { env, dataKey };
    }
    const keys = this.keyStore();
    const keyId = req.scheme === 'SSE-S3' ? SSE_S3_KEY_ID : await keys.kmsKeyFor(req.kmsKeyId);
    const env: Envelope = { v: 1, s: req.scheme === 'SSE-S3' ? 'S3' : 'KMS', k: keyId, w: '' };
    if (req.scheme === 'SSE-KMS' && req.bucketKeyEnabled === true) env.b = 1;
    if (req.scheme === 'SSE-KMS' && req.kmsContext !== undefined) env.x = req.kmsContext;
    env.w = wrapKey(await keys.kek(keyId), dataKey, wrapContext(env));
    return { env, dataKey };
  }

  /** The data key of a stored envelope; SSE-C needs the customer's key (InvalidRequest / AccessDenied). */
  private async dataKeyOf(env: Envelope, customerKey: CustomerKey | undefined): Promise<Buffer> {
    if (env.s === 'C') {
      if (customerKey === undefined) throw new StoreError('InvalidRequest', NEEDS_KEY);
      verifyCustomerKey(env, customerKey);
      return unwrapKey(customerKey.key, env.w, wrapContext(env));
    }
    if (customerKey !== undefined) throw new StoreError('InvalidRequest', NOT_APPLICABLE);
    const keys = this.keyStore();
    return unwrapKey(await keys.kek(env.s === 'S3' ? SSE_S3_KEY_ID : (env.k ?? '')), env.w, wrapContext(env));
  }

  private arnOf = (keyId: string): string => this.keys?.arnOf(keyId) ?? keyId;

  // ------------------------------------------------------------------ what the origin sees

  /** Plaintext view of a stored object: sizes, ETag, part sizes, and the encryption as S3 reports it. */
  private reveal(info: ObjectInfo, customerKey?: CustomerKey): ObjectInfo {
    if (info.metadata.sealed === undefined) return info;
    const env = decodeEnvelope(info.metadata.sealed);
    const units = unitsOf(info);
    const metadata: ObjectMetadata = { ...strip(info.metadata), encryption: describeEnvelope(env, this.arnOf, customerKey) };
    if (info.metadata.partSizes !== undefined) metadata.partSizes = units.map((u) => u.plainSize);
    const size = units.reduce((n, u) => n + u.plainSize, 0);
    return Object.freeze({ ...info, size, etag: env.m !== undefined ? `"${env.m}"` : info.etag, metadata: Object.freeze(metadata) });
  }

  /** Checks read-side SSE-C parameters against a stored object (no key needed to describe it). */
  private checkReadKey(info: ObjectInfo, customerKey: CustomerKey | undefined): void {
    if (info.metadata.sealed === undefined) {
      if (customerKey !== undefined) throw new StoreError('InvalidRequest', NOT_APPLICABLE);
      return;
    }
    const env = decodeEnvelope(info.metadata.sealed);
    if (env.s === 'C' && customerKey !== undefined) verifyCustomerKey(env, customerKey);
    else if (env.s !== 'C' && customerKey !== undefined) throw new StoreError('InvalidRequest', NOT_APPLICABLE);
  }

  // ------------------------------------------------------------------ objects

  override async putObject(bucket: string, key: string, body: Readable, metadata: ObjectMetadata, opts?: PutObjectOptions): Promise<ObjectInfo> {
    const { encryption, customerKey: _ck, ...rest } = opts ?? {};
    if (encryption === undefined) return this.inner.putObject(bucket, key, body, strip(metadata), rest);
    // The backend sees ciphertext: it cannot check the hash of the plaintext (the origin hashes it then).
    if (rest.payloadSha256 !== undefined) throw new StoreError('InternalError', 'payloadSha256 cannot be checked downstream of encryption');
    const sealing = await this.newSealing(encryption);
    await this.listing?.markEncrypted(bucket);
    const ivBase = randomBytes(IV_BYTES);
    sealing.env.i = ivBase.toString('base64');
    const stored: ObjectMetadata = { ...strip(metadata), sealed: encodeEnvelope(sealing.env) };
    const sealed = this.sealBody(body, sealing, ivBase, rest.contentMd5, (md5) => {
      sealing.env.m = md5.toString('hex');
      stored.sealed = encodeEnvelope(sealing.env);
    });
    // The origin fills in a trailer checksum when the body ends; pass it on to what the driver stores.
    body.once('end', () => {
      if (metadata.checksum !== undefined) stored.checksum = metadata.checksum;
    });
    // The plaintext MD5 (known before the driver sees the end) spares the driver a second hash.
    const innerOpts: PutObjectOptions = { knownMd5: () => sealed.md5! };
    if (rest.expectedSize !== undefined) innerOpts.expectedSize = sealedSize(rest.expectedSize);
    // A replica keeps its source's version id (docs/replication.md), encrypted or not.
    if (rest.versionId !== undefined) innerOpts.versionId = rest.versionId;
    if (rest.sourceTime !== undefined) innerOpts.sourceTime = rest.sourceTime;
    const info = await this.inner.putObject(bucket, key, sealed, stored, innerOpts);
    return this.reveal(info, encryption.scheme === 'SSE-C' ? encryption.customerKey : undefined);
  }

  /**
   * Append (docs/append.md). Deviation from S3: appends are refused for encryption at rest — a
   * request asking for it (its headers or the bucket's default) here, an object already sealed
   * by the driver under its commit (append.ts) — both with InvalidRequest, nothing changed.
   */
  override async appendObject(...[bucket, key, offset, body, metadata, opts]: Parameters<ObjectStore['appendObject']>): Promise<ObjectInfo> {
    const { encryption, customerKey, ...rest } = opts ?? {};
    if (encryption !== undefined || customerKey !== undefined) {
      body.resume();
      throw new StoreError('InvalidRequest', 'Appending to an object encrypted at rest is not supported.');
    }
    return this.inner.appendObject(bucket, key, offset, body, strip(metadata), rest);
  }

  /**
   * The plaintext `body` sealed as one unit. Content-MD5 is checked on the plaintext (the
   * driver sees only ciphertext): a mismatch fails the stream, so the driver stores nothing.
   */
  private sealBody(body: Readable, sealing: Sealing, ivBase: Buffer, contentMd5: string | undefined, onMd5: (md5: Buffer) => void): SealStream {
    const seal = new SealStream(sealing.dataKey, ivBase, (md5) => {
      if (contentMd5 !== undefined && md5.toString('base64') !== contentMd5) {
        return new StoreError('BadDigest', 'The Content-MD5 you specified did not match what we received.', { ExpectedDigest: contentMd5, CalculatedDigest: md5.toString('base64') });
      }
      onMd5(md5);
      return null;
    });
    body.on('error', (err) => seal.destroy(err));
    // A small body can flow through (and fail, e.g. BadDigest) before the driver starts reading;
    // the driver still sees the error (a destroyed stream reports it to late readers).
    seal.on('error', () => {});
    body.pipe(seal);
    return seal;
  }

  override async headObject(bucket: string, key: string, opts?: ReadOptions): Promise<ObjectInfo | null> {
    const info = await this.inner.headObject(bucket, key, atVersion(opts?.versionId));
    if (info === null) return null;
    this.checkReadKey(info, opts?.customerKey);
    return this.reveal(info, opts?.customerKey);
  }

  override async getObject(bucket: string, key: string, range?: ByteRange, opts?: ReadOptions): Promise<GetObjectResult | null> {
    try {
      return range === undefined ? await this.getWhole(bucket, key, opts) : await this.getRange(bucket, key, range, opts);
    } catch (err) {
      throw asStoreError(err);
    }
  }

  private async getWhole(bucket: string, key: string, opts: ReadOptions | undefined): Promise<GetObjectResult | null> {
    const customerKey = opts?.customerKey;
    // Each version carries its own envelope (in its metadata): the one read is the one opened.
    const got = await this.inner.getObject(bucket, key, undefined, atVersion(opts?.versionId));
    if (got === null) return null;
    if (got.info.metadata.sealed === undefined) {
      if (customerKey !== undefined) {
        if (got.buffer === undefined) got.body.destroy();
        throw new StoreError('InvalidRequest', NOT_APPLICABLE);
      }
      return got;
    }
    let dataKey: Buffer;
    try {
      dataKey = await this.dataKeyOf(decodeEnvelope(got.info.metadata.sealed), customerKey);
    } catch (err) {
      if (got.buffer === undefined) got.body.destroy();
      throw err;
    }
    const info = this.reveal(got.info, customerKey);
    const pieces = planWhole(unitsOf(got.info));
    if (got.buffer !== undefined) return lazyBodyResult(info, await openBuffer(dataKey, pieces, got.buffer));
    return { info, body: this.openBody(got.body, dataKey, pieces) };
  }

  private openBody(stored: Readable, dataKey: Buffer, pieces: readonly Piece[]): Readable {
    const open = new OpenStream(dataKey, pieces);
    stored.on('error', (err) => open.destroy(err));
    open.on('close', () => stored.destroy());
    return stored.pipe(open);
  }

  private async getRange(bucket: string, key: string, range: ByteRange, opts: ReadOptions | undefined): Promise<GetObjectResult | null> {
    const customerKey = opts?.customerKey;
    const version = atVersion(opts?.versionId);
    // The stored range depends on the object's layout: read it, then the bytes, and retry if
    // the object was replaced in between (the bytes must match the envelope they are opened with).
    for (let attempt = 0; ; attempt++) {
      const head = await this.inner.headObject(bucket, key, version);
      if (head === null) return null;
      if (head.metadata.sealed === undefined) {
        if (customerKey !== undefined) throw new StoreError('InvalidRequest', NOT_APPLICABLE);
        const got = await this.inner.getObject(bucket, key, range, version);
        if (got === null || got.info.metadata.sealed === undefined) return got;
        if (got.buffer === undefined) got.body.destroy();
        continue;
      }
      const env = decodeEnvelope(head.metadata.sealed);
      const dataKey = await this.dataKeyOf(env, customerKey);
      const units = unitsOf(head);
      const info = this.reveal(head, customerKey);
      const plan = planRead(units, range.start, range.end, units.length === 1 && env.i !== undefined ? Buffer.from(env.i, 'base64') : undefined);
      if (plan.headerAt !== undefined) {
        const header = await this.inner.getObject(bucket, key, { start: plan.headerAt, end: plan.headerAt + 15 }, version);
        if (header === null || !sameVersion(header.info, head)) {
          header?.body.destroy();
          if (attempt < 3) continue;
          throw new StoreError('ServiceUnavailable', 'the object kept changing while it was being read');
        }
        const bytes = header.buffer ?? (await readAll(header.body));
        plan.pieces[0] = { kind: 'iv', ivBase: parseUnitHeader(bytes) };
      }
      if (plan.fetch === undefined) return lazyBodyResult(info, Buffer.alloc(0));
      const got = await this.inner.getObject(bucket, key, plan.fetch, version);
      if (got === null || !sameVersion(got.info, head)) {
        if (got !== null && got.buffer === undefined) got.body.destroy();
        if (attempt < 3) continue;
        throw new StoreError('ServiceUnavailable', 'the object kept changing while it was being read');
      }
      if (got.buffer !== undefined) return lazyBodyResult(info, await openBuffer(dataKey, plan.pieces, got.buffer));
      return { info, body: this.openBody(got.body, dataKey, plan.pieces) };
    }
  }

  override async copyObject(src: { bucket: string; key: string; versionId?: string }, dst: { bucket: string; key: string }, metadata: ObjectMetadata, opts?: CopyObjectOptions): Promise<ObjectInfo> {
    const sourceKey = opts?.sourceCustomerKey;
    const target = opts?.encryption;
    for (let attempt = 0; attempt < 3; attempt++) {
      const head = await asCopySource(this.inner.headObject(src.bucket, src.key, atVersion(src.versionId)));
      if (head === null) throw new StoreError('NoSuchKey', 'The specified key does not exist.');
      this.checkReadKey(head, sourceKey);
      const env = head.metadata.sealed !== undefined ? decodeEnvelope(head.metadata.sealed) : undefined;
      if (env === undefined && target === undefined) return this.inner.copyObject(src, dst, strip(metadata));
      if (env !== undefined && env.s !== 'C' && target !== undefined && target.scheme !== 'SSE-C') {
        // Same bytes, data key re-wrapped for the copy's key: no data is re-encrypted.
        const dataKey = await this.dataKeyOf(env, undefined);
        const sealing = await this.newSealing(target);
        const copyEnv: Envelope = { ...sealing.env, w: '' };
        if (env.i !== undefined) copyEnv.i = env.i;
        if (env.m !== undefined) copyEnv.m = env.m;
        copyEnv.w = wrapKey(target.scheme === 'SSE-S3' ? await this.keyStore().kek(SSE_S3_KEY_ID) : await this.keyStore().kek(copyEnv.k!), dataKey, wrapContext(copyEnv));
        await this.listing?.markEncrypted(dst.bucket);
        const copied = await this.inner.copyObject(src, dst, { ...strip(metadata), sealed: encodeEnvelope(copyEnv) });
        if (copied.etag === head.etag && copied.size === head.size) return this.reveal(copied);
        continue; // the source changed under the copy: its bytes do not match this envelope
      }
      // Anything else (SSE-C on either side, plain ⇄ encrypted): decrypt and re-encrypt, streaming.
      const got = await this.getObject(src.bucket, src.key, undefined, { ...(sourceKey !== undefined ? { customerKey: sourceKey } : {}), ...atVersion(src.versionId) });
      if (got === null) throw new StoreError('NoSuchKey', 'The specified key does not exist.');
      const body = got.buffer !== undefined ? lazyBodyResult(got.info, got.buffer).body : got.body;
      const { partSizes: _p, ...md } = strip(metadata);
      return this.putObject(dst.bucket, dst.key, body, md, { expectedSize: got.info.size, ...(target !== undefined ? { encryption: target } : {}) });
    }
    throw new StoreError('ServiceUnavailable', 'the source object kept changing while it was being copied');
  }

  /**
   * The patch (ACL, tags, replication status) never touches the envelope, so the driver keeps the
   * version's ciphertext and `sealed` as they are (no data key is needed, SSE-C included); only
   * the answer is described as a read's is.
   */
  override async updateVersionMetadata(bucket: string, key: string, versionId: string | undefined, patch: VersionMetadataPatch): Promise<ObjectInfo> {
    return this.reveal(await this.inner.updateVersionMetadata(bucket, key, versionId, patch));
  }

  override async listObjects(bucket: string, opts: ListObjectsOptions): Promise<ListObjectsResult> {
    let page = await this.inner.listObjects(bucket, opts);
    if (this.listing !== null) page = await this.listing.enrich(bucket, page);
    if (!page.objects.some((o) => o.metadata.sealed !== undefined)) return page;
    return { ...page, objects: page.objects.map((o) => this.reveal(o)) };
  }

  /** As listObjects: every version shows its plaintext size and ETag (each has its own envelope). */
  override async listObjectVersions(bucket: string, opts: ListObjectVersionsOptions): Promise<ListObjectVersionsResult> {
    let page = await this.inner.listObjectVersions(bucket, opts);
    if (this.listing !== null) page = await this.listing.enrichVersions(bucket, page);
    if (!page.versions.some((v) => v.object?.metadata.sealed !== undefined)) return page;
    return { ...page, versions: page.versions.map((v) => (v.object?.metadata.sealed !== undefined ? { ...v, object: this.reveal(v.object) } : v)) };
  }

  // ------------------------------------------------------------------ multipart

  override async createMultipartUpload(bucket: string, key: string, metadata: ObjectMetadata, opts?: { encryption?: EncryptionRequest }): Promise<MultipartUploadInfo> {
    if (opts?.encryption === undefined) return this.inner.createMultipartUpload(bucket, key, strip(metadata));
    const { env } = await this.newSealing(opts.encryption);
    await this.listing?.markEncrypted(bucket);
    const upload = await this.inner.createMultipartUpload(bucket, key, { ...strip(metadata), sealed: encodeEnvelope(env) });
    this.remember(upload.uploadId, env);
    return this.revealUpload(upload, opts.encryption.scheme === 'SSE-C' ? opts.encryption.customerKey : undefined);
  }

  private revealUpload(upload: MultipartUploadInfo, customerKey?: CustomerKey): MultipartUploadInfo {
    if (upload.metadata.sealed === undefined) return upload;
    const env = decodeEnvelope(upload.metadata.sealed);
    return { ...upload, metadata: { ...strip(upload.metadata), encryption: describeEnvelope(env, this.arnOf, customerKey) } };
  }

  private remember(uploadId: string, env: Envelope | null): void {
    if (this.uploads.size >= UPLOAD_CACHE_MAX) this.uploads.delete(this.uploads.keys().next().value!);
    this.uploads.set(uploadId, env);
  }

  /** The envelope of an upload (null: not encrypted). Throws NoSuchUpload. */
  private async uploadEnvelope(bucket: string, key: string, uploadId: string): Promise<Envelope | null> {
    const known = this.uploads.get(uploadId);
    if (known !== undefined) return known;
    const { upload } = await this.inner.listParts(bucket, key, uploadId, { maxParts: 0 });
    const env = upload.metadata.sealed !== undefined ? decodeEnvelope(upload.metadata.sealed) : null;
    this.remember(uploadId, env);
    return env;
  }

  override async uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: Readable, opts?: PutObjectOptions): Promise<PartInfo> {
    const env = await this.uploadEnvelope(bucket, key, uploadId);
    const { customerKey, encryption: _e, ...rest } = opts ?? {};
    if (env === null) {
      if (customerKey !== undefined) throw new StoreError('InvalidRequest', NOT_APPLICABLE);
      return this.inner.uploadPart(bucket, key, uploadId, partNumber, body, rest);
    }
    const dataKey = await this.dataKeyOf(env, customerKey);
    const sealed = this.sealBody(body, { env, dataKey }, randomBytes(IV_BYTES), rest.contentMd5, () => {});
    // Part ETags are the MD5 of the part's plaintext, as S3 gives them (drivers that hash themselves, like a backend cluster, keep theirs).
    const innerOpts: PutObjectOptions = { knownMd5: () => sealed.md5! };
    if (rest.expectedSize !== undefined) innerOpts.expectedSize = sealedSize(rest.expectedSize);
    if (rest.checksum !== undefined) innerOpts.checksum = rest.checksum;
    const part = await this.inner.uploadPart(bucket, key, uploadId, partNumber, sealed, innerOpts);
    return { ...part, size: sealed.plainBytes, encryption: describeEnvelope(env, this.arnOf, customerKey) };
  }

  override async uploadPartCopy(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    src: { bucket: string; key: string; versionId?: string; range?: ByteRange },
    opts?: CopyObjectOptions,
  ): Promise<PartInfo> {
    const env = await this.uploadEnvelope(bucket, key, uploadId);
    const head = await asCopySource(this.inner.headObject(src.bucket, src.key, atVersion(src.versionId)));
    if (head === null) throw new StoreError('NoSuchKey', 'The specified key does not exist.');
    this.checkReadKey(head, opts?.sourceCustomerKey);
    if (env === null && head.metadata.sealed === undefined && opts?.customerKey === undefined) return this.inner.uploadPartCopy(bucket, key, uploadId, partNumber, src);
    const got = await this.getObject(src.bucket, src.key, src.range, { ...(opts?.sourceCustomerKey !== undefined ? { customerKey: opts.sourceCustomerKey } : {}), ...atVersion(src.versionId) });
    if (got === null) throw new StoreError('NoSuchKey', 'The specified key does not exist.');
    const body = got.buffer !== undefined ? lazyBodyResult(got.info, got.buffer).body : got.body;
    const length = src.range !== undefined ? src.range.end - src.range.start + 1 : got.info.size;
    return this.uploadPart(bucket, key, uploadId, partNumber, body, { expectedSize: length, ...(opts?.customerKey !== undefined ? { customerKey: opts.customerKey } : {}) });
  }

  override async completeMultipartUpload(...a: Parameters<ObjectStore['completeMultipartUpload']>): Promise<ObjectInfo> {
    const [bucket, key, uploadId, parts] = a;
    // The driver checks part sizes on what it stores; the minimum applies to the plaintext.
    if ((await this.uploadEnvelope(bucket, key, uploadId)) !== null) chooseCompletedParts(uploadId, await this.plainParts(bucket, key, uploadId), parts, this.minPartSize);
    const info = await this.inner.completeMultipartUpload(...a);
    this.uploads.delete(a[2]);
    return this.reveal(info);
  }

  private async plainParts(bucket: string, key: string, uploadId: string): Promise<Map<number, { info: PartInfo }>> {
    const parts = new Map<number, { info: PartInfo }>();
    let marker: number | undefined;
    for (;;) {
      const page = await this.listParts(bucket, key, uploadId, { maxParts: 1000, ...(marker !== undefined ? { partNumberMarker: marker } : {}) });
      for (const p of page.parts) parts.set(p.partNumber, { info: p });
      if (!page.isTruncated || page.nextPartNumberMarker === undefined) return parts;
      marker = page.nextPartNumberMarker;
    }
  }

  override async abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    await this.inner.abortMultipartUpload(bucket, key, uploadId);
    this.uploads.delete(uploadId);
  }

  override async listParts(...a: Parameters<ObjectStore['listParts']>): ReturnType<ObjectStore['listParts']> {
    const page = await this.inner.listParts(...a);
    if (page.upload.metadata.sealed === undefined) return page;
    return { ...page, upload: this.revealUpload(page.upload), parts: page.parts.map((p) => ({ ...p, size: Math.max(0, plainSize(p.size)) })) };
  }

  override async listMultipartUploads(...a: Parameters<ObjectStore['listMultipartUploads']>): ReturnType<ObjectStore['listMultipartUploads']> {
    const page = await this.inner.listMultipartUploads(...a);
    return { ...page, uploads: page.uploads.map((u) => this.revealUpload(u)) };
  }
}

async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export interface EncryptionOptions {
  /** The smallest part but the last, checked on plaintext sizes (default S3's 5 MiB). */
  minPartSize?: number;
  /**
   * For a driver whose listings carry no metadata (the s3 driver: ListObjectsV2 has no
   * envelope): where to keep the per-bucket "holds encrypted objects" marks (listing-enricher.ts).
   */
  listingWithoutMetadata?: SystemDocuments;
}

export function withEncryption(inner: ObjectStore, keys: KeyStore | null, opts: EncryptionOptions = {}): EncryptingStore {
  return new EncryptingStore(inner, keys, opts);
}
