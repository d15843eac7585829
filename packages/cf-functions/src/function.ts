import type { QuickJSWASMModule } from 'quickjs-emscripten-core';
import { CompileFailure, Instance, decodeWire, loadQuickJS, type FunctionSpec } from './engine.js';
import { ResultCache } from './result-cache.js';
import { DEFAULT_LIMITS, MAX_FUNCTION_SIZE_BYTES } from './limits.js';
import { wrapFunctionCode } from './transform.js';
import type { CloudFrontFunctionEvent, CompileError, CompileOptions, FunctionLimits, FunctionRuntime, RunOptions, RunResult } from './types.js';

const NAME = /^[a-zA-Z0-9\-_]{1,64}$/;
/** Modules a runtime 2.0 function can import (require() also knows crypto and querystring in 1.0). */
const IMPORTABLE = new Set(['cloudfront', 'crypto', 'querystring', 'buffer']);

/** A compiled CloudFront function: a pool of sandbox instances running its code. */
export class CloudFrontFunction {
  readonly name: string;
  readonly runtime: FunctionRuntime;
  readonly comment: string;
  readonly kvsIds: readonly string[];
  /** Associations as given (ids or ARNs), for FunctionSummary. */
  readonly kvsAssociations: readonly string[];
  readonly limits: FunctionLimits;
  readonly codeBytes: number;
  readonly createdTime = new Date();
  private readonly idle: Instance[] = [];
  private instances = 0;
  private readonly waiters: ((i: Instance) => void)[] = [];
  private disposed = false;
  private computeFailures = 0;
  private throttledUntil = 0;
  /** Results kept for identical invocations (RunOptions.reuseResults), shared by the instances. */
  private readonly results = new ResultCache();

  /** @internal use compileFunction */
  constructor(
    private readonly module: QuickJSWASMModule,
    private readonly spec: FunctionSpec,
    first: Instance,
    meta: { comment: string; kvsAssociations: string[]; codeBytes: number },
  ) {
    this.name = spec.name;
    this.runtime = spec.runtime;
    this.kvsIds = spec.kvsIds;
    this.limits = spec.limits;
    this.comment = meta.comment;
    this.kvsAssociations = meta.kvsAssociations;
    this.codeBytes = meta.codeBytes;
    this.instances = 1;
    first.useResultCache(this.results);
    this.idle.push(first);
  }

  /**
   * Runs the function on an event. KeyValueStore lookups may be synchronous or return promises.
   * Never rejects for function failures: those are `{ok: false, error}` with CloudFront's kinds.
   */
  async run(event: CloudFrontFunctionEvent, opts: RunOptions = {}): Promise<RunResult> {
    const throttled = this.throttled(opts);
    if (throttled !== undefined) return throttled;
    const reused = this.reuse(event, opts);
    if (reused !== undefined) return reused;
    const inst = this.tryAcquire() ?? (await new Promise<Instance>((resolve) => this.waiters.push(resolve)));
    try {
      return this.track(await inst.run(event, opts));
    } finally {
      this.release(inst);
    }
  }

  /**
   * Runs the function synchronously (the edge's fast path). KeyValueStore lookups must return
   * values, not promises; an asynchronous lookup fails the invocation. Throws only when every
   * instance is busy with an asynchronous `run`.
   */
  runSync(event: CloudFrontFunctionEvent, opts: RunOptions = {}): RunResult {
    const throttled = this.throttled(opts);
    if (throttled !== undefined) return throttled;
    const reused = this.reuse(event, opts);
    if (reused !== undefined) return reused;
    const inst = this.tryAcquire();
    if (inst === undefined) throw new Error(`all ${this.limits.maxInstances} sandbox instances of ${this.name} are busy`);
    try {
      return this.track(inst.runSync(event, opts));
    } finally {
      this.release(inst);
    }
  }

  /** The result of an earlier identical invocation, when `reuseResults` is set and there is one. */
  private reuse(event: CloudFrontFunctionEvent, opts: RunOptions): RunResult | undefined {
    if (opts.reuseResults !== true || opts.budgetMs !== undefined) return undefined;
    const kept = this.results.find(event, opts);
    if (kept === undefined) return undefined;
    // Kept results passed validation for an identical event; a throw here would be a bug in the
    // key, and then the sandbox decides.
    let output: ReturnType<typeof decodeWire>;
    try {
      output = decodeWire(event, kept.wire);
    } catch {
      return undefined;
    }
    this.computeFailures = 0;
    return { ok: true, output, logs: kept.logs.slice(), computeUtilization: kept.computeUtilization, elapsedMs: kept.elapsedMs, originModifications: [], reused: true };
  }

  /** Results kept for reuse (for tests and metrics). */
  get keptResults(): number {
    return this.results.size;
  }

  /** Whether the function is currently throttled (after repeated compute-budget failures). */
  get isThrottled(): boolean {
    return Date.now() < this.throttledUntil;
  }

  private throttled(opts: RunOptions): RunResult | undefined {
    if (opts.ignoreThrottle === true || Date.now() >= this.throttledUntil) return undefined;
    return {
      ok: false,
      error: {
        kind: 'FunctionThrottledError',
        statusCode: 503,
        limit: 'compute',
        message: `The function is throttled: it exceeded its compute budget on ${this.limits.throttleAfter} consecutive invocations`,
      },
      logs: [],
      computeUtilization: 0,
      elapsedMs: 0,
    };
  }

  private track(r: RunResult): RunResult {
    if (!r.ok && r.error.kind === 'FunctionThrottledError') {
      this.computeFailures++;
      if (this.computeFailures >= this.limits.throttleAfter) {
        this.throttledUntil = Date.now() + this.limits.throttleMs;
        this.computeFailures = 0;
      }
    } else {
      this.computeFailures = 0;
    }
    return r;
  }

  /** Heap bytes used by an idle instance right after setup (runtime, bootstrap, function). */
  baselineMemoryBytes(): number {
    const inst = this.tryAcquire();
    if (inst === undefined) return 0;
    try {
      return inst.memoryUsed();
    } finally {
      this.release(inst);
    }
  }

  /** Number of live sandbox instances (for tests and metrics). */
  get instanceCount(): number {
    return this.instances;
  }

  dispose(): void {
    this.disposed = true;
    this.results.clear();
    for (const i of this.idle.splice(0)) i.dispose();
    this.instances = 0;
  }

  private tryAcquire(): Instance | undefined {
    if (this.disposed) throw new Error(`function ${this.name} has been disposed`);
    const idle = this.idle.pop();
    if (idle !== undefined) return idle;
    if (this.instances < this.limits.maxInstances) {
      this.instances++;
      try {
        const inst = new Instance(this.module, this.spec);
        inst.useResultCache(this.results);
        return inst;
      } catch (e) {
        this.instances--;
        throw e;
      }
    }
    return undefined;
  }

  private release(inst: Instance): void {
    if (this.disposed) {
      inst.dispose();
      return;
    }
    if (inst.dead) {
      inst.dispose();
      this.instances--;
      const w = this.waiters.shift();
      if (w !== undefined) {
        const fresh = this.tryAcquire();
        if (fresh !== undefined) w(fresh);
        else this.waiters.unshift(w);
      }
      return;
    }
    const w = this.waiters.shift();
    if (w !== undefined) w(inst);
    else this.idle.push(inst);
  }
}

export type CompileResult = { ok: true; fn: CloudFrontFunction } | { ok: false; error: CompileError };

function kvsIdOf(association: string): string {
  // arn:aws:cloudfront::123456789012:key-value-store/<id>
  const slash = association.lastIndexOf('/');
  return association.startsWith('arn:') && slash >= 0 ? association.slice(slash + 1) : association;
}

/**
 * CreateFunction: checks the name, runtime, size (FunctionSizeLimitExceeded over 10 KB) and
 * syntax (InvalidArgument), then prepares the first sandbox instance.
 */
export async function compileFunction(options: CompileOptions): Promise<CompileResult> {
  const invalid = (message: string): CompileResult => ({ ok: false, error: { code: 'InvalidArgument', message } });
  if (typeof options.name !== 'string' || !NAME.test(options.name)) {
    return invalid('The function name must be 1-64 characters: letters, digits, hyphens and underscores');
  }
  const runtime = options.runtime ?? 'cloudfront-js-2.0';
  if (runtime !== 'cloudfront-js-1.0' && runtime !== 'cloudfront-js-2.0') {
    return invalid(`Unsupported runtime ${String(runtime)} (cloudfront-js-1.0 or cloudfront-js-2.0)`);
  }
  const bytes = typeof options.code === 'string' ? Buffer.from(options.code, 'utf8') : Buffer.from(options.code);
  if (bytes.byteLength > MAX_FUNCTION_SIZE_BYTES) {
    return {
      ok: false,
      error: {
        code: 'FunctionSizeLimitExceeded',
        message: `The function code is ${bytes.byteLength} bytes; the maximum function size is ${MAX_FUNCTION_SIZE_BYTES} bytes (10 KB)`,
      },
    };
  }
  const code = bytes.toString('utf8');
  const associations = options.kvsIds ?? [];
  if (associations.length > 1) return invalid('A function can be associated with at most one KeyValueStore');
  if (runtime === 'cloudfront-js-1.0' && associations.length > 0) return invalid('KeyValueStore associations require the cloudfront-js-2.0 runtime');
  const wrapped = wrapFunctionCode(code, runtime === 'cloudfront-js-2.0');
  if ('error' in wrapped) return invalid(`The function code is not valid: ${wrapped.error}`);
  const unknown = wrapped.imports.find((m) => !IMPORTABLE.has(m));
  if (unknown !== undefined) return invalid(`The function code is not valid: Cannot find module '${unknown}'`);
  const limits: FunctionLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const spec: FunctionSpec = {
    name: options.name,
    runtime,
    factorySource: wrapped.source,
    bodySource: wrapped.body,
    kvsIds: associations.map(kvsIdOf),
    limits,
  };
  const module = await loadQuickJS();
  let first: Instance;
  try {
    first = new Instance(module, spec);
  } catch (e) {
    if (e instanceof CompileFailure) return invalid(`The function code is not valid: ${e.message}`);
    throw e;
  }
  return {
    ok: true,
    fn: new CloudFrontFunction(module, spec, first, {
      comment: options.comment ?? '',
      kvsAssociations: associations,
      codeBytes: bytes.byteLength,
    }),
  };
}
