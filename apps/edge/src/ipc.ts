/** Messages between the cluster primary and edge workers. */
import type { DistributionConfig } from './config/types.js';
import type { PublishedFunction } from './functions/published.js';
import type { EdgeMetricsSnapshot } from './metrics.js';

export type PrimaryToWorker =
  | { type: 'bf:invalidate'; id: number; distributionId: string; paths: string[] }
  | { type: 'bf:metrics'; id: number }
  /** PublishFunction (`fn`) or DeleteFunction (`fn: null`) of `name`: acked once applied. */
  | { type: 'bf:function'; id: number; name: string; fn: PublishedFunction | null }
  /** The answer to `bf:functions?`: every function published through the API (LIVE stage) and every distribution created through it. */
  | { type: 'bf:functions'; functions: PublishedFunction[]; distributions: DistributionConfig[] }
  /** The distributions created through the control API, all of them: acked once applied. */
  | { type: 'bf:distributions'; id: number; distributions: DistributionConfig[] }
  | { type: 'bf:shutdown' };

export type WorkerToPrimary =
  /** A starting worker asks for the published functions before it serves; `bf:function` changes follow. */
  | { type: 'bf:functions?' }
  | { type: 'bf:ready'; port: number }
  /** `error`: the worker could not apply the message (a function that did not compile). */
  | { type: 'bf:ack'; id: number; error?: string }
  /** The worker reloaded its viewer certificate on SIGHUP (or kept the old one: `error`). */
  | { type: 'bf:tls-reload'; error?: string }
  | { type: 'bf:metrics'; id: number; snapshot: EdgeMetricsSnapshot };

export const WORKER_ENV = {
  config: 'BUCKETFRONT_EDGE_CONFIG_JSON',
  port: 'BUCKETFRONT_EDGE_PORT',
  host: 'BUCKETFRONT_EDGE_HOST',
  /** The API-created key value stores (kvs.sqlite), read by every worker. */
  kvsFile: 'BUCKETFRONT_EDGE_KVS_FILE',
  /** The TLS viewer listener: certificate and key files (reloaded on SIGHUP), and its port. */
  tlsCertFile: 'BUCKETFRONT_EDGE_TLS_CERT_FILE',
  tlsKeyFile: 'BUCKETFRONT_EDGE_TLS_KEY_FILE',
  tlsPort: 'BUCKETFRONT_EDGE_TLS_PORT',
} as const;

export function isMessage(m: unknown): m is { type: string; id?: number } {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' && (m as { type: string }).type.startsWith('bf:');
}
