export * from './types.js';
export { createFsStore, INLINE_OBJECT_BYTES, readFsOutboxFiles, type FsStoreOptions } from './fs-store/index.js';
// The helpers every driver needs (both drivers use them; a new driver should too).
export { compareKeys, listPage, type ListPage } from './key-order.js';
export { checkKey, checkPartNumber, multipartEtag, quoteEtag, sameEtag } from './validate.js';
export { mapLimit } from './map-limit.js';
export { chooseCompletedParts, completedMetadata, listUploadsPage, namedParts } from './multipart.js';
export { ForwardingStore } from './forwarding-store.js';
export { BucketCachingStore, withBucketCache, DEFAULT_REVALIDATE_MS, type BucketCacheOptions } from './bucket-cache.js';
export { withStoreMetrics, type StoreObserver, type StoreOperation } from './store-metrics.js';
export {
  openStore,
  parseStoreSpec,
  describeStoreSpec,
  backendCredentials,
  backendSystemCredentials,
  parseCredentialsFile,
  StoreSpecError,
  defaultMasterKeyFile,
  openKeyService,
  openSystemServices,
  type StoreSpec,
  type OpenedStore,
  type OpenStoreOptions,
} from './open-store.js';
export { createS3Store, type S3StoreOptions } from './s3-store/index.js';
export * from './encryption/index.js';
