/**
 * QuickJS sandbox instances and the invocation protocol.
 *
 * One compiled function owns a small pool of instances; each instance is a QuickJS runtime (own
 * heap cap, stack cap, interrupt handler) with one context prepared by the bootstrap
 * (bootstrap.ts) and holding the function's factory. An invocation:
 *
 * 1. host → sandbox: one string, fields separated by \x01: now, eventType, distributionDomainName,
 *    distributionId, requestId, viewer ip, method, uri, "r" when there is a response, statusCode,
 *    statusDescription, rawQueryString, edgeLocation JSON. A field that is absent is \x03; one
 *    that is not a plain string (or contains \x01) is \x02 + JSON.
 * 2. The sandbox builds the event with the query string, headers and cookies as lazy properties:
 *    they are fetched from the host (JSON) only when the function reads them.
 * 3. sandbox → host: "Q" + method, uri, querystring, headers, cookies when the function returned
 *    the event's own request; "S" + statusCode, statusDescription, headers, cookies, body for the
 *    event's own response. A part the function never touched is "" (the host reuses its input), a
 *    deleted one \x03, anything else JSON. "J" + JSON for any other returned object, "U" for a
 *    non-object, "E" + message for an exception, "V" + message when the result cannot be
 *    serialised, "P" while the handler's promise is pending.
 *
 * So a function that rewrites the URI never serialises headers in either direction.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  WeakLifetime,
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSContext,
  type QuickJSDeferredPromise,
  type QuickJSHandle,
  type QuickJSRuntime,
  type QuickJSWASMModule,
} from 'quickjs-emscripten-core';
import releaseSyncImport from '@jitl/quickjs-wasmfile-release-sync';
import { BOOTSTRAP_SOURCE } from './bootstrap.js';
import { DEFAULT_LIMITS } from './limits.js';
import { wrapFunctionCode } from './transform.js';
import { contextPointer, interruptCounter, type InterruptCounter } from './interrupt.js';
import type { CloudFrontFunctionEvent, FunctionError, FunctionLimits, FunctionOutput, FunctionRuntime, OriginModification, RunOptions, RunResult } from './types.js';
import { ValidationFailure, validateRequest, validateResponse, type Changed } from './validate.js';
import { DEP_PART, SANDBOX_DEPS, type ResultCache } from './result-cache.js';
import { ABSENT, SEP, decodeField, decodePart, encodeField, isPlain, kvsAnswer, kvsFailure, partText, type KvsRead } from './wire.js';

type Variant = Parameters<typeof newQuickJSWASMModuleFromVariant>[0];
// The package's types describe its CommonJS entry (`exports.default`); Node's ESM entry exports
// the variant as default. Accept both shapes.
const releaseSyncVariant = ((releaseSyncImport as unknown as { default?: Variant }).default ?? releaseSyncImport) as unknown as Variant;

let modulePromise: Promise<QuickJSWASMModule> | undefined;

/** Ceiling of the WebAssembly memory shared by every sandbox in the process. */
export const WASM_MEMORY_MAX_BYTES = 256 * 1024 * 1024;

/**
 * The QuickJS WebAssembly module, loaded once per process and warmed up: V8 compiles WebAssembly
 * functions on first use, and a cold first invocation can take several milliseconds, enough to
 * be stopped by the budget. The warm-up runs every runtime feature a few times (WARM_UP_ROUNDS).
 */
export function loadQuickJS(): Promise<QuickJSWASMModule> {
  // All sandboxes of the process share this WebAssembly memory; its maximum is the hard ceiling
  // on what functions can make the process allocate (QuickJS's own limit is approximate here).
  const wasm = (globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number; maximum: number }) => unknown } }).WebAssembly;
  const memory = new wasm.Memory({ initial: 256, maximum: WASM_MEMORY_MAX_BYTES / 65536 });
  type CustomOptions = Parameters<typeof newVariant>[1];
  const variant = newVariant(releaseSyncVariant as Parameters<typeof newVariant>[0], { wasmMemory: memory } as CustomOptions);
  modulePromise ??= newQuickJSWASMModuleFromVariant(variant as unknown as Variant).then((module) => {
    warmUp(module);
    return module;
  });
  return modulePromise;
}

const WARM_UP_CODE = `import cf from 'cloudfront';
import crypto from 'crypto';
import qs from 'querystring';
async function handler(event) {
  const r = event.request;
  const h = event.response ? event.response.headers : r.headers;
  let v = '';
  try { v = await cf.kvs().get('k', { format: 'string' }); } catch (e) { v = String(e); }
  await cf.kvs().exists('k');
  h['x-a'] = { value: crypto.createHash('sha256').update(r.uri).digest('hex') + v };
  h['x-b'] = { value: crypto.createHmac('sha1', Buffer.from('k')).update('x').digest('base64url') };
  h['x-c'] = { value: Buffer.from(JSON.stringify(r.cookies)).toString('base64') + qs.stringify(qs.parse('a=1&b=2&a=3')) };
  for (const k of Object.keys(r.querystring)) h['x-q-' + k.toLowerCase()] = { value: r.querystring[k].value.replace(/[^a-z]/g, '') };
  console.log(Date.now(), [1, 2, 3].map((x) => x * 2).join(), new Date().toISOString());
  if (r.uri.endsWith('/')) r.uri += 'index.html'; else if (!r.uri.includes('.')) r.uri += '/index.html';
  if (event.response) return event.response;
  if (r.uri.startsWith('/gen')) return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: 'https://x/' } }, body: { data: 'aGk=', encoding: 'base64' } };
  try { null.x; } catch (e) { h['x-e'] = { value: e.name }; }
  return r;
}`;

/**
 * Rounds of the warm-up (4 invocations each). Measured with clean-urls.js after the warm-up: the
 * first invocation takes ~0.5 ms after 10 rounds as after 300, and the steady state is the same
 * (V8 tiers hot functions up as they run), while 300 rounds cost ~1 s of CPU per process (~0.3 s
 * for 10), paid by every edge worker at start. Without any warm-up the first takes ~1.7 ms.
 */
const WARM_UP_ROUNDS = 10;

function warmUp(module: QuickJSWASMModule): void {
  const wrapped = wrapFunctionCode(WARM_UP_CODE, true);
  if ('error' in wrapped) return;
  const inst = new Instance(module, {
    name: 'warm-up',
    runtime: 'cloudfront-js-2.0',
    factorySource: wrapped.source,
    bodySource: wrapped.body,
    kvsIds: ['warm-up'],
    limits: { ...DEFAULT_LIMITS, budgetMs: 60_000 },
  });
  try {
    const request = {
      method: 'GET',
      querystring: { a: { value: 'one1' }, b: { value: 'two', multiValue: [{ value: 'two' }, { value: 'deux' }] } },
      headers: { host: { value: 'example.com' }, accept: { value: 'text/html' } },
      cookies: { s: { value: 'c' } },
    };
    for (let i = 0; i < WARM_UP_ROUNDS; i++) {
      for (const uri of ['/a/', '/b', '/gen']) {
        inst.runSync({ version: '1.0', context: { eventType: 'viewer-request' }, viewer: { ip: '192.0.2.1' }, request: { ...request, uri } }, { kvs: () => (i % 2 ? 'v' : undefined) });
      }
      inst.runSync(
        {
          version: '1.0',
          context: { eventType: 'viewer-response' },
          viewer: { ip: '192.0.2.1' },
          request: { ...request, uri: '/c' },
          response: { statusCode: 200, headers: { 'content-type': { value: 'text/html' } }, cookies: { s: { value: 'c', attributes: 'Path=/' } } },
        },
        { kvs: () => 'v' },
      );
    }
  } finally {
    inst.dispose();
  }
}

export interface FunctionSpec {
  name: string;
  runtime: FunctionRuntime;
  factorySource: string;
  /** The code alone (imports rewritten): parsed as a strict script before the factory is built. */
  bodySource: string;
  kvsIds: string[];
  limits: FunctionLimits;
}

/** The first interrupt check of a slice comes after this many QuickJS ticks (a trivial invocation, runner included, takes ~75 and so pays one check; the most expensive single builtin call possible in the heap cap takes ~1 ms, which bounds the overshoot). */
const FIRST_CHECK_TICKS = 32;
/**
 * Later checks come after a tenth of the budget at the pace of the previous ticks, but never more
 * than this many ticks apart: cheap ticks can be followed by expensive ones ('x'.repeat(1e6) is
 * ~1 ms), and this caps the overrun at about that many expensive calls.
 */
const MAX_CHECK_TICKS = 32;
/** A slice that has run this many budgets by the clock is stopped whatever the CPU time says. */
const HARD_STOP_FACTOR = 20;

let schedstat: boolean | undefined;
/** CPU time of the calling thread in ms (Linux: /proc/thread-self/schedstat, ns); elsewhere the process's. */
function threadCpuMs(): number {
  if (schedstat !== false) {
    try {
      const s = readFileSync('/proc/thread-self/schedstat', 'latin1');
      schedstat = true;
      return Number(s.slice(0, s.indexOf(' '))) / 1e6;
    } catch {
      schedstat = false;
    }
  }
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
type Limit = NonNullable<FunctionError['limit']>;

interface Invocation {
  event: CloudFrontFunctionEvent;
  opts: RunOptions;
  sync: boolean;
  budgetMs: number;
  elapsed: number;
  sliceStart: number;
  cpuMark: number | undefined;
  /** Time spent in host functions (during slices), excluded from the budget. */
  hostMs: number;
  hostAtMark: number;
  hostAtSliceStart: number;
  /** Sandbox time of finished slices (host functions excluded). */
  vmElapsed: number;
  lastCheck: number;
  lastTicks: number;
  lastMemoryCheck: number;
  /** Why the compute budget stopped the invocation (for the error message). */
  stopNote: string;
  logs: string[];
  logBytes: number;
  /** What the invocation read (result-cache.ts DEP_* bits). */
  deps: number;
  /** Its KeyValueStore reads when its result may be kept (opts.reuseResults); undefined after an asynchronous one. */
  reads: KvsRead[] | undefined;
  /** The lazy parts it fetched, as sent (index: part number). */
  parts: (string | undefined)[];
  logLimit: number;
  origin: OriginModification[];
  pending: Set<Promise<void>>;
  hostError: string | undefined;
  limit: Limit | undefined;
  finished: boolean;
}

function limitFromMessage(message: string): Limit | undefined {
  if (message.startsWith('InternalError: out of memory')) return 'memory';
  if (message.startsWith('InternalError: stack overflow')) return 'stack';
  if (message.startsWith('InternalError: interrupted')) return 'compute';
  return undefined;
}

export class CompileFailure extends Error {}

interface RawFfi {
  m: {
    HEAPU8: Uint8Array;
    _malloc(n: number): number;
    _free(p: number): void;
    lengthBytesUTF8(s: string): number;
    stringToUTF8(s: string, p: number, n: number): void;
    UTF8ToString(p: number): string;
  };
  ffi: {
    QTS_NewString(ctx: number, p: number): number;
    QTS_Call(ctx: number, fn: number, thisVal: number, argc: number, argv: number): number;
    QTS_ResolveException(ctx: number, v: number): number;
    QTS_FreeValuePointer(ctx: number, v: number): void;
    QTS_GetString(ctx: number, v: number): number;
    QTS_FreeCString(ctx: number, p: number): void;
    QTS_ExecutePendingJob?(rt: number, max: number, ctxOut: number): number;
    QTS_FreeValuePointerRuntime?(rt: number, v: number): void;
  };
  ctxPtr: number;
  rtPtr: number;
  undefinedPtr: number;
  /** Two 32-bit slots allocated once per instance: the argument array, and the context out-pointer of ExecutePendingJob. */
  argv: number;
  handle(ptr: number): QuickJSHandle;
}

/** Direct FFI access for the hot path; undefined (use the library's API) if the internals differ. */
function rawFfi(ctx: QuickJSContext): RawFfi | undefined {
  const c = ctx as unknown as { module?: RawFfi['m']; ffi?: RawFfi['ffi']; ctx?: { value: number }; rt?: { value: number }; memory?: { heapValueHandle?: (p: number) => QuickJSHandle } };
  const m = c.module;
  const ffi = c.ffi;
  const memory = c.memory;
  if (m === undefined || ffi === undefined || c.ctx === undefined || memory?.heapValueHandle === undefined) return undefined;
  for (const f of ['_malloc', '_free', 'lengthBytesUTF8', 'stringToUTF8', 'UTF8ToString'] as const) if (typeof m[f] !== 'function') return undefined;
  for (const f of ['QTS_NewString', 'QTS_Call', 'QTS_ResolveException', 'QTS_FreeValuePointer', 'QTS_GetString', 'QTS_FreeCString'] as const) if (typeof ffi[f] !== 'function') return undefined;
  return {
    m,
    ffi,
    ctxPtr: c.ctx.value,
    rtPtr: typeof ffi.QTS_FreeValuePointerRuntime === 'function' && c.rt !== undefined ? c.rt.value : 0,
    undefinedPtr: ctx.undefined.value as unknown as number,
    argv: m._malloc(8),
    handle: (p) => memory.heapValueHandle!(p),
  };
}

interface ContextInternals {
  cToHostCallbacks?: { callFunction?: unknown };
  getFunction?: (id: number) => (...args: QuickJSHandle[]) => QuickJSHandle | undefined;
  ffi: { QTS_ArgvGetJSValueConstPointer: (argv: number, i: number) => number; QTS_DupValuePointer: (ctx: number, v: number) => number; QTS_Throw: (ctx: number, v: number) => number };
  memory: { copyJSValue: unknown; freeJSValue: unknown };
  runtime: QuickJSRuntime;
  ctx: { value: number };
  errorToHandle: (e: unknown) => { consume: (f: (h: QuickJSHandle) => number) => number };
}

/**
 * quickjs-emscripten routes every call of a host function through a generator-based trampoline
 * (built for its asyncify variants) that costs ~5 µs per call; ours are synchronous, so a direct
 * trampoline does the same work in ~0.6 µs. Same contract: arguments are borrowed handles, the
 * returned handle is duplicated into the VM and then released, a thrown error becomes a VM
 * exception. Uses quickjs-emscripten internals (the version is pinned); if they are not there,
 * the library's trampoline stays.
 */
function installLeanHostCalls(ctx: QuickJSContext): void {
  const c = ctx as unknown as ContextInternals;
  if (c.cToHostCallbacks === undefined || typeof c.getFunction !== 'function' || typeof c.errorToHandle !== 'function') return;
  type Lifetime = ConstructorParameters<typeof WeakLifetime>;
  c.cToHostCallbacks.callFunction = (_ctx: number, _this: number, argc: number, argv: number, fnId: number): number => {
    const fn = c.getFunction!(fnId);
    const args = new Array<QuickJSHandle>(argc);
    for (let i = 0; i < argc; i++) {
      args[i] = new WeakLifetime(
        c.ffi.QTS_ArgvGetJSValueConstPointer(argv, i) as Lifetime[0],
        c.memory.copyJSValue as Lifetime[1],
        c.memory.freeJSValue as Lifetime[2],
        c.runtime as Lifetime[3],
      ) as unknown as QuickJSHandle;
    }
    try {
      const result = fn(...args);
      if (result === undefined) return 0;
      const ptr = c.ffi.QTS_DupValuePointer(c.ctx.value, result.value as unknown as number);
      result.dispose();
      return ptr;
    } catch (error) {
      return c.errorToHandle(error).consume((h) => c.ffi.QTS_Throw(c.ctx.value, h.value as unknown as number));
    }
  };
}

/** One QuickJS runtime + context ready to run the function. */
export class Instance {
  readonly rt: QuickJSRuntime;
  readonly ctx: QuickJSContext;
  private readonly startFn: QuickJSHandle;
  private readonly finishFn: QuickJSHandle;
  private inv: Invocation | null = null;
  /** Unsettled promises handed to the sandbox for async lookups (freed before the runtime). */
  private readonly deferreds = new Set<QuickJSDeferredPromise>();
  /** Must not be reused (a limit was hit, or jobs of a finished invocation are left). */
  dead = false;
  /** Heap in use right after setup. */
  readonly baselineBytes: number;
  private readonly counter: InterruptCounter | undefined;
  private readonly ctxPtr: number;
  private readonly raw: RawFfi | undefined;

  /** Where successful invocations run with `reuseResults` keep their result (the function's ResultCache). */
  private results: ResultCache | undefined;

  constructor(
    module: QuickJSWASMModule,
    private readonly spec: FunctionSpec,
  ) {
    const rt = module.newRuntime();
    this.rt = rt;
    rt.setMemoryLimit(spec.limits.memoryBytes);
    rt.setMaxStackSize(spec.limits.stackBytes);
    rt.setInterruptHandler(() => this.shouldInterrupt());
    const ctx = rt.newContext();
    this.ctx = ctx;
    installLeanHostCalls(ctx);
    this.counter = interruptCounter(module);
    this.ctxPtr = contextPointer(ctx);
    this.raw = rawFfi(ctx);
    try {
      const host = this.hostObject();
      const boot = ctx.evalCode(BOOTSTRAP_SOURCE, 'cloudfront-runtime.js');
      if (boot.error) {
        const e = ctx.dump(boot.error) as unknown;
        boot.error.dispose();
        host.dispose();
        throw new Error(`bootstrap failed: ${JSON.stringify(e)}`);
      }
      const config = ctx.newString(JSON.stringify({ v2: spec.runtime === 'cloudfront-js-2.0', kvsIds: spec.kvsIds, file: `${spec.name}.js`, deps: SANDBOX_DEPS }));
      const api = ctx.callFunction(boot.value, ctx.undefined, host, config);
      boot.value.dispose();
      config.dispose();
      host.dispose();
      if (api.error) {
        const e = ctx.dump(api.error) as unknown;
        api.error.dispose();
        throw new Error(`bootstrap failed: ${JSON.stringify(e)}`);
      }
      this.startFn = ctx.getProp(api.value, 'start');
      this.finishFn = ctx.getProp(api.value, 'finish');
      const setFactory = ctx.getProp(api.value, 'setFactory');
      api.value.dispose();
      // A script is self-contained: if the code parses on its own, wrapping it cannot let it
      // close the factory function and run outside it.
      const check = ctx.evalCode(spec.bodySource, `${spec.name}.js`, { type: 'global', strict: true, compileOnly: true });
      if (check.error) {
        const e = ctx.dump(check.error) as { name?: string; message?: string };
        check.error.dispose();
        setFactory.dispose();
        throw new CompileFailure(`${e?.name ?? 'SyntaxError'}: ${e?.message ?? String(e)}`);
      }
      check.value.dispose();
      const factory = ctx.evalCode(spec.factorySource, `${spec.name}.js`);
      if (factory.error) {
        const e = ctx.dump(factory.error) as { name?: string; message?: string };
        factory.error.dispose();
        setFactory.dispose();
        throw new CompileFailure(`${e?.name ?? 'SyntaxError'}: ${e?.message ?? String(e)}`);
      }
      const set = ctx.callFunction(setFactory, ctx.undefined, factory.value);
      factory.value.dispose();
      setFactory.dispose();
      if (set.error) {
        set.error.dispose();
        throw new Error('setFactory failed');
      }
      set.value.dispose();
      this.baselineBytes = this.memoryUsed();
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  dispose(): void {
    this.dead = true;
    try {
      if (this.raw !== undefined && this.raw.argv !== 0) {
        this.raw.m._free(this.raw.argv);
        this.raw.argv = 0;
      }
      for (const d of this.deferreds) if (d.alive) d.dispose();
      this.deferreds.clear();
      if (this.ctx?.alive) {
        this.startFn?.alive && this.startFn.dispose();
        this.finishFn?.alive && this.finishFn.dispose();
        this.ctx.dispose();
      }
      if (this.rt?.alive) this.rt.dispose();
    } catch {
      // a runtime that cannot be freed cleanly (left-over objects after a hard stop) is dropped
    }
  }

  // ---- host functions ------------------------------------------------------------------------

  private hostObject(): QuickJSHandle {
    const ctx = this.ctx;
    const obj = ctx.newObject();
    const def = (name: string, fn: (...args: QuickJSHandle[]) => QuickJSHandle | undefined): void => {
      // time in host functions is not the function's compute (and is where host GC pauses land)
      const timed = (...args: QuickJSHandle[]): QuickJSHandle | undefined => {
        const t = performance.now();
        try {
          return fn(...args);
        } finally {
          if (this.inv !== null) this.inv.hostMs += performance.now() - t;
        }
      };
      const h = ctx.newFunction(name, timed);
      ctx.setProp(obj, name, h);
      h.dispose();
    };
    const str = (h: QuickJSHandle | undefined): string => (h === undefined ? '' : ctx.getString(h));
    const bytes = (h: QuickJSHandle): Buffer => {
      if (ctx.typeof(h) === 'string') return Buffer.from(ctx.getString(h), 'utf8');
      const lt = ctx.getArrayBuffer(h);
      const b = Buffer.from(lt.value);
      lt.dispose();
      return b;
    };
    def('fetch', (bit) => {
      const inv = this.current();
      const n = bit === undefined ? -1 : ctx.getNumber(bit);
      inv.deps |= DEP_PART << n;
      const text = partText(inv.event, n);
      if (inv.reads !== undefined && n >= 0 && n < 5) inv.parts[n] = text; // only for a result that may be kept
      return ctx.newString(text);
    });
    def('dep', (bit) => {
      if (this.inv !== null && bit !== undefined) this.inv.deps |= ctx.getNumber(bit);
      return undefined;
    });
    def('log', (line) => {
      const inv = this.current();
      const s = str(line);
      if (inv.logBytes >= inv.logLimit) return undefined;
      // each line also counts its line break, so empty lines are limited too
      const room = inv.logLimit - inv.logBytes - 1;
      const len = Buffer.byteLength(s);
      const kept = len <= room ? s : Buffer.from(s).subarray(0, room).toString('utf8');
      inv.logs.push(kept);
      inv.logBytes += Math.min(len, room) + 1;
      return undefined;
    });
    def('encode', (s, enc) => {
      const b = Buffer.from(str(s), str(enc) as BufferEncoding);
      return ctx.newArrayBuffer(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    });
    def('decode', (ab, enc) => ctx.newString(bytes(ab).toString(str(enc) as BufferEncoding)));
    def('digest', (alg, key, enc, ...parts) => {
      const algorithm = str(alg);
      const h = ctx.typeof(key) === 'undefined' ? createHash(algorithm) : createHmac(algorithm, bytes(key));
      for (const p of parts) h.update(bytes(p));
      const d = h.digest();
      const e = str(enc);
      if (e === '') return ctx.newArrayBuffer(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
      return ctx.newString(d.toString(e as BufferEncoding));
    });
    def('kvs', (op, id, key) => this.kvs(ctx.getNumber(op), str(id), str(key)));
    def('origin', (method, args) => {
      const inv = this.current();
      inv.origin.push({ method: str(method) as OriginModification['method'], args: JSON.parse(str(args)) as unknown[] });
      return undefined;
    });
    return obj;
  }

  private current(): Invocation {
    if (this.inv === null) throw new Error('no invocation is running');
    return this.inv;
  }

  private kvs(op: number, id: string, key: string): QuickJSHandle {
    const inv = this.current();
    const ctx = this.ctx;
    const answer = (s: string): QuickJSHandle => {
      inv.reads?.push({ op, id, key, answer: s });
      return ctx.newString(s);
    };
    let r: unknown;
    try {
      r = op === 2 ? inv.opts.kvsMeta?.(id) : inv.opts.kvs?.(id, key);
    } catch (e) {
      return answer(kvsFailure(e));
    }
    if (r === null || typeof r !== 'object' || typeof (r as Promise<unknown>).then !== 'function') {
      return answer(kvsAnswer(op, id, r));
    }
    inv.reads = undefined;
    if (inv.sync) {
      inv.hostError = 'runSync cannot wait for an asynchronous KeyValueStore lookup; use run()';
      (r as Promise<unknown>).then(undefined, () => undefined);
      return ctx.newString('X' + inv.hostError);
    }
    const deferred = ctx.newPromise();
    this.deferreds.add(deferred);
    const p = Promise.resolve(r as Promise<unknown>)
      .then((v) => kvsAnswer(op, id, v), kvsFailure)
      .then((s) => {
        try {
          if (!this.deferreds.delete(deferred)) return; // already freed with the instance
          if (inv.finished || !ctx.alive) {
            deferred.dispose();
            return;
          }
          const h = ctx.newString(s);
          deferred.resolve(h);
          h.dispose();
          deferred.dispose();
        } catch {
          // the instance went away while the lookup ran
        }
      })
      .finally(() => inv.pending.delete(p));
    inv.pending.add(p);
    return deferred.handle;
  }

  // ---- compute budget --------------------------------------------------------------------

  private shouldInterrupt(): boolean {
    const inv = this.inv;
    if (inv === null) return false;
    const now = performance.now();
    const inSlice = now - inv.sliceStart;
    // QuickJS's memory limit cannot count bytes in this build (no malloc_usable_size under
    // Emscripten: it caps single allocations and counts 8 bytes per block), so the heap is
    // measured here, at most once per millisecond of sandbox time (~75 µs each; only invocations
    // that run that long get here).
    if (now - inv.lastMemoryCheck >= 1) {
      const over = this.memoryUsed() > this.spec.limits.memoryBytes;
      inv.lastMemoryCheck = performance.now();
      // the measurement is the runtime's work, not the function's: keep it out of the budget
      inv.hostMs += inv.lastMemoryCheck - now;
      if (over) {
        inv.limit = 'memory';
        return true;
      }
    }
    const used = inv.vmElapsed + inSlice - (inv.hostMs - inv.hostAtSliceStart);
    if (inv.cpuMark === undefined && used >= inv.budgetMs / 2) {
      // Past half the budget, start measuring this thread's CPU time too.
      inv.cpuMark = threadCpuMs();
      inv.hostAtMark = inv.hostMs;
    }
    if (used >= inv.budgetMs && inv.cpuMark !== undefined) {
      // Over budget by the clock. Stop only if the sandbox has really been computing since the
      // mark (half a budget of this thread's CPU time, host functions excluded): a pause of the
      // host (garbage collection, JIT, the OS running something else) makes the clock run, not
      // the function, and a function hit by one is about to finish anyway.
      const cpu = threadCpuMs() - inv.cpuMark - (inv.hostMs - inv.hostAtMark);
      if (cpu >= inv.budgetMs / 2 || inSlice >= HARD_STOP_FACTOR * inv.budgetMs) {
        inv.limit = 'compute';
        inv.stopNote = `${used.toFixed(1)} ms in the sandbox, ${cpu.toFixed(1)} ms CPU since ${(inv.budgetMs / 2).toFixed(1)} ms`;
        return true;
      }
    }
    this.rearm(inv, now);
    return false;
  }

  /** Next check after about a tenth of the budget at the pace the last ticks ran (at most MAX_CHECK_TICKS). */
  private rearm(inv: Invocation, now: number): void {
    if (this.counter === undefined) return;
    // the pace of the function's ticks: from the end of the previous check to the start of this one
    const perTick = (now - inv.lastCheck) / inv.lastTicks;
    const ticks = perTick > 0 ? Math.max(1, Math.min(MAX_CHECK_TICKS, Math.floor(inv.budgetMs / 10 / perTick))) : MAX_CHECK_TICKS;
    this.counter.set(this.ctxPtr, ticks);
    inv.lastCheck = performance.now();
    inv.lastTicks = ticks;
  }

  private enter(inv: Invocation): void {
    this.inv = inv;
    inv.sliceStart = performance.now();
    inv.hostAtSliceStart = inv.hostMs;
    inv.lastMemoryCheck = inv.sliceStart;
    inv.cpuMark = undefined;
    if (this.counter !== undefined) {
      this.counter.set(this.ctxPtr, FIRST_CHECK_TICKS);
      inv.lastCheck = inv.sliceStart;
      inv.lastTicks = FIRST_CHECK_TICKS;
    }
  }

  private leave(inv: Invocation): void {
    const slice = performance.now() - inv.sliceStart;
    inv.elapsed += slice;
    inv.vmElapsed += slice - (inv.hostMs - inv.hostAtSliceStart);
    this.inv = null;
  }

  // ---- invocation -------------------------------------------------------------------------

  private input(ev: CloudFrontFunctionEvent, opts: RunOptions): string {
    const c = ev.context;
    const resp = ev.response;
    const edge = c.eventType === 'viewer-request' && opts.edgeLocation !== undefined ? JSON.stringify(opts.edgeLocation) : ABSENT;
    const domain = c.distributionDomainName ?? '';
    const distId = c.distributionId ?? '';
    const reqId = c.requestId ?? '';
    const ip = ev.viewer?.ip;
    const { method, uri } = ev.request;
    // fast path: these are plain strings (the sandbox then skips decoding them)
    const plain = isPlain(domain) && isPlain(distId) && isPlain(reqId) && isPlain(ip) && isPlain(method) && isPlain(uri);
    const raw = opts.rawQueryString;
    return (
      String(opts.now ?? Date.now()) +
      SEP +
      (plain ? c.eventType : c.eventType + '*') +
      SEP +
      (plain
        ? domain + SEP + distId + SEP + reqId + SEP + ip + SEP + method + SEP + uri
        : encodeField(domain) + SEP + encodeField(distId) + SEP + encodeField(reqId) + SEP + encodeField(ip) + SEP + encodeField(method) + SEP + encodeField(uri)) +
      SEP +
      (resp ? 'r' : '') +
      SEP +
      (resp ? String(resp.statusCode) : '') +
      SEP +
      encodeField(resp?.statusDescription) +
      SEP +
      (raw === undefined ? ABSENT : encodeField(raw)) +
      SEP +
      edge
    );
  }

  /** Calls a sandbox entry point; returns the protocol string (errors become "E..."). */
  private call(inv: Invocation, fn: QuickJSHandle, arg?: string): string {
    this.enter(inv);
    try {
      if (this.raw !== undefined) return this.rawCall(this.raw, fn, arg);
      const ctx = this.ctx;
      let r: ReturnType<typeof ctx.callFunction>;
      if (arg === undefined) {
        r = ctx.callFunction(fn, ctx.undefined);
      } else {
        const h = ctx.newString(arg);
        r = ctx.callFunction(fn, ctx.undefined, h);
        h.dispose();
      }
      if (r.error) return 'E' + this.errorText(r.error);
      const s = ctx.getString(r.value);
      r.value.dispose();
      return s;
    } finally {
      this.leave(inv);
    }
  }

  private errorText(h: QuickJSHandle): string {
    const e = this.ctx.dump(h) as { name?: string; message?: string };
    h.dispose();
    return `${e?.name ?? 'Error'}: ${e?.message ?? String(e)}`;
  }

  /**
   * The same call through the FFI directly: the string goes into WebAssembly memory and back
   * without the library's per-call handle objects and argument array allocation (~1 µs less).
   */
  private rawCall(raw: RawFfi, fn: QuickJSHandle, arg: string | undefined): string {
    const { m, ffi, ctxPtr } = raw;
    let argPtr = 0;
    if (arg !== undefined) {
      const n = m.lengthBytesUTF8(arg) + 1;
      const buf = m._malloc(n);
      m.stringToUTF8(arg, buf, n);
      argPtr = ffi.QTS_NewString(ctxPtr, buf);
      m._free(buf);
      new Int32Array(m.HEAPU8.buffer, raw.argv, 1)[0] = argPtr;
    }
    const res = ffi.QTS_Call(ctxPtr, fn.value as unknown as number, raw.undefinedPtr, arg === undefined ? 0 : 1, raw.argv);
    if (argPtr !== 0) ffi.QTS_FreeValuePointer(ctxPtr, argPtr);
    const err = ffi.QTS_ResolveException(ctxPtr, res);
    if (err !== 0) {
      ffi.QTS_FreeValuePointer(ctxPtr, res);
      return 'E' + this.errorText(raw.handle(err));
    }
    const sp = ffi.QTS_GetString(ctxPtr, res);
    const out = m.UTF8ToString(sp);
    ffi.QTS_FreeCString(ctxPtr, sp);
    ffi.QTS_FreeValuePointer(ctxPtr, res);
    return out;
  }

  private runJobs(inv: Invocation): string | undefined {
    this.enter(inv);
    try {
      const raw = this.raw;
      if (raw !== undefined && raw.ffi.QTS_ExecutePendingJob !== undefined && raw.rtPtr !== 0) {
        // all queued jobs in one FFI call; the library's wrapper allocates per call
        const heap = new Int32Array(raw.m.HEAPU8.buffer, raw.argv, 2);
        heap[1] = 0;
        const v = raw.ffi.QTS_ExecutePendingJob(raw.rtPtr, -1, raw.argv + 4);
        if (new Int32Array(raw.m.HEAPU8.buffer, raw.argv, 2)[1] === 0) {
          raw.ffi.QTS_FreeValuePointerRuntime!(raw.rtPtr, v);
          return undefined;
        }
        const h = raw.handle(v);
        if (this.ctx.typeof(h) === 'number') {
          h.dispose();
          return undefined;
        }
        return 'E' + this.errorText(h);
      }
      const r = this.rt.executePendingJobs();
      if (r.error) return 'E' + this.errorText(r.error);
      return undefined;
    } finally {
      this.leave(inv);
    }
  }

  private newInvocation(event: CloudFrontFunctionEvent, opts: RunOptions, sync: boolean): Invocation {
    return {
      event,
      opts,
      sync,
      budgetMs: opts.budgetMs ?? this.spec.limits.budgetMs,
      elapsed: 0,
      sliceStart: 0,
      cpuMark: undefined,
      hostMs: 0,
      hostAtMark: 0,
      hostAtSliceStart: 0,
      vmElapsed: 0,
      lastCheck: 0,
      lastTicks: 1,
      lastMemoryCheck: 0,
      stopNote: '',
      logs: [],
      logBytes: 0,
      deps: 0,
      // a run with its own budget (TestFunction) could fail where the kept one did not: never kept
      reads: opts.reuseResults === true && opts.budgetMs === undefined && this.results !== undefined ? [] : undefined,
      parts: [],
      logLimit: this.spec.limits.logBytes,
      origin: [],
      pending: new Set(),
      hostError: undefined,
      limit: undefined,
      finished: false,
    };
  }

  /** Steps the invocation until it finishes or waits for host promises ("P"). */
  private step(inv: Invocation, res: string): string {
    while (res === 'P') {
      const jobError = this.runJobs(inv);
      if (jobError !== undefined) return jobError;
      res = this.call(inv, this.finishFn);
      if (res === 'P' && inv.pending.size === 0) return 'EError: the handler returned a promise that never settled';
      if (res === 'P') return res;
    }
    return res;
  }

  runSync(event: CloudFrontFunctionEvent, opts: RunOptions): RunResult {
    const inv = this.newInvocation(event, opts, true);
    try {
      const res = this.step(inv, this.call(inv, this.startFn, this.input(event, opts)));
      return this.keep(inv, res, this.result(inv, res));
    } catch (e) {
      return this.hostFailure(inv, e);
    } finally {
      this.end(inv);
    }
  }

  async run(event: CloudFrontFunctionEvent, opts: RunOptions): Promise<RunResult> {
    const inv = this.newInvocation(event, opts, false);
    try {
      let res = this.step(inv, this.call(inv, this.startFn, this.input(event, opts)));
      while (res === 'P') {
        let timer: NodeJS.Timeout | undefined;
        const limit = this.spec.limits.lookupTimeoutMs;
        const timedOut = await Promise.race([
          Promise.race(inv.pending).then(() => false),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(true), limit);
          }),
        ]);
        clearTimeout(timer);
        if (timedOut) {
          res = `EError: a KeyValueStore lookup did not complete within ${limit} ms`;
          break;
        }
        res = this.step(inv, 'P');
      }
      return this.keep(inv, res, this.result(inv, res));
    } catch (e) {
      return this.hostFailure(inv, e);
    } finally {
      this.end(inv);
    }
  }

  useResultCache(results: ResultCache): void {
    this.results = results;
  }

  /** Hands a successful, recorded invocation to the result cache (which decides whether it can be repeated). */
  private keep(inv: Invocation, wire: string, r: RunResult): RunResult {
    if (r.ok && inv.reads !== undefined && r.originModifications.length === 0 && this.results !== undefined) {
      this.results.keep(inv.event, inv.opts, { deps: inv.deps, reads: inv.reads, wire, parts: inv.parts, logs: r.logs, computeUtilization: r.computeUtilization, elapsedMs: r.elapsedMs });
    }
    return r;
  }

  private end(inv: Invocation): void {
    inv.finished = true;
    // Anything still queued belongs to this invocation: never let it run in the next one. After
    // running out of memory the heap is recreated too. An interrupted invocation leaves a
    // consistent runtime (QuickJS unwinds it; start() resets the runner's state).
    if (inv.limit === 'memory' || inv.pending.size > 0 || (this.rt.alive && this.rt.hasPendingJob())) this.dead = true;
  }

  private hostFailure(inv: Invocation, e: unknown): RunResult {
    this.dead = true;
    // a RangeError from WebAssembly (host stack) or a QuickJS lifetime error: the instance is unusable
    return this.failure(inv, {
      kind: 'FunctionExecutionError',
      statusCode: 503,
      message: `The function could not run: ${e instanceof Error ? e.message : String(e)}`,
    });
  }

  private failure(inv: Invocation, error: FunctionError): RunResult {
    return { ok: false, error, logs: inv.logs, computeUtilization: this.utilization(inv), elapsedMs: inv.elapsed };
  }

  private utilization(inv: Invocation): number {
    if (inv.limit === 'compute') return 100;
    return Math.min(100, Math.round((inv.vmElapsed / inv.budgetMs) * 100));
  }

  private result(inv: Invocation, res: string): RunResult {
    const kind = res[0];
    const body = res.slice(1);
    if (kind === 'E') {
      const limit = inv.limit ?? limitFromMessage(body);
      if (limit === 'memory') {
        inv.limit = 'memory';
        return this.failure(inv, {
          kind: 'FunctionExecutionError',
          statusCode: 503,
          limit: 'memory',
          message: `The function exceeded its memory limit (out of memory; ${this.spec.limits.memoryBytes} bytes per sandbox): ${body}`,
        });
      }
      if (limit === 'compute' || inv.limit === 'compute') {
        return this.failure(inv, {
          kind: 'FunctionThrottledError',
          statusCode: 503,
          limit: 'compute',
          message: `The function exceeded its compute budget of ${inv.budgetMs} ms${inv.stopNote ? ` (${inv.stopNote})` : ''}`,
        });
      }
      const message = inv.hostError ?? body;
      return this.failure(inv, { kind: 'FunctionExecutionError', statusCode: 503, message, ...(limit ? { limit } : {}) });
    }
    if (inv.hostError !== undefined) {
      return this.failure(inv, { kind: 'FunctionExecutionError', statusCode: 503, message: inv.hostError });
    }
    try {
      const output = decodeWire(inv.event, res);
      return {
        ok: true,
        output,
        logs: inv.logs,
        computeUtilization: this.utilization(inv),
        elapsedMs: inv.elapsed,
        originModifications: inv.origin,
      };
    } catch (e) {
      if (!(e instanceof ValidationFailure)) throw e;
      return this.failure(inv, {
        kind: 'FunctionValidationError',
        statusCode: 502,
        message: `The function returned an invalid ${inv.event.context.eventType === 'viewer-response' || kind === 'S' ? 'response' : 'result'}: ${e.message}`,
      });
    }
  }

  /** Bytes of QuickJS heap in use ("memory used" of JS_DumpMemoryUsage: no VM allocation, safe in the interrupt handler). */
  memoryUsed(): number {
    const m = /memory used\s+\d+\s+(\d+)/.exec(this.rt.dumpMemoryUsage());
    return m === null ? 0 : Number(m[1]);
  }
}

/**
 * The function's result from the sandbox's wire string (see the top of this file), checked as
 * CloudFront validates it; parts the function left untouched are the event's own objects.
 * Throws ValidationFailure for an invalid result.
 */
export function decodeWire(ev: CloudFrontFunctionEvent, wire: string): FunctionOutput {
  const kind = wire[0];
  const body = wire.slice(1);
  const eventType = ev.context.eventType;
  if (kind === 'Q') {
    const f = body.split(SEP);
    if (f.length !== 5) throw new ValidationFailure('request.method or request.uri contains a character that is not allowed');
    const req = ev.request;
    const changed: Changed = { querystring: f[2] !== '', headers: f[3] !== '', cookies: f[4] !== '' };
    const v = {
      method: f[0]!.charCodeAt(0) === 2 ? decodeField(f[0]!) : f[0],
      uri: f[1]!.charCodeAt(0) === 2 ? decodeField(f[1]!) : f[1],
      querystring: decodePart(f[2]!, req.querystring),
      headers: decodePart(f[3]!, req.headers),
      cookies: decodePart(f[4]!, req.cookies),
    };
    return { request: validateRequest(v, req, changed) };
  }
  if (kind === 'S') {
    const f = body.split(SEP);
    const resp = ev.response;
    const changed: Changed = { querystring: false, headers: f[2] !== '', cookies: f[3] !== '' };
    const v: Record<string, unknown> = {
      statusCode: decodeField(f[0]!),
      statusDescription: decodeField(f[1]!),
      headers: decodePart(f[2]!, resp?.headers),
      cookies: decodePart(f[3]!, resp?.cookies),
    };
    const b = decodeField(f[4]!);
    if (b !== undefined) v.body = b;
    return { response: validateResponse(v, eventType, resp, changed) };
  }
  if (kind === 'J') {
    const v = JSON.parse(body) as Record<string, unknown>;
    if (eventType === 'viewer-response' || (v !== null && typeof v === 'object' && 'statusCode' in v)) {
      return { response: validateResponse(v, eventType, eventType === 'viewer-response' ? ev.response : undefined) };
    }
    return { request: validateRequest(v, ev.request) };
  }
  if (kind === 'V') throw new ValidationFailure(`the returned value cannot be serialised (${body})`);
  throw new ValidationFailure(`the handler returned ${body === 'undefined' ? 'nothing' : body}; it must return the request or a response object`);
}
