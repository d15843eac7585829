/**
 * Helpers for tests that talk to a real control server without a data plane:
 * a recording EdgeRuntime (an in-process implementation of the interface, whose
 * apply can be held back to observe InProgress), a configuration fixture, and a
 * starter on 127.0.0.1:0. Used by the control API's own tests; handy for CLI
 * tests of `bucketfront invalidate` too.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { emptySnapshot } from '../metrics.js';
import { createControlServer, type ControlServerOptions } from './index.js';
import type { CacheBehaviorConfig, DistributionConfig, EdgeConfig, EdgeMetricsSnapshot, EdgeRuntime, PublishedFunction } from './runtime-types.js';

export interface RecordedInvalidation {
  distributionId: string;
  paths: string[];
}

export interface RecordingRuntime extends EdgeRuntime {
  /** Invalidations whose apply finished, in order. */
  readonly applied: RecordedInvalidation[];
  /** Invalidations received (applied or still held). */
  readonly received: RecordedInvalidation[];
  /** setFunction calls, in order (null: removed). */
  readonly functionChanges: Array<{ name: string; fn: PublishedFunction | null }>;
  /** The functions the data plane would run now, by name. */
  readonly liveFunctions: Map<string, PublishedFunction>;
  /** While held, invalidate() does not resolve until release(). */
  hold(): void;
  release(): void;
  snapshot: EdgeMetricsSnapshot;
}

export function emptyMetricsSnapshot(): EdgeMetricsSnapshot {
  return { ...emptySnapshot(), workers: 1, originLatency: { buckets: [0.01, 0.1, 1], counts: [0, 0, 0, 0], sum: 0, count: 0 } };
}

export function createRecordingRuntime(config: EdgeConfig): RecordingRuntime {
  const applied: RecordedInvalidation[] = [];
  const received: RecordedInvalidation[] = [];
  const functionChanges: RecordingRuntime['functionChanges'] = [];
  const liveFunctions = new Map<string, PublishedFunction>();
  let gate: { promise: Promise<void>; open: () => void } | null = null;
  const runtime: RecordingRuntime = {
    config,
    applied,
    received,
    functionChanges,
    liveFunctions,
    snapshot: emptyMetricsSnapshot(),
    hold() {
      if (gate) return;
      let open!: () => void;
      const promise = new Promise<void>((resolve) => (open = resolve));
      gate = { promise, open };
    },
    release() {
      gate?.open();
      gate = null;
    },
    async invalidate(distributionId, paths) {
      const entry = { distributionId, paths: [...paths] };
      received.push(entry);
      if (gate) await gate.promise;
      applied.push(entry);
      runtime.snapshot.invalidations++;
    },
    async metrics() {
      return runtime.snapshot;
    },
    async setFunction(name, fn) {
      functionChanges.push({ name, fn });
      if (fn === null) liveFunctions.delete(name);
      else liveFunctions.set(name, fn);
    },
  };
  return runtime;
}

export function behaviourFixture(overrides: Partial<CacheBehaviorConfig> = {}): CacheBehaviorConfig {
  return {
    pathPattern: '*',
    targetOriginId: 'site',
    minTTL: 0,
    defaultTTL: 86400,
    maxTTL: 31536000,
    compress: true,
    cacheKey: {
      queryStrings: { behavior: 'none', items: [] },
      headers: { behavior: 'none', items: [] },
      cookies: { behavior: 'none', items: [] },
    },
    allowedMethods: ['GET', 'HEAD'],
    ...overrides,
  };
}

export function distributionFixture(id: string, overrides: Partial<DistributionConfig> = {}): DistributionConfig {
  return {
    id,
    aliases: [`${id.toLowerCase()}.example.test`],
    defaultRootObject: 'index.html',
    comment: `fixture ${id}`,
    enabled: true,
    origins: [
      {
        id: 'site',
        url: 'http://my-site.s3-website-us-east-1.localhost:9000',
        connectionTimeout: 10,
        connectionAttempts: 3,
        responseTimeout: 30,
        keepaliveTimeout: 5,
      },
    ],
    originGroups: [],
    defaultCacheBehavior: behaviourFixture(),
    cacheBehaviors: [],
    customErrorResponses: [],
    ...overrides,
  };
}

export function edgeConfigFixture(overrides: Partial<EdgeConfig> = {}): EdgeConfig {
  return {
    pop: 'TST1-C1',
    productWord: 'cloudfront',
    cache: { maxSizeBytes: 64 * 1024 * 1024, maxObjectBytes: 8 * 1024 * 1024 },
    peers: [],
    distributions: [distributionFixture('E1TESTDIST0001')],
    ...overrides,
  };
}

export interface StartedControl {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/** Starts a control server on 127.0.0.1, port 0 unless `port` is given. */
export async function startControlServer(opts: ControlServerOptions, port = 0): Promise<StartedControl> {
  const server = createControlServer(opts);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
