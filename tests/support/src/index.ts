/**
 * Shared helpers for integration tests: real servers on port 0 in temp dirs,
 * the installed `aws` CLI pointed at loopback, raw sockets for malformed
 * requests, a tiny counting origin for edge tests, and the run's Ceph cluster
 * (`cephCluster()`, for *.ceph.test.ts files in the vitest project 'ceph').
 */
export * from './temp.js';
export * from './tools.js';
export * from './aws-cli.js';
export * from './raw-http.js';
export * from './servers.js';
export * from './counting-origin.js';
export * from './ceph.js';
export * from './s3-fixtures.js';
export * from './ports.js';
export * from './machine-services.js';
export * from './webhook-receiver.js';
export * from './brokers.js';
export * from './source-bundles.js';
