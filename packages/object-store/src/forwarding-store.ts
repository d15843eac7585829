/**
 * An ObjectStore that hands every call to `inner`: the base of the decorators
 * (bucket-cache.ts), which override only what they change.
 */
import type { Readable } from 'node:stream';
import type {
  BucketConfigKind,
  BucketInfo,
  ByteRange,
  CannedAcl,
  CompletedPartRef,
  GetObjectResult,
  ListObjectsOptions,
  ListObjectsResult,
  ListPartsOptions,
  ListUploadsOptions,
  ListUploadsResult,
  MultipartUploadInfo,
  ObjectInfo,
  ObjectMetadata,
  ObjectStore,
  PartInfo,
  PutObjectOptions,
  StoredChecksum,
} from './types.js';

export class ForwardingStore implements ObjectStore {
  constructor(readonly inner: ObjectStore) {}

  listBuckets(): Promise<BucketInfo[]> {
    return this.inner.listBuckets();
  }

  createBucket(name: string, opts: { region: string; acl?: CannedAcl }): Promise<BucketInfo> {
    return this.inner.createBucket(name, opts);
  }

  deleteBucket(name: string): Promise<void> {
    return this.inner.deleteBucket(name);
  }

  headBucket(name: string): Promise<BucketInfo | null> {
    return this.inner.headBucket(name);
  }

  setBucketAcl(name: string, acl: CannedAcl): Promise<void> {
    return this.inner.setBucketAcl(name, acl);
  }

  getBucketConfig(name: string, kind: BucketConfigKind): Promise<string | null> {
    return this.inner.getBucketConfig(name, kind);
  }

  putBucketConfig(name: string, kind: BucketConfigKind, document: string | null): Promise<void> {
    return this.inner.putBucketConfig(name, kind, document);
  }

  putObject(bucket: string, key: string, body: Readable, metadata: ObjectMetadata, opts?: PutObjectOptions): Promise<ObjectInfo> {
    return this.inner.putObject(bucket, key, body, metadata, opts);
  }

  headObject(bucket: string, key: string): Promise<ObjectInfo | null> {
    return this.inner.headObject(bucket, key);
  }

  getObject(bucket: string, key: string, range?: ByteRange): Promise<GetObjectResult | null> {
    return this.inner.getObject(bucket, key, range);
  }

  deleteObject(bucket: string, key: string): Promise<void> {
    return this.inner.deleteObject(bucket, key);
  }

  copyObject(src: { bucket: string; key: string }, dst: { bucket: string; key: string }, metadata: ObjectMetadata): Promise<ObjectInfo> {
    return this.inner.copyObject(src, dst, metadata);
  }

  listObjects(bucket: string, opts: ListObjectsOptions): Promise<ListObjectsResult> {
    return this.inner.listObjects(bucket, opts);
  }

  createMultipartUpload(bucket: string, key: string, metadata: ObjectMetadata): Promise<MultipartUploadInfo> {
    return this.inner.createMultipartUpload(bucket, key, metadata);
  }

  uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, body: Readable, opts?: PutObjectOptions): Promise<PartInfo> {
    return this.inner.uploadPart(bucket, key, uploadId, partNumber, body, opts);
  }

  uploadPartCopy(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    src: { bucket: string; key: string; range?: ByteRange },
  ): Promise<PartInfo> {
    return this.inner.uploadPartCopy(bucket, key, uploadId, partNumber, src);
  }

  completeMultipartUpload(
    bucket: string,
    key: string,
    uploadId: string,
    parts: CompletedPartRef[],
    opts?: { checksum?: StoredChecksum },
  ): Promise<ObjectInfo> {
    return this.inner.completeMultipartUpload(bucket, key, uploadId, parts, opts);
  }

  abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    return this.inner.abortMultipartUpload(bucket, key, uploadId);
  }

  listParts(bucket: string, key: string, uploadId: string, opts: ListPartsOptions) {
    return this.inner.listParts(bucket, key, uploadId, opts);
  }

  listMultipartUploads(bucket: string, opts: ListUploadsOptions): Promise<ListUploadsResult> {
    return this.inner.listMultipartUploads(bucket, opts);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
