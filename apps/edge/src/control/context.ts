/** What every control handler receives. */
import type { IncomingMessage } from 'node:http';
import type { KvsLookup } from '@bucketfront/cf-functions';
import type { KvsDb } from '../kvs/kvs-db.js';
import type { ControlMetrics } from './control-metrics.js';
import type { FunctionStore } from './function-store.js';
import type { InvalidationStore } from './invalidation-store.js';
import type { PeerRetryPolicy } from './peer-fanout.js';
import type { DistributionConfig, EdgeConfig, EdgeRuntime } from './runtime-types.js';
import { errors } from './errors.js';

export interface ControlContext {
  runtime: EdgeRuntime;
  config: EdgeConfig;
  credentials: { accessKeyId: string; secretAccessKey: string };
  now: () => Date;
  store: InvalidationStore;
  /** CloudFront Functions created through the API (DEVELOPMENT and LIVE stages). */
  functions: FunctionStore;
  /** Key value stores created through the API (their keys too: the cloudfront-keyvaluestore operations). */
  kvs: KvsDb;
  /** The configuration's key value stores, then the API's, for TestFunction (loaded on first use). */
  keyValueStores: () => Promise<KvsLookup>;
  metrics: ControlMetrics;
  /** LastModifiedTime of every distribution: when this control server was created. */
  startedAt: Date;
  /** How long CreateInvalidation waits for Completed before answering InProgress. */
  createWaitMs: number;
  peerRetry: PeerRetryPolicy;
  log: (message: string) => void;
}

export interface ControlRequest {
  req: IncomingMessage;
  body: Buffer;
  /** Decoded path parameters (`distributionId`, `invalidationId`, `name`). */
  params: Record<string, string>;
  query: URLSearchParams;
  requestId: string;
  /** `http://host:port` as the client addressed this server (for Location headers). */
  baseUrl: string;
}

export interface ControlResponse {
  status: number;
  headers?: Record<string, string>;
  /** A document, or bytes (GetFunction's code). */
  body: string | Buffer;
}

export type ControlHandler = (ctx: ControlContext, request: ControlRequest) => Promise<ControlResponse> | ControlResponse;

export function findDistribution(ctx: ControlContext, id: string | undefined): DistributionConfig {
  const dist = ctx.config.distributions.find((d) => d.id === id);
  if (!dist) throw errors.noSuchDistribution();
  return dist;
}

/** Parses `MaxItems` (default 100). CloudFront rejects non-numeric values with InvalidArgument. */
export function parseMaxItems(query: URLSearchParams, fallback = 100, cap = 1000): number {
  const raw = query.get('MaxItems');
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw errors.invalidArgument(`MaxItems '${raw}' must be a positive integer.`);
  return Math.min(Number(raw), cap);
}
