export * from './types.js';
export { createFsStore, type FsStoreOptions } from './fs-store.js';
export { compareKeys } from './key-order.js';
