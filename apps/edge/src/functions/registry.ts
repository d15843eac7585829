/**
 * The CloudFront Functions and key value stores of one edge process: compiled from the
 * configuration at start (each worker compiles its own sandboxes: @bucketfront/cf-functions), and
 * what each cache behavior runs on its viewer events.
 */
import { readFile } from 'node:fs/promises';
import { compileFunction, type CloudFrontFunction, type KvsLookup } from '@bucketfront/cf-functions';
import type { CacheBehaviorConfig, EdgeConfig, KeyValueStoreConfig } from '../config/types.js';
import { EdgeConfigError, functionNameOf } from '../config/validate.js';

export interface BehaviorFunctions {
  viewerRequest?: CloudFrontFunction;
  viewerResponse?: CloudFrontFunction;
}

const NONE: BehaviorFunctions = Object.freeze({});

export class EdgeFunctions {
  private readonly byBehavior = new WeakMap<CacheBehaviorConfig, BehaviorFunctions>();

  private constructor(
    private readonly functions: Map<string, CloudFrontFunction>,
    private readonly stores: Map<string, Map<string, string>>,
  ) {}

  /** Compile every configured function and load every key value store; throws EdgeConfigError listing what failed. */
  static async load(config: EdgeConfig): Promise<EdgeFunctions> {
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
        code = f.code ?? await readFile(f.file!, 'utf8');
      } catch (err) {
        problems.push(`functions[${i}].file: cannot read ${f.file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
        continue;
      }
      const r = await compileFunction({ name: f.name, code, runtime: f.runtime, ...(f.comment === undefined ? {} : { comment: f.comment }), kvsIds: f.keyValueStoreAssociations.map((k) => k.slice(k.lastIndexOf('/') + 1)) });
      if (!r.ok) problems.push(`functions[${i}] (${f.name}): ${r.error.code}: ${r.error.message}`);
      else functions.set(f.name, r.fn);
    }
    if (problems.length > 0) {
      for (const fn of functions.values()) fn.dispose();
      throw new EdgeConfigError(problems);
    }
    return new EdgeFunctions(functions, stores);
  }

  /** What the behavior runs (resolved once per behavior object). */
  forBehavior(b: CacheBehaviorConfig): BehaviorFunctions {
    if (b.functionAssociations === undefined) return NONE;
    let r = this.byBehavior.get(b);
    if (r === undefined) {
      r = {};
      for (const a of b.functionAssociations) {
        const fn = this.functions.get(functionNameOf(a.functionArn));
        if (fn === undefined) continue; // validateEdgeConfig refuses unknown names
        if (a.eventType === 'viewer-request') r.viewerRequest = fn;
        else r.viewerResponse = fn;
      }
      this.byBehavior.set(b, r);
    }
    return r;
  }

  /** `cf.kvs()` reads: synchronous, from this process's copy of each store. */
  readonly kvs: KvsLookup = (kvsId, key) => this.stores.get(kvsId)?.get(key);

  close(): void {
    for (const fn of this.functions.values()) fn.dispose();
    this.functions.clear();
  }
}

/** A store's keys and values: inline `data`, or a file in CloudFront's import format. */
async function storeData(k: KeyValueStoreConfig): Promise<Map<string, string>> {
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
