/**
 * Source of the trusted code that prepares each QuickJS sandbox before any function code runs.
 *
 * It is evaluated once per sandbox instance as `(function (H, CONFIG) {...})` and:
 * - freezes time per invocation (`Date`, `Date.now()` return the function's start time),
 * - tells the host (`H.dep`) when an invocation reads something that is not part of its result
 *   key (result-cache.ts): the clock, `Math.random`, `context.requestId`, `viewer.ip`,
 *   `request.rawQueryString()`,
 * - replaces `eval` and every function constructor (`Function`, async/generator variants) with
 *   throwers, and removes `WeakRef`, `FinalizationRegistry`, `SharedArrayBuffer`, `Atomics`,
 * - installs `console.log`, `require`, the `crypto`, `querystring`, `buffer` and `cloudfront`
 *   modules and `Buffer` (2.0),
 * - makes commonly overridden prototype properties (`constructor`, `toString`, `name`,
 *   `message`, ...) accessors so objects can still shadow them after the freeze,
 * - deep-freezes every intrinsic reachable from `globalThis` plus the hidden ones (generator,
 *   async and iterator prototypes, %TypedArray%, %ThrowTypeError%) and the global object itself,
 *   so no invocation can leave state (globals, prototype changes) behind for the next,
 * - returns `start(input)` / `finish()` that build the lazy event, call the handler and
 *   serialize what it returned (see engine.ts for the wire format).
 *
 * `H` holds the host functions; it only lives in this closure. No backticks or `${` below: this
 * is a String.raw template.
 */
export const BOOTSTRAP_SOURCE = String.raw`(function (H, CONFIG_JSON) {
"use strict";
const CONFIG = JSON.parse(CONFIG_JSON);
const V2 = CONFIG.v2;
const KVS_IDS = CONFIG.kvsIds;
const FILE = CONFIG.file;
const G = globalThis;
const O = Object;
const defProp = O.defineProperty;
const defProps = O.defineProperties;
const getProto = O.getPrototypeOf;
const gOPD = O.getOwnPropertyDescriptor;
const freeze = O.freeze;
const ownKeys = Reflect.ownKeys;
const hasOwnProperty = O.prototype.hasOwnProperty;
const hasOwn = function (o, k) { return hasOwnProperty.call(o, k); };
const JSONparse = JSON.parse;
const JSONstringify = JSON.stringify;
const PromiseCtor = Promise;
const U8 = Uint8Array;
const SEP = "\x01";

let NOW = 0;

// ---- dependencies the host cannot see (result-cache.ts): one host call per kind and invocation
const DEP_REQUEST_ID = CONFIG.deps.requestId, DEP_VIEWER_IP = CONFIG.deps.viewerIp, DEP_RAW_QUERY = CONFIG.deps.rawQuery,
  DEP_CLOCK = CONFIG.deps.clock, DEP_RANDOM = CONFIG.deps.random;
let DEPS = 0;
function dep(bit) {
  if ((DEPS & bit) === 0) { DEPS |= bit; H.dep(bit); }
}

// ---- Date: the function's start time for the whole run ----------------------------------
const OrigDate = Date;
const DateShim = function Date() {
  const args = Array.prototype.slice.call(arguments);
  if (new.target === undefined) { dep(DEP_CLOCK); return new OrigDate(NOW).toString(); }
  if (args.length === 0) dep(DEP_CLOCK);
  return Reflect.construct(OrigDate, args.length === 0 ? [NOW] : args, new.target);
};
defProp(DateShim, "length", { value: 7 });
DateShim.prototype = OrigDate.prototype;
defProp(OrigDate.prototype, "constructor", { value: DateShim, writable: true, configurable: true });
DateShim.now = function now() { dep(DEP_CLOCK); return NOW; };
DateShim.parse = OrigDate.parse;
DateShim.UTC = OrigDate.UTC;
defProp(G, "Date", { value: DateShim, writable: true, configurable: true, enumerable: false });

const origRandom = Math.random;
defProp(Math, "random", { value: function random() { dep(DEP_RANDOM); return origRandom(); }, writable: true, configurable: true, enumerable: false });

// ---- no dynamic code evaluation ----------------------------------------------------------
function thrower(what) {
  return function () { throw new EvalError(what + " is not supported: CloudFront Functions do not allow dynamic code evaluation"); };
}
const FunctionShim = thrower("Function constructor");
FunctionShim.prototype = Function.prototype;
defProp(Function.prototype, "constructor", { value: FunctionShim, writable: true, configurable: true });
defProp(G, "Function", { value: FunctionShim, writable: true, configurable: true, enumerable: false });
defProp(G, "eval", { value: thrower("eval"), writable: true, configurable: true, enumerable: false });
const hiddenFunctionProtos = [
  getProto(async function () {}),
  getProto(function* () {}),
  getProto(async function* () {}),
];
for (const p of hiddenFunctionProtos) {
  const t = thrower("Function constructor");
  t.prototype = p;
  defProp(p, "constructor", { value: t, writable: true, configurable: true });
}
for (const name of ["WeakRef", "FinalizationRegistry", "SharedArrayBuffer", "Atomics"]) delete G[name];

// ---- console --------------------------------------------------------------------------------
function fmt(v) {
  try {
    if (typeof v === "string") return v;
    if (v === undefined) return "undefined";
    if (typeof v === "function") return "[Function" + (v.name ? ": " + v.name : "") + "]";
    if (v instanceof Error) return v.name + ": " + v.message;
    if (typeof v === "object" && v !== null) {
      const s = JSONstringify(v);
      if (s !== undefined) return s;
    }
    return String(v);
  } catch (e) {
    return "[unprintable]";
  }
}
const consoleObj = {
  log: function log() {
    let s = "";
    for (let i = 0; i < arguments.length; i++) s += (i > 0 ? " " : "") + fmt(arguments[i]);
    H.log(s);
  },
};
defProp(G, "console", { value: consoleObj, writable: true, configurable: true, enumerable: false });

// ---- Buffer (2.0) -------------------------------------------------------------------------
const ENCODINGS = O.assign(O.create(null), {
  utf8: "utf8", "utf-8": "utf8", hex: "hex", base64: "base64", base64url: "base64url",
  latin1: "latin1", binary: "latin1", ascii: "ascii", ucs2: "utf16le", "ucs-2": "utf16le",
  utf16le: "utf16le", "utf-16le": "utf16le",
});
function normEnc(e) {
  if (e === undefined || e === null) return "utf8";
  const k = ENCODINGS[String(e).toLowerCase()];
  if (k === undefined) throw new TypeError("Unknown encoding: " + e);
  return k;
}
function toAB(v) {
  if (v instanceof ArrayBuffer) return v;
  const u = v;
  if (u.byteOffset === 0 && u.byteLength === u.buffer.byteLength) return u.buffer;
  return u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength);
}
class Buffer extends U8 {
  static from(v, a, b) {
    if (typeof v === "string") return new Buffer(H.encode(v, normEnc(a)));
    if (v instanceof ArrayBuffer) {
      const off = a === undefined ? 0 : a;
      return new Buffer(v, off, b === undefined ? v.byteLength - off : b);
    }
    if (ArrayBuffer.isView(v)) {
      if (v instanceof DataView) return new Buffer(toAB(v));
      const r = new Buffer(v.length); r.set(v); return r;
    }
    if (v !== null && typeof v === "object") {
      const src = v.type === "Buffer" && Array.isArray(v.data) ? v.data : v;
      if (typeof src.length === "number") { const r = new Buffer(src.length); for (let i = 0; i < src.length; i++) r[i] = src[i]; return r; }
    }
    throw new TypeError("The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object.");
  }
  static alloc(size, fill, enc) { const r = new Buffer(size); if (fill !== undefined && fill !== 0) r.fill(fill, 0, size, enc); return r; }
  static allocUnsafe(size) { return new Buffer(size); }
  static allocUnsafeSlow(size) { return new Buffer(size); }
  static byteLength(v, enc) { return typeof v === "string" ? H.encode(v, normEnc(enc)).byteLength : v.byteLength; }
  static isBuffer(v) { return v instanceof Buffer; }
  static isEncoding(e) { return typeof e === "string" && ENCODINGS[e.toLowerCase()] !== undefined; }
  static concat(list, total) {
    let n = 0;
    for (const b of list) n += b.length;
    const len = total === undefined ? n : total;
    const r = new Buffer(len);
    let at = 0;
    for (const b of list) { if (at >= len) break; const take = Math.min(b.length, len - at); r.set(take === b.length ? b : b.subarray(0, take), at); at += take; }
    return r;
  }
  static compare(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  }
  toString(enc, start, end) {
    const s = start === undefined ? 0 : start;
    const e = end === undefined ? this.length : end;
    return H.decode(toAB(this.subarray(s, e)), normEnc(enc));
  }
  toJSON() { return { type: "Buffer", data: Array.from(this) }; }
  equals(o) { return Buffer.compare(this, o) === 0; }
  compare(o) { return Buffer.compare(this, o); }
  slice(s, e) { return this.subarray(s, e); }
  fill(v, s, e, enc) {
    if (typeof s === "string") { enc = s; s = 0; e = this.length; }
    if (typeof v !== "string") return super.fill(v, s, e);
    const bytes = Buffer.from(v, enc);
    const from = s === undefined ? 0 : s, to = e === undefined ? this.length : e;
    if (bytes.length === 0) return super.fill(0, from, to);
    for (let i = from, j = 0; i < to; i++, j = (j + 1) % bytes.length) this[i] = bytes[j];
    return this;
  }
  write(str, offset, length, enc) {
    if (typeof offset === "string") { enc = offset; offset = 0; length = undefined; }
    else if (typeof length === "string") { enc = length; length = undefined; }
    const off = offset === undefined ? 0 : offset;
    const bytes = Buffer.from(str, enc);
    const n = Math.min(bytes.length, this.length - off, length === undefined ? Infinity : length);
    this.set(bytes.subarray(0, n), off);
    return n;
  }
  indexOf(v, from, enc) {
    if (typeof v === "number") return super.indexOf(v & 255, from);
    const needle = typeof v === "string" ? Buffer.from(v, enc) : v;
    const start = from === undefined ? 0 : from < 0 ? Math.max(0, this.length + from) : from;
    outer: for (let i = start; i + needle.length <= this.length; i++) {
      for (let j = 0; j < needle.length; j++) if (this[i + j] !== needle[j]) continue outer;
      return i;
    }
    return -1;
  }
  includes(v, from, enc) { return this.indexOf(v, from, enc) !== -1; }
}
function dv(b) { return new DataView(b.buffer, b.byteOffset, b.byteLength); }
const READERS = {
  UInt8: ["getUint8", 1], Int8: ["getInt8", 1], UInt16BE: ["getUint16", 2, false], UInt16LE: ["getUint16", 2, true],
  Int16BE: ["getInt16", 2, false], Int16LE: ["getInt16", 2, true], UInt32BE: ["getUint32", 4, false],
  UInt32LE: ["getUint32", 4, true], Int32BE: ["getInt32", 4, false], Int32LE: ["getInt32", 4, true],
  FloatBE: ["getFloat32", 4, false], FloatLE: ["getFloat32", 4, true], DoubleBE: ["getFloat64", 8, false], DoubleLE: ["getFloat64", 8, true],
};
for (const name of O.keys(READERS)) {
  const spec = READERS[name];
  const getter = spec[0], size = spec[1], little = spec[2];
  const setter = "set" + getter.slice(3);
  defProp(Buffer.prototype, "read" + name, { writable: true, configurable: true, value: function (off) {
    const o = off === undefined ? 0 : off;
    if (o < 0 || o + size > this.length) throw new RangeError("The value of \"offset\" is out of range.");
    return dv(this)[getter](o, little);
  } });
  defProp(Buffer.prototype, "write" + name, { writable: true, configurable: true, value: function (value, off) {
    const o = off === undefined ? 0 : off;
    if (o < 0 || o + size > this.length) throw new RangeError("The value of \"offset\" is out of range.");
    dv(this)[setter](o, value, little);
    return o + size;
  } });
}

// ---- crypto ---------------------------------------------------------------------------------
const HASHES = O.assign(O.create(null), { md5: "md5", sha1: "sha1", sha256: "sha256" });
const DIGEST_ENCODINGS = O.assign(O.create(null), { hex: "hex", base64: "base64", base64url: "base64url", latin1: "latin1", binary: "latin1" });
function dataPart(d, enc) {
  if (typeof d === "string") return enc === undefined || normEnc(enc) === "utf8" ? d : H.encode(d, normEnc(enc));
  if (d instanceof ArrayBuffer) return d;
  if (ArrayBuffer.isView(d)) return toAB(d);
  throw new TypeError("The \"data\" argument must be of type string or an instance of Buffer, TypedArray, or DataView.");
}
class Digest {
  constructor(alg, key) {
    const a = HASHES[String(alg).toLowerCase()];
    if (a === undefined) throw new Error("Digest method not supported: " + alg);
    this._a = a; this._k = key === undefined ? undefined : dataPart(key); this._p = []; this._d = false;
  }
  update(d, enc) {
    if (this._d) throw new Error("Digest already called");
    this._p.push(dataPart(d, enc));
    return this;
  }
  digest(enc) {
    if (this._d) throw new Error("Digest already called");
    this._d = true;
    const args = [this._a, this._k, ""];
    for (const p of this._p) args.push(p);
    if (enc === undefined) {
      if (V2) { args[2] = ""; return new Buffer(H.digest.apply(undefined, args)); }
      args[2] = "latin1";
      return H.digest.apply(undefined, args);
    }
    const e = DIGEST_ENCODINGS[String(enc).toLowerCase()];
    if (e === undefined) throw new Error("Digest encoding not supported: " + enc);
    args[2] = e;
    return H.digest.apply(undefined, args);
  }
}
const cryptoModule = {
  createHash: function createHash(alg) { return new Digest(alg, undefined); },
  createHmac: function createHmac(alg, key) {
    if (key === undefined || key === null) throw new TypeError("The \"key\" argument must be of type string or an instance of Buffer, TypedArray, or DataView.");
    return new Digest(alg, key);
  },
};

// ---- querystring ---------------------------------------------------------------------------
function qsEscape(s) {
  return encodeURIComponent(typeof s === "string" ? s : String(s));
}
function qsUnescape(s) {
  try { return decodeURIComponent(s); } catch (e) { /* fall through: bytes with U+FFFD for invalid UTF-8 */ }
  const bytes = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 && i + 2 < s.length && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) { bytes.push(parseInt(s.slice(i + 1, i + 3), 16)); i += 2; continue; }
    if (c < 128) { bytes.push(c); continue; }
    const enc = new U8(H.encode(s[i] + (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length ? s[++i] : ""), "utf8"));
    for (const b of enc) bytes.push(b);
  }
  return H.decode(toAB(U8.from(bytes)), "utf8");
}
function qsParse(str, sep, eq, options) {
  const obj = O.create(null);
  if (typeof str !== "string" || str.length === 0) return obj;
  const s = sep === undefined || sep === null || sep === "" ? "&" : String(sep);
  const e = eq === undefined || eq === null || eq === "" ? "=" : String(eq);
  let maxKeys = 1000;
  let decode = qsUnescape;
  if (options !== null && typeof options === "object") {
    if (typeof options.maxKeys === "number") maxKeys = options.maxKeys;
    if (typeof options.decodeURIComponent === "function") decode = options.decodeURIComponent;
  }
  let pairs = str.split(s);
  if (maxKeys > 0 && pairs.length > maxKeys) pairs = pairs.slice(0, maxKeys);
  for (const pair of pairs) {
    if (pair.length === 0) continue;
    const at = pair.indexOf(e);
    const rawK = at >= 0 ? pair.slice(0, at) : pair;
    const rawV = at >= 0 ? pair.slice(at + e.length) : "";
    const k = decode(rawK.split("+").join(" "));
    const v = decode(rawV.split("+").join(" "));
    if (!hasOwn(obj, k)) obj[k] = v;
    else if (Array.isArray(obj[k])) obj[k].push(v);
    else obj[k] = [obj[k], v];
  }
  return obj;
}
function qsPrimitive(v) {
  if (typeof v === "string") return v;
  if (typeof v === "number" && isFinite(v)) return "" + v;
  if (typeof v === "bigint" || typeof v === "boolean") return "" + v;
  return "";
}
function qsStringify(obj, sep, eq, options) {
  const s = sep === undefined || sep === null ? "&" : String(sep);
  const e = eq === undefined || eq === null ? "=" : String(eq);
  const encode = options !== null && typeof options === "object" && typeof options.encodeURIComponent === "function" ? options.encodeURIComponent : qsEscape;
  if (obj === null || typeof obj !== "object") return "";
  const out = [];
  for (const k of O.keys(obj)) {
    const v = obj[k];
    const ks = encode(qsPrimitive(k)) + e;
    if (Array.isArray(v)) { for (const item of v) out.push(ks + encode(qsPrimitive(item))); }
    else out.push(ks + encode(qsPrimitive(v)));
  }
  return out.join(s);
}
const qsModule = {
  parse: qsParse, decode: qsParse, stringify: qsStringify, encode: qsStringify,
  escape: qsEscape, unescape: qsUnescape,
};

// ---- cloudfront: KeyValueStore and origin helpers ------------------------------------------
function resolveKvsId(id) {
  if (KVS_IDS.length === 0) throw new Error("There is no KeyValueStore associated with this function");
  if (id === undefined || id === null) return KVS_IDS[0];
  const s = String(id);
  if (KVS_IDS.indexOf(s) < 0) throw new Error("KeyValueStore " + s + " is not associated with this function");
  return s;
}
function kvsCall(op, id, key) {
  const r = H.kvs(op, id, key);
  return typeof r === "string" ? PromiseCtor.resolve(r) : r;
}
function kvsHandle(id) {
  return {
    get: function get(key, options) {
      const format = options === undefined || options === null || options.format === undefined ? "string" : options.format;
      if (format !== "string" && format !== "json" && format !== "bytes") return PromiseCtor.reject(new Error("Unsupported format: " + format));
      const k = String(key);
      return kvsCall(0, id, k).then(function (r) {
        if (r[0] === "X") throw new Error(r.slice(1));
        if (r[0] !== "V") throw new Error("Key " + JSONstringify(k) + " was not found in the KeyValueStore");
        const v = r.slice(1);
        if (format === "json") return JSONparse(v);
        if (format === "bytes") return V2 ? Buffer.from(v, "utf8") : v;
        return v;
      });
    },
    exists: function exists(key) {
      return kvsCall(1, id, String(key)).then(function (r) {
        if (r[0] === "X") throw new Error(r.slice(1));
        return r === "1";
      });
    },
    meta: function meta() {
      return kvsCall(2, id, "").then(function (r) {
        if (r[0] === "X") throw new Error(r.slice(1));
        return JSONparse(r.slice(1));
      });
    },
  };
}
function originCall(method, args) {
  if (curType !== "viewer-request") throw new Error(method + "() can only be used in viewer-request functions");
  for (const a of args) if (a !== undefined && (a === null || (typeof a !== "object" && typeof a !== "string"))) throw new TypeError(method + "(): invalid argument");
  H.origin(method, JSONstringify(args));
}
const cfModule = {
  kvs: function kvs(id) { return kvsHandle(resolveKvsId(id)); },
  updateRequestOrigin: function updateRequestOrigin(params) { originCall("updateRequestOrigin", [params]); },
  selectRequestOriginById: function selectRequestOriginById(id, options) { originCall("selectRequestOriginById", options === undefined ? [id] : [id, options]); },
  createRequestOriginGroup: function createRequestOriginGroup(params) { originCall("createRequestOriginGroup", [params]); },
};
defProp(cfModule, "edgeLocation", { enumerable: true, get() {
  return curEdge !== undefined ? curEdge : {};
} });

// ---- require / import -----------------------------------------------------------------------
const modules = O.create(null);
modules.crypto = cryptoModule;
modules.querystring = qsModule;
if (V2) { modules.buffer = { Buffer: Buffer }; modules.cloudfront = cfModule; }
const namespaces = O.create(null);
for (const name of O.keys(modules)) {
  const ns = O.create(null);
  defProp(ns, "default", { value: modules[name], enumerable: true });
  for (const k of ownKeys(modules[name])) defProp(ns, k, gOPD(modules[name], k));
  namespaces[name] = ns;
}
function requireModule(name) {
  if (typeof name !== "string" || !hasOwn(modules, name)) {
    const e = new Error("Cannot find module '" + String(name) + "'");
    e.name = "Error";
    throw e;
  }
  return modules[name];
}
function importModule(name, isDefault) {
  const m = requireModule(name);
  return isDefault === 1 ? m : namespaces[name];
}
defProp(G, "require", { value: function require(name) { return requireModule(name); }, writable: true, configurable: true, enumerable: false });
if (V2) defProp(G, "Buffer", { value: Buffer, writable: true, configurable: true, enumerable: false });

// ---- freeze ---------------------------------------------------------------------------------
// Data properties that ordinary code assigns on instances (Foo.prototype.constructor = Foo,
// this.name = ..., obj.toString = ...) become accessors, so a frozen prototype does not turn
// those assignments into TypeErrors (the "override mistake").
const OVERRIDABLE = ["constructor", "toString", "toLocaleString", "valueOf", "toJSON", "name", "message",
  "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable", "then"];
function makeOverridable(proto) {
  for (const k of OVERRIDABLE) {
    const d = gOPD(proto, k);
    if (d === undefined || !("value" in d) || !d.configurable) continue;
    const value = d.value;
    defProp(proto, k, {
      enumerable: d.enumerable,
      configurable: false,
      get() { return value; },
      set(v) {
        if (this === proto) throw new TypeError("Cannot assign to read only property '" + k + "' of object");
        if (hasOwn(this, k)) this[k] = v;
        else defProp(this, k, { value: v, writable: true, enumerable: true, configurable: true });
      },
    });
  }
}
const seen = new Set();
function deepFreeze(roots) {
  const stack = roots.slice();
  while (stack.length > 0) {
    const o = stack.pop();
    if (o === null || (typeof o !== "object" && typeof o !== "function") || seen.has(o)) continue;
    seen.add(o);
    if (o !== G && hasOwn(o, "constructor")) makeOverridable(o);
    freeze(o);
    stack.push(getProto(o));
    for (const k of ownKeys(o)) {
      const d = gOPD(o, k);
      if (d === undefined) continue;
      if ("value" in d) stack.push(d.value);
      else { stack.push(d.get); stack.push(d.set); }
    }
  }
}
function tryGet(f) { try { return f(); } catch (e) { return undefined; } }
deepFreeze([
  G, Buffer, cryptoModule, qsModule, cfModule, consoleObj, modules, namespaces, Digest, DateShim, FunctionShim,
  importModule, // the factory's __cf_import__: reachable by name from the function's code
  hiddenFunctionProtos[0], hiddenFunctionProtos[1], hiddenFunctionProtos[2],
  getProto(function* () {}).prototype, getProto(async function* () {}).prototype,
  getProto([][Symbol.iterator]()), getProto(new Map().entries()), getProto(new Set().values()),
  getProto(""[Symbol.iterator]()), tryGet(function () { return getProto(/a/[Symbol.matchAll]("a")); }),
  getProto((function* () {})()), getProto((async function* () {})()),
  getProto(Uint8Array), getProto(Uint8Array.prototype),
  gOPD(Function.prototype, "caller") ? gOPD(Function.prototype, "caller").get : undefined,
  tryGet(function () { return gOPD(arguments, "callee").get; }),
]);

// ---- invocation ---------------------------------------------------------------------------
// State of the current invocation (one at a time per sandbox instance).
let factory = null;
let curType = "";
let curReq = null;
let curResp = null;
let curRaw;
let curEdge;
let curDone = 0;
let curValue;
function dec(s) {
  if (s === "\x03") return undefined;
  return s.charCodeAt(0) === 2 ? JSONparse(s.slice(1)) : s;
}
function enc(v) {
  if (typeof v === "string") {
    const c = v.charCodeAt(0);
    if (c !== 2 && c !== 3 && v.indexOf(SEP) < 0) return v;
  }
  if (v === undefined) return "\x03";
  const j = JSONstringify(v);
  return j === undefined ? "\x03" : "\x02" + j;
}
// Lazy event parts: accessors shared by every invocation (defining them is one
// defineProperties call, no closures). The first read fetches the part from the host and turns the
// accessor into a plain data property. While serialising the result, a still-lazy part reads as
// LAZY, meaning "untouched: the host keeps its own copy".
const LAZY = {};
let serializing = false;
function lazyDesc(name, bit) {
  return {
    configurable: true,
    enumerable: true,
    get() {
      if (serializing) return LAZY;
      const v = parsePart(H.fetch(bit), bit);
      defProp(this, name, { value: v, writable: true, enumerable: true, configurable: true });
      return v;
    },
    set(v) {
      defProp(this, name, { value: v, writable: true, enumerable: true, configurable: true });
    },
  };
}
function rawQueryString() { dep(DEP_RAW_QUERY); return curRaw; }
const REQ_DESCS = {
  querystring: lazyDesc("querystring", 0),
  headers: lazyDesc("headers", 1),
  cookies: lazyDesc("cookies", 2),
  rawQueryString: { value: rawQueryString, writable: true, configurable: true, enumerable: false },
};
const RESP_DESCS = { headers: lazyDesc("headers", 3), cookies: lazyDesc("cookies", 4) };
// context.requestId and viewer.ip: plain values, but reading them is a dependency
function trackedDesc(name, bit, read) {
  return {
    configurable: true,
    enumerable: true,
    get() { dep(bit); return read(); },
    set(v) { defProp(this, name, { value: v, writable: true, enumerable: true, configurable: true }); },
  };
}
let curReqId;
let curIp;
const REQUEST_ID_DESC = trackedDesc("requestId", DEP_REQUEST_ID, function () { return curReqId; });
const VIEWER_DESCS = { ip: trackedDesc("ip", DEP_VIEWER_IP, function () { return curIp; }) };
deepFreeze([REQ_DESCS, RESP_DESCS, LAZY, REQUEST_ID_DESC, VIEWER_DESCS]);
function json(v) {
  if (v === LAZY) return "";
  const j = JSONstringify(v);
  return j === undefined ? "\x03" : j;
}
// Query strings, headers and request cookies whose entries are all {value: string} travel as
// "\x04name\x02value\x02name\x02value" (cheaper than JSON both ways in QuickJS). A part that
// still holds exactly what was fetched is sent back as "" (unchanged): no serialisation at all.
const fetchedArr = [null, null, null, null, null]; // per part: [name, value, name, value, ...] as fetched
const fetchedObjs = [null, null, null, null, null]; // per part: the field objects handed to the function
const keysOf = O.keys;
function parsePart(s, bit) {
  if (s.charCodeAt(0) !== 4) {
    fetchedArr[bit] = null;
    return JSONparse(s);
  }
  const o = {};
  const a = s.length > 1 ? s.slice(1).split("\x02") : [];
  const objs = [];
  for (let i = 0; i < a.length; i += 2) {
    const k = a[i];
    const f = { value: a[i + 1] };
    objs.push(f);
    if (k === "__proto__") defProp(o, k, { value: f, writable: true, enumerable: true, configurable: true });
    else o[k] = f;
  }
  fetchedArr[bit] = a;
  fetchedObjs[bit] = objs;
  return o;
}
// Whether a part still holds exactly the fields it was fetched with (the common "read only" case).
function unchanged(v, bit) {
  const a = fetchedArr[bit];
  if (a === null) return false;
  const objs = fetchedObjs[bit];
  const keys = keysOf(v);
  if (keys.length * 2 !== a.length) return false;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (k !== a[2 * i]) return false;
    const f = v[k];
    if (f !== objs[i] || f.value !== a[2 * i + 1] || f.multiValue !== undefined) return false;
  }
  return true;
}
function partOut(v, bit) {
  if (v === LAZY) return "";
  if (v === null || typeof v !== "object" || Array.isArray(v)) return json(v);
  if (unchanged(v, bit)) return "";
  let out = "\x04";
  const keys = keysOf(v);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const f = v[k];
    if (f === null || typeof f !== "object") return json(v);
    const val = f.value;
    if (typeof val !== "string" || f.multiValue !== undefined || val.indexOf("\x02") >= 0 || k.indexOf("\x02") >= 0) return json(v);
    out += (i === 0 ? "" : "\x02") + k + "\x02" + val;
  }
  return out;
}
function errorString(e) {
  try {
    if (e !== null && typeof e === "object" && "message" in e) {
      let s = String(e.name === undefined ? "Error" : e.name) + ": " + String(e.message);
      const stack = typeof e.stack === "string" ? e.stack.split("\n") : [];
      for (const line of stack) {
        if (line.indexOf(FILE) >= 0) { s += "\n" + line.trim(); break; }
      }
      return s;
    }
    return "Error: " + fmt(e);
  } catch (e2) {
    return "Error: unprintable exception";
  }
}
function output(r) {
  try {
    if (r === curReq && curType === "viewer-request") {
      serializing = true;
      const q = r.querystring, h = r.headers, c = r.cookies;
      serializing = false;
      // method and uri go as they are when they are strings: one with a control character is
      // invalid anyway, and the host rejects it (a separator inside shows as extra fields)
      const m = r.method, u = r.uri;
      return "Q" + (typeof m === "string" ? m : enc(m)) + SEP + (typeof u === "string" ? u : enc(u)) + SEP +
        partOut(q, 0) + SEP + partOut(h, 1) + SEP + partOut(c, 2);
    }
    if (curResp !== null && r === curResp) {
      serializing = true;
      const h = r.headers, c = r.cookies;
      serializing = false;
      return "S" + enc(r.statusCode) + SEP + enc(r.statusDescription) + SEP + partOut(h, 3) + SEP + json(c) + SEP + ("body" in r ? enc(r.body) : "\x03");
    }
    if (r === null || typeof r !== "object") return "U" + (r === null ? "null" : typeof r);
    const j = JSONstringify(r);
    return j === undefined ? "Uobject" : "J" + j;
  } catch (e) {
    serializing = false;
    return "V" + errorString(e);
  }
}
function onFulfilled(v) { curDone = 1; curValue = v; }
function onRejected(e) { curDone = 2; curValue = e; }
// A returned promise with its own then() receives these two: they must not carry anything over.
deepFreeze([onFulfilled, onRejected]);
// input: now, eventType (+ "*" when some field below is encoded), distributionDomainName,
// distributionId, requestId, viewer ip, method, uri, "r" when there is a response, statusCode,
// statusDescription, rawQueryString, edgeLocation JSON. Context fields are "" when absent; the
// others are \x03 when absent.
function start(input) {
  serializing = false; // an interrupted invocation may have left it set
  fetchedArr[0] = fetchedArr[1] = fetchedArr[2] = fetchedArr[3] = null;
  fetchedObjs[0] = fetchedObjs[1] = fetchedObjs[2] = fetchedObjs[3] = null;
  const f = input.split(SEP);
  NOW = +f[0];
  let type = f[1];
  let domain = f[2], distId = f[3], reqId = f[4], ip = f[5], method = f[6], uri = f[7];
  if (type.charCodeAt(type.length - 1) === 42) { // "*": some fields are encoded
    type = type.slice(0, -1);
    domain = dec(domain); distId = dec(distId); reqId = dec(reqId); ip = dec(ip); method = dec(method); uri = dec(uri);
  }
  curType = type;
  DEPS = 0;
  curDone = 0;
  curValue = undefined;
  curRaw = f[11] === "\x03" ? undefined : f[11].charCodeAt(0) === 2 ? dec(f[11]) : f[11];
  curEdge = f[12] === "\x03" ? undefined : JSONparse(f[12]);
  curReqId = reqId;
  curIp = ip;
  const context = contextOf(domain, distId, type, reqId);
  const viewer = {};
  defProps(viewer, VIEWER_DESCS);
  const req = { method: method, uri: uri };
  defProps(req, REQ_DESCS);
  curReq = req;
  const event = { version: "1.0", context: context, viewer: viewer, request: req };
  if (f[8] === "r") {
    const resp = { statusCode: +f[9] };
    const desc = dec(f[10]);
    if (desc !== undefined) resp.statusDescription = desc;
    defProps(resp, RESP_DESCS);
    event.response = resp;
    curResp = resp;
  } else {
    curResp = null;
  }
  let r;
  try {
    const handler = factory(importModule);
    if (handler === undefined) return "EReferenceError: handler is not defined";
    r = handler(event);
  } catch (e) {
    return "E" + errorString(e);
  }
  if (r !== null && (typeof r === "object" || typeof r === "function")) {
    let then;
    try { then = r.then; } catch (e) { return "E" + errorString(e); }
    if (typeof then === "function") {
      PromiseCtor.resolve(r).then(onFulfilled, onRejected);
      return "P";
    }
  }
  return output(r);
}
function contextOf(domain, distId, type, reqId) {
  const context = {};
  if (domain !== "" && domain !== undefined) context.distributionDomainName = domain;
  if (distId !== "" && distId !== undefined) context.distributionId = distId;
  context.eventType = type;
  if (reqId !== "" && reqId !== undefined) defProp(context, "requestId", REQUEST_ID_DESC);
  return context;
}
function finish() {
  if (curDone === 0) return "P";
  if (curDone === 2) return "E" + errorString(curValue);
  return output(curValue);
}
return {
  start: start,
  finish: finish,
  setFactory: function (f) { if (factory === null) factory = f; },
};
})`;
