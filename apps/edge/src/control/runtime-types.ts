/**
 * The shape of the edge runtime the control API drives.
 *
 * Temporary local declaration: the edge core team publishes the real
 * `EdgeRuntime` / `EdgeConfig` in `apps/edge/src/runtime.ts`; this file is
 * switched to re-export those as soon as they land.
 */

export interface EdgeOriginConfig {
  id: string;
  domainName: string;
  [key: string]: unknown;
}

export interface EdgeDistributionConfig {
  id: string;
  aliases?: string[];
  defaultRootObject?: string;
  origins: EdgeOriginConfig[];
  defaultCacheBehavior: Record<string, unknown>;
  cacheBehaviors?: Record<string, unknown>[];
  customErrorResponses?: Record<string, unknown>[];
  originGroups?: Record<string, unknown>[];
  [key: string]: unknown;
}

export interface EdgeConfig {
  distributions: EdgeDistributionConfig[];
  pop?: string;
  peers?: string[];
  [key: string]: unknown;
}

export type EdgeMetricsSnapshot = Record<string, unknown>;

export interface EdgeRuntime {
  config: EdgeConfig;
  /** Resolves when every local worker applied the invalidation. */
  invalidate(distributionId: string, paths: string[]): Promise<void>;
  metrics(): Promise<EdgeMetricsSnapshot>;
}
