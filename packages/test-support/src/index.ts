/**
 * Shared helpers for integration tests: real servers on port 0 in temp dirs,
 * the installed `aws` CLI pointed at loopback, raw sockets for malformed
 * requests, and a tiny counting origin for edge tests.
 */
export * from './temp.js';
export * from './tools.js';
export * from './aws-cli.js';
export * from './raw-http.js';
export * from './servers.js';
export * from './counting-origin.js';
