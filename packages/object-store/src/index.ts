export * from './types.js';
export { createFsStore, INLINE_OBJECT_BYTES, type FsStoreOptions } from './fs-store.js';
export { compareKeys } from './key-order.js';
export { createS3Store, type S3StoreOptions } from './s3-store/index.js';
