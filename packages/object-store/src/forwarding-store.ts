/**
 * An ObjectStore that hands every call to `inner`: the base of the decorators
 * (bucket-cache.ts), which override only what they change.
 */
import type { ObjectStore, StoreMethod } from './types.js';

/** The parameters of ObjectStore method `M`, as types.ts declares them. */
type Args<M extends StoreMethod> = Parameters<ObjectStore[M]>;
type Result<M extends StoreMethod> = ReturnType<ObjectStore[M]>;

export class ForwardingStore implements ObjectStore {
  constructor(readonly inner: ObjectStore) {}

  get verifiesPayloadSha256(): boolean | undefined {
    return this.inner.verifiesPayloadSha256;
  }

  listBuckets(): Result<'listBuckets'> {
    return this.inner.listBuckets();
  }
  createBucket(...a: Args<'createBucket'>): Result<'createBucket'> {
    return this.inner.createBucket(...a);
  }
  deleteBucket(...a: Args<'deleteBucket'>): Result<'deleteBucket'> {
    return this.inner.deleteBucket(...a);
  }
  headBucket(...a: Args<'headBucket'>): Result<'headBucket'> {
    return this.inner.headBucket(...a);
  }
  setBucketAcl(...a: Args<'setBucketAcl'>): Result<'setBucketAcl'> {
    return this.inner.setBucketAcl(...a);
  }
  getBucketConfig(...a: Args<'getBucketConfig'>): Result<'getBucketConfig'> {
    return this.inner.getBucketConfig(...a);
  }
  getBucketConfigs(...a: Args<'getBucketConfigs'>): Result<'getBucketConfigs'> {
    return this.inner.getBucketConfigs(...a);
  }
  putBucketConfig(...a: Args<'putBucketConfig'>): Result<'putBucketConfig'> {
    return this.inner.putBucketConfig(...a);
  }

  putObject(...a: Args<'putObject'>): Result<'putObject'> {
    return this.inner.putObject(...a);
  }
  headObject(...a: Args<'headObject'>): Result<'headObject'> {
    return this.inner.headObject(...a);
  }
  getObject(...a: Args<'getObject'>): Result<'getObject'> {
    return this.inner.getObject(...a);
  }
  deleteObject(...a: Args<'deleteObject'>): Result<'deleteObject'> {
    return this.inner.deleteObject(...a);
  }
  copyObject(...a: Args<'copyObject'>): Result<'copyObject'> {
    return this.inner.copyObject(...a);
  }
  listObjects(...a: Args<'listObjects'>): Result<'listObjects'> {
    return this.inner.listObjects(...a);
  }
  updateVersionMetadata(...a: Args<'updateVersionMetadata'>): Result<'updateVersionMetadata'> {
    return this.inner.updateVersionMetadata(...a);
  }

  getBucketVersioning(...a: Args<'getBucketVersioning'>): Result<'getBucketVersioning'> {
    return this.inner.getBucketVersioning(...a);
  }
  putBucketVersioning(...a: Args<'putBucketVersioning'>): Result<'putBucketVersioning'> {
    return this.inner.putBucketVersioning(...a);
  }
  listObjectVersions(...a: Args<'listObjectVersions'>): Result<'listObjectVersions'> {
    return this.inner.listObjectVersions(...a);
  }

  createMultipartUpload(...a: Args<'createMultipartUpload'>): Result<'createMultipartUpload'> {
    return this.inner.createMultipartUpload(...a);
  }
  uploadPart(...a: Args<'uploadPart'>): Result<'uploadPart'> {
    return this.inner.uploadPart(...a);
  }
  uploadPartCopy(...a: Args<'uploadPartCopy'>): Result<'uploadPartCopy'> {
    return this.inner.uploadPartCopy(...a);
  }
  completeMultipartUpload(...a: Args<'completeMultipartUpload'>): Result<'completeMultipartUpload'> {
    return this.inner.completeMultipartUpload(...a);
  }
  abortMultipartUpload(...a: Args<'abortMultipartUpload'>): Result<'abortMultipartUpload'> {
    return this.inner.abortMultipartUpload(...a);
  }
  listParts(...a: Args<'listParts'>): Result<'listParts'> {
    return this.inner.listParts(...a);
  }
  listMultipartUploads(...a: Args<'listMultipartUploads'>): Result<'listMultipartUploads'> {
    return this.inner.listMultipartUploads(...a);
  }

  appendObject(...a: Args<'appendObject'>): Result<'appendObject'> {
    return this.inner.appendObject(...a);
  }

  close(): Result<'close'> {
    return this.inner.close();
  }
}
