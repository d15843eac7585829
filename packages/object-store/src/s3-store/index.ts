/** The `s3` driver: objects in any S3-compatible cluster (see store.ts). */
export { createS3Store, type S3StoreOptions } from './store.js';
