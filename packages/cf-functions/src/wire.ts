/**
 * The strings that cross between the host and a sandbox (the protocol is described at the top of
 * engine.ts): fields separated by \x01, a plain string as it is, anything else \x02 + JSON, absent
 * \x03; query strings, headers and cookies whose entries are all `{value}` as
 * "\x04name\x02value\x02…"; KeyValueStore answers as one tagged string.
 */
import type { CloudFrontFunctionEvent, FieldMap } from './types.js';

export const SEP = '\x01';
export const ABSENT = '\x03';
const FLAT = '\x04';
const FLAT_SEP = '\x02';

/** A string the sandbox can take as is: no separator, no leading \x02/\x03 marker. */
export function isPlain(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  const c = v.charCodeAt(0);
  return c !== 2 && c !== 3 && !v.includes(SEP);
}

/** One field as the sandbox receives it: plain strings as they are, anything else \x02 + JSON, absent \x03. */
export function encodeField(v: unknown): string {
  if (v === undefined) return ABSENT;
  if (isPlain(v)) return v;
  return `\x02${JSON.stringify(v)}`;
}

export function decodeField(s: string): unknown {
  if (s === ABSENT) return undefined;
  return s.charCodeAt(0) === 2 ? JSON.parse(s.slice(1)) : s;
}

/** A part of the sandbox's result: "" untouched (the input's own `original`), \x03 deleted, flat or JSON. */
export function decodePart(s: string, original: unknown): unknown {
  if (s === '') return original;
  if (s === ABSENT) return undefined;
  if (s.charCodeAt(0) === 4) return fromFlat(s);
  return JSON.parse(s);
}

/** "\x04name\x02value…" for a map whose entries are all plain {value}; undefined otherwise. */
function toFlat(map: FieldMap | undefined): string | undefined {
  if (map === undefined) return FLAT;
  let out = FLAT;
  let first = true;
  for (const k of Object.keys(map)) {
    const f = map[k]!;
    const v = f.value;
    if (f.multiValue !== undefined || typeof v !== 'string' || v.includes(FLAT_SEP) || k.includes(FLAT_SEP)) return undefined;
    out += (first ? '' : FLAT_SEP) + k + FLAT_SEP + v;
    first = false;
  }
  return out;
}

function fromFlat(s: string): FieldMap {
  const o: FieldMap = {};
  if (s.length === 1) return o;
  const a = s.slice(1).split(FLAT_SEP);
  for (let i = 0; i < a.length; i += 2) {
    Object.defineProperty(o, a[i]!, { value: { value: a[i + 1] ?? '' }, writable: true, enumerable: true, configurable: true });
  }
  return o;
}

/** Lazy part n of the event (0 query string, 1 headers, 2 cookies, 3 response headers, 4 response cookies) as the sandbox fetches it: flat when it can be, else JSON. */
export function partText(ev: CloudFrontFunctionEvent, n: number): string {
  const r = ev.request;
  const resp = ev.response;
  const part = n === 0 ? r.querystring : n === 1 ? r.headers : n === 2 ? r.cookies : n === 3 ? resp?.headers : n === 4 ? resp?.cookies : undefined;
  const flat = n === 4 ? undefined : toFlat(part as FieldMap | undefined);
  return flat ?? JSON.stringify(part ?? {});
}

/** A KeyValueStore read as the sandbox got it: op (0 get, 1 exists, 2 meta), store, key, answer. */
export interface KvsRead {
  op: number;
  id: string;
  key: string;
  answer: string;
}

/** The answer string of a KeyValueStore read (the sandbox's side: bootstrap.ts kvsHandle). */
export function kvsAnswer(op: number, id: string, v: unknown): string {
  if (op === 0) return v === undefined ? 'N' : `V${String(v)}`;
  if (op === 1) return v === undefined ? '0' : '1';
  return v === undefined ? `Xno metadata for KeyValueStore ${id}` : `M${JSON.stringify(v)}`;
}

/** The answer string of a KeyValueStore read that threw. */
export function kvsFailure(e: unknown): string {
  return `X${e instanceof Error ? e.message : String(e)}`;
}
