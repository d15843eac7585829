/**
 * The CloudFront Functions and key value stores of one edge process: compiled from the
 * configuration at start (each worker compiles its own sandboxes: @bucketfront/cf-functions),
 * plus the functions published through the control API (PublishFunction), which replace a
 * configured function of the same name; and what each cache behavior runs on its viewer events.
 */
import { readFile } from 'node:fs/promises';
import { compileFunction, type CloudFrontFunction, type KvsLookup, type KvsMetadata } from '@bucketfront/cf-functions';
import type { CacheBehaviorConfig, EdgeConfig, KeyValueStoreConfig } from '../config/types.js';
import { EdgeConfigError, functionNameOf } from '../config/validate.js';
import type { KvsReader } from '../kvs/kvs-reader.js';
import type { PublishedFunction } from './published.js';

export interface BehaviorFunctions {
  viewerRequest?: CloudFrontFunction;
  viewerResponse?: CloudFrontFunction;
}

const NONE: BehaviorFunctions = Object.freeze({});

/** The last segment of a KeyValueStoreARN (or a bare name): the configured store it reads. */
const kvsIdOf = (association: string): string => association.slice(association.lastIndexOf('/') + 1);

export class EdgeFunctions {
  private byBehavior = new WeakMap<CacheBehaviorConfig, BehaviorFunctions>();
  /** Published through the control API: looked up before the configured ones. */
  private readonly published = new Map<string, CloudFrontFunction>();
  /** Changes to `published` apply one after the other, in the order they were asked for. */
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    private readonly functions: Map<string, CloudFrontFunction>,
    private readonly stores: Map<string, Map<string, string>>,
    /** Stores created through the control API (by id), shared by every worker: kvs-reader.ts. */
    private readonly apiStores: KvsReader | undefined,
    private readonly loadedAt: Date,
  ) {}

  /**
   * Compile every configured function, then every `published` one, and load every key value store;
   * throws EdgeConfigError listing what failed.
   */
  static async load(config: EdgeConfig, published: readonly PublishedFunction[] = [], apiStores?: KvsReader): Promise<EdgeFunctions> {
    const problems: string[] = [];
    const stores = new Map<string, Map<string, string>>();
    for (const [i, k] of (config.keyValueStores ?? []).entries()) {
      try {
        stores.set(k.name, await storeData(k));
      } catch (err) {
        problems.push(`keyValueStores[${i}] (${k.name}): ${(err as Error).message}`);
      }
    }
    const functions = new Map<string, CloudFrontFunction>();
    for (const [i, f] of (config.functions ?? []).entries()) {
      let code: string;
      try {
        code = f.code ?? (await readFile(f.file!, 'utf8'));
      } catch (err) {
        problems.push(`functions[${i}].file: cannot read ${f.file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
        continue;
      }
      const r = await compile({ name: f.name, code, runtime: f.runtime, comment: f.comment ?? '', kvsAssociations: f.keyValueStoreAssociations });
      if (!r.ok) problems.push(`functions[${i}] (${f.name}): ${r.error.code}: ${r.error.message}`);
      else functions.set(f.name, r.fn);
    }
    const registry = new EdgeFunctions(functions, stores, apiStores, new Date());
    for (const p of published) {
      const r = await compile(p);
      if (!r.ok) problems.push(`published function ${p.name}: ${r.error.code}: ${r.error.message}`);
      else registry.published.set(p.name, r.fn);
    }
    if (problems.length > 0) {
      registry.close();
      throw new EdgeConfigError(problems);
    }
    return registry;
  }

  /**
   * Makes `fn` what `name` runs here (undefined: back to the configured function of that name,
   * if any), from the next request on. The replaced sandbox is disposed: nothing holds it past
   * a synchronous run (the engine resolves a viewer-response function when it runs it).
   */
  setLive(name: string, fn: CloudFrontFunction | undefined): void {
    const old = this.published.get(name);
    if (fn === undefined) this.published.delete(name);
    else this.published.set(name, fn);
    this.byBehavior = new WeakMap();
    if (old !== undefined && old !== fn) old.dispose();
  }

  /** PublishFunction here: compiles `p` and makes it LIVE (in order with other changes). Rejects if it does not compile. */
  publish(p: PublishedFunction): Promise<void> {
    return this.enqueue(async () => {
      const r = await compile(p);
      if (!r.ok) throw new Error(`function ${p.name} (${p.etag}): ${r.error.code}: ${r.error.message}`);
      this.setLive(p.name, r.fn);
    });
  }

  /** DeleteFunction here: the function published as `name` is no longer run. */
  unpublish(name: string): Promise<void> {
    return this.enqueue(async () => this.setLive(name, undefined));
  }

  /** What the behavior runs (resolved once per behavior object). */
  forBehavior(b: CacheBehaviorConfig): BehaviorFunctions {
    if (b.functionAssociations === undefined) return NONE;
    let r = this.byBehavior.get(b);
    if (r === undefined) {
      r = {};
      for (const a of b.functionAssociations) {
        const fn = this.lookup(functionNameOf(a.functionArn));
        if (fn === undefined) continue; // not configured and not published (yet): nothing runs
        if (a.eventType === 'viewer-request') r.viewerRequest = fn;
        else r.viewerResponse = fn;
      }
      this.byBehavior.set(b, r);
    }
    return r;
  }

  /**
   * `cf.kvs()` reads, synchronous: a configured store from this process's copy, else a store
   * created through the API (its id is the association's last segment) from the shared file.
   */
  readonly kvs: KvsLookup = (kvsId, key) => {
    const configured = this.stores.get(kvsId);
    return configured ? configured.get(key) : this.apiStores?.get(kvsId, key);
  };

  /** `kvs.meta()`: a configured store counts from when it was loaded. */
  readonly kvsMeta = (kvsId: string): KvsMetadata | undefined => {
    const configured = this.stores.get(kvsId);
    if (!configured) return this.apiStores?.meta(kvsId);
    const at = this.loadedAt.toISOString();
    return { creationDateTime: at, lastUpdatedDateTime: at, keyCount: configured.size };
  };

  close(): void {
    for (const fn of [...this.functions.values(), ...this.published.values()]) fn.dispose();
    this.functions.clear();
    this.published.clear();
    this.apiStores?.close();
  }

  private lookup(name: string): CloudFrontFunction | undefined {
    return this.published.get(name) ?? this.functions.get(name);
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function compile(f: { name: string; code: string; runtime: PublishedFunction['runtime']; comment: string; kvsAssociations: readonly string[] }): ReturnType<typeof compileFunction> {
  return compileFunction({ name: f.name, code: f.code, runtime: f.runtime, comment: f.comment, kvsIds: f.kvsAssociations.map(kvsIdOf) });
}

/** A store's keys and values: inline `data`, or a file in CloudFront's import format. */
export async function storeData(k: KeyValueStoreConfig): Promise<Map<string, string>> {
  let data = k.data;
  if (data === undefined && k.file !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(k.file, 'utf8'));
    } catch (err) {
      throw new Error(`cannot read ${k.file} as JSON (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    const d = (parsed as { data?: unknown } | null)?.data;
    if (!Array.isArray(d) || !d.every((e) => typeof e?.key === 'string' && typeof e?.value === 'string')) {
      throw new Error(`${k.file}: expected {"data": [{"key": "…", "value": "…"}, …]} (CloudFront's import format)`);
    }
    data = d as Array<{ key: string; value: string }>;
  }
  return new Map((data ?? []).map((e) => [e.key, e.value]));
}
