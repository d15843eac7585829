export { createFsStore, INLINE_OBJECT_BYTES, type FsStoreOptions } from './store.js';
export { readFsOutboxFiles } from './outbox.js';
