/**
 * Results of earlier invocations, reused for identical ones (the edge's hot path: a cache hit
 * must not pay a sandbox call, ~10 µs, for a function that rewrites the same URI every time).
 *
 * Why a result can be reused: an invocation is a deterministic computation of what it reads.
 * Every invocation starts from the same frozen sandbox (bootstrap.ts: no state survives an
 * invocation), the clock is frozen and `Math.random` is the only randomness. So an invocation
 * that reads the same values as an earlier one takes the same path and returns the same result.
 *
 * What an invocation read:
 * - always: the event type, the distribution (id, domain), the method and URI, the response's
 *   status (viewer-response) and the edge location: the key's base;
 * - the lazy parts it fetched: query string, headers, cookies, response headers and cookies
 *   (each fetch is a host call, engine.ts sees it);
 * - what the sandbox reports through `H.dep`: `viewer.ip`, `request.rawQueryString()`;
 * - its KeyValueStore reads, checked again on reuse (same keys, same answers).
 *
 * Not kept: invocations that read the clock, call `Math.random` or read `context.requestId`
 * (unique to its request), call an origin helper, fail
 * (errors, limits), or wait for an asynchronous lookup. TestFunction never reuses: it reports a
 * real run.
 *
 * The output kept is the sandbox's wire string (engine.ts): its untouched parts mean "the input's
 * own", so a reuse hands back the new event's parts, as running again would.
 */
import type { CloudFrontFunctionEvent, RunOptions } from './types.js';
import { SEP, encodeField, kvsAnswer, kvsFailure, partText, type KvsRead } from './wire.js';

/** Dependency bits: the first five are reported by the sandbox (SANDBOX_DEPS), the parts by the host. */
export const DEP_REQUEST_ID = 1;
export const DEP_VIEWER_IP = 2;
export const DEP_RAW_QUERY = 4;
export const DEP_CLOCK = 8;
export const DEP_RANDOM = 16;
/** The bits the sandbox reports (bootstrap.ts takes them from its configuration). */
export const SANDBOX_DEPS = { requestId: DEP_REQUEST_ID, viewerIp: DEP_VIEWER_IP, rawQuery: DEP_RAW_QUERY, clock: DEP_CLOCK, random: DEP_RANDOM };
/** Lazy part n (0 query string, 1 headers, 2 cookies, 3 response headers, 4 response cookies) is bit DEP_PART << n. */
export const DEP_PART = 32;
/** Reading these makes a result unrepeatable (a request id is unique to its request). */
const UNREPEATABLE = DEP_CLOCK | DEP_RANDOM | DEP_REQUEST_ID;

/** Distinct dependency sets kept per function (a function reads different things on different paths). */
const MAX_SHAPES = 8;
/** Longer keys (a function that reads large headers) are not kept. */
const MAX_KEY_CHARS = 8 * 1024;
/** Per function: keys, wire strings and logs, counted as 2 bytes a character, plus a fixed overhead per entry, log line and read. */
export const RESULT_CACHE_BYTES = 4 * 1024 * 1024;
const ENTRY_OVERHEAD = 256;
const ITEM_OVERHEAD = 32;

/** What one finished invocation read and returned, for `ResultCache.keep`. */
export interface Trace {
  deps: number;
  /** undefined: some read could not be recorded (an asynchronous lookup). */
  reads: KvsRead[] | undefined;
  /** The sandbox's wire string (engine.ts protocol). */
  wire: string;
  /** The lazy parts as the sandbox fetched them (index: part number). */
  parts: (string | undefined)[];
  logs: string[];
  computeUtilization: number;
  elapsedMs: number;
}

export interface Reused {
  wire: string;
  logs: string[];
  computeUtilization: number;
  elapsedMs: number;
}

interface Entry extends Reused {
  reads: KvsRead[];
  bytes: number;
}

export class ResultCache {
  private readonly shapes: number[] = [];
  /** Insertion order is recency order (a hit moves its entry to the end). */
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly maxBytes = RESULT_CACHE_BYTES) {}

  /** A kept result for this invocation, if an identical one ran before. */
  find(ev: CloudFrontFunctionEvent, opts: RunOptions): Reused | undefined {
    const shapes = this.shapes;
    const parts: (string | undefined)[] = [];
    for (let i = 0; i < shapes.length; i++) {
      const key = keyOf(shapes[i]!, ev, opts, parts);
      if (key === undefined) continue;
      const e = this.entries.get(key);
      if (e === undefined) continue;
      if (e.reads.length > 0 && !readsStillHold(e.reads, opts)) {
        this.drop(key, e);
        continue;
      }
      this.entries.delete(key);
      this.entries.set(key, e);
      return e;
    }
    return undefined;
  }

  /** Keeps a successful invocation's result when it can be repeated. */
  keep(ev: CloudFrontFunctionEvent, opts: RunOptions, t: Trace): void {
    if ((t.deps & UNREPEATABLE) !== 0 || t.reads === undefined) return;
    const known = this.shapes.includes(t.deps);
    if (!known && this.shapes.length >= MAX_SHAPES) return;
    const key = keyOf(t.deps, ev, opts, t.parts);
    if (key === undefined) return;
    let bytes = ENTRY_OVERHEAD + 2 * (key.length + t.wire.length);
    for (const l of t.logs) bytes += ITEM_OVERHEAD + 2 * l.length;
    for (const r of t.reads) bytes += ITEM_OVERHEAD + 2 * (r.id.length + r.key.length + r.answer.length);
    if (bytes > this.maxBytes / 8) return;
    // a shape is registered only with an entry that is kept: requests that cannot be kept never take a slot
    if (!known) this.shapes.push(t.deps);
    const old = this.entries.get(key);
    if (old !== undefined) this.drop(key, old);
    while (this.bytes + bytes > this.maxBytes) {
      const oldest = this.entries.entries().next().value;
      if (oldest === undefined) break;
      this.drop(oldest[0], oldest[1]);
    }
    this.entries.set(key, { wire: t.wire, logs: t.logs.slice(), computeUtilization: t.computeUtilization, elapsedMs: t.elapsedMs, reads: t.reads, bytes });
    this.bytes += bytes;
  }

  /** Kept results (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
    this.shapes.length = 0;
    this.bytes = 0;
  }

  private drop(key: string, e: Entry): void {
    this.entries.delete(key);
    this.bytes -= e.bytes;
  }
}

/**
 * The values an invocation with dependency set `shape` read, as one string (fields are escaped,
 * so it is unambiguous); undefined when longer than MAX_KEY_CHARS. `parts` holds the lazy parts'
 * texts: those already there are used (as fetched, or computed for another shape), missing ones
 * are computed and added.
 */
function keyOf(shape: number, ev: CloudFrontFunctionEvent, opts: RunOptions, parts: (string | undefined)[]): string | undefined {
  const c = ev.context;
  const r = ev.request;
  const resp = ev.response;
  // whether context.requestId exists is visible without reading it ('requestId' in context)
  const hasRequestId = c.requestId !== undefined && c.requestId !== '' ? '1' : '0';
  let k = `${shape}${SEP}${c.eventType}${hasRequestId}${SEP}${encodeField(c.distributionDomainName)}${SEP}${encodeField(c.distributionId)}${SEP}${encodeField(r.method)}${SEP}${encodeField(r.uri)}`;
  if (resp !== undefined) k += `${SEP}r${resp.statusCode}${SEP}${encodeField(resp.statusDescription)}`;
  if (c.eventType === 'viewer-request' && opts.edgeLocation !== undefined) k += SEP + JSON.stringify(opts.edgeLocation);
  if (shape >= DEP_VIEWER_IP) {
    if ((shape & DEP_VIEWER_IP) !== 0) k += SEP + encodeField(ev.viewer?.ip);
    if ((shape & DEP_RAW_QUERY) !== 0) k += SEP + encodeField(opts.rawQueryString);
    for (let n = 0; n < 5 && k.length <= MAX_KEY_CHARS; n++) {
      if ((shape & (DEP_PART << n)) === 0) continue;
      parts[n] ??= partText(ev, n);
      k += SEP + encodeField(parts[n]);
    }
  }
  return k.length <= MAX_KEY_CHARS ? k : undefined;
}

/** Whether every recorded KeyValueStore read gives the same answer now (synchronously). */
function readsStillHold(reads: KvsRead[], opts: RunOptions): boolean {
  for (const r of reads) {
    let v: unknown;
    let answer: string;
    try {
      v = r.op === 2 ? opts.kvsMeta?.(r.id) : opts.kvs?.(r.id, r.key);
      if (v !== null && typeof v === 'object' && typeof (v as Promise<unknown>).then === 'function') {
        (v as Promise<unknown>).then(undefined, () => undefined);
        return false;
      }
      answer = kvsAnswer(r.op, r.id, v);
    } catch (e) {
      answer = kvsFailure(e);
    }
    if (answer !== r.answer) return false;
  }
  return true;
}
