export * from './codec.js';
export * from './documents.js';
export * from './special.js';
export * from './encryption.js';
export * from './notification.js';
export * from './cors.js';
