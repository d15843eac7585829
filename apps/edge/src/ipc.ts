/** Messages between the cluster primary and edge workers. */
import type { EdgeMetricsSnapshot } from './metrics.js';

export type PrimaryToWorker =
  | { type: 'bf:invalidate'; id: number; distributionId: string; paths: string[] }
  | { type: 'bf:metrics'; id: number }
  | { type: 'bf:shutdown' };

export type WorkerToPrimary =
  | { type: 'bf:ready'; port: number }
  | { type: 'bf:ack'; id: number }
  | { type: 'bf:metrics'; id: number; snapshot: EdgeMetricsSnapshot };

export const WORKER_ENV = {
  config: 'BUCKETFRONT_EDGE_CONFIG_JSON',
  port: 'BUCKETFRONT_EDGE_PORT',
  host: 'BUCKETFRONT_EDGE_HOST',
} as const;

export function isMessage(m: unknown): m is { type: string; id?: number } {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' && (m as { type: string }).type.startsWith('bf:');
}
