/** What every control handler receives. */
import type { IncomingMessage } from 'node:http';
import type { KvsLookup } from '@bucketfront/cf-functions';
import type { KvsDb } from '../kvs/kvs-db.js';
import type { ControlMetrics } from './control-metrics.js';
import type { ApiDistribution, DistributionStore } from './distribution-store.js';
import type { DistributionMeta } from './distribution-xml.js';
import type { FunctionStore } from './function-store.js';
import type { InvalidationStore } from './invalidation-store.js';
import type { PeerRetryPolicy } from './peer-fanout.js';
import type { DistributionConfig, EdgeConfig, EdgeRuntime } from './runtime-types.js';
import { ControlError, errors } from './errors.js';

export interface ControlContext {
  runtime: EdgeRuntime;
  config: EdgeConfig;
  credentials: { accessKeyId: string; secretAccessKey: string };
  now: () => Date;
  store: InvalidationStore;
  /** CloudFront Functions created through the API (DEVELOPMENT and LIVE stages). */
  functions: FunctionStore;
  /** Distributions created through the API (the configuration file's are `config.distributions`). */
  distributions: DistributionStore;
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

/** A distribution with what the API answers about it. */
export interface DistributionView {
  config: DistributionConfig;
  meta: DistributionMeta;
}

function viewOf(ctx: ControlContext, config: DistributionConfig, api?: ApiDistribution): DistributionView {
  const meta: DistributionMeta = { lastModifiedTime: api?.lastModifiedTime ?? ctx.startedAt, inProgressInvalidationBatches: ctx.store.inProgressCount(config.id) };
  if (api) Object.assign(meta, { api, status: ctx.distributions.status(api.id) });
  return { config, meta };
}

/** The configuration file's distributions, then those created through the API (in creation order). */
export function allDistributions(ctx: ControlContext): DistributionView[] {
  return [...ctx.config.distributions.map((d) => viewOf(ctx, d)), ...ctx.distributions.list().map((d) => viewOf(ctx, d.config, d))];
}

/** A distribution of the configuration file or of the API, else NoSuchDistribution (404). */
export function findDistributionView(ctx: ControlContext, id: string | undefined): DistributionView {
  const configured = ctx.config.distributions.find((d) => d.id === id);
  if (configured) return viewOf(ctx, configured);
  const api = id === undefined ? undefined : ctx.distributions.get(id);
  if (!api) throw errors.noSuchDistribution();
  return viewOf(ctx, api.config, api);
}

export function findDistribution(ctx: ControlContext, id: string | undefined): DistributionConfig {
  return findDistributionView(ctx, id).config;
}

/**
 * A distribution the API may change: one created through it. One of the configuration file is
 * read-only (`code`: IllegalUpdate for UpdateDistribution, AccessDenied for the others, the
 * closest of each operation's documented errors); an unknown id is NoSuchDistribution.
 */
export function requireApiDistribution(ctx: ControlContext, id: string | undefined, code: 'IllegalUpdate' | 'AccessDenied'): ApiDistribution {
  if (ctx.config.distributions.some((d) => d.id === id)) {
    throw new ControlError(
      code,
      code === 'IllegalUpdate' ? 400 : 403,
      `The distribution ${id} is defined in the edge configuration file and is read-only through the API: change it in the configuration file and restart the edge.`,
    );
  }
  const api = id === undefined ? undefined : ctx.distributions.get(id);
  if (!api) throw errors.noSuchDistribution();
  return api;
}

/** Parses `MaxItems` (default 100). CloudFront rejects non-numeric values with InvalidArgument. */
export function parseMaxItems(query: URLSearchParams, fallback = 100, cap = 1000): number {
  const raw = query.get('MaxItems');
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw errors.invalidArgument(`MaxItems '${raw}' must be a positive integer.`);
  return Math.min(Number(raw), cap);
}
