/**
 * Start-up validation of the edge configuration. Every problem names its field path, e.g.
 * `distributions[0].origins[1].url: must be an http(s) URL`, and all problems are reported at once
 * (undici-style eager option checks, not cloudserver's 2,000 lines of asserts).
 * Limits follow https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html
 */
import type {
  CacheBehaviorConfig, CacheKeyConfig, CustomErrorResponseConfig, DistributionConfig, EdgeConfig,
  FunctionAssociationConfig, FunctionConfig, KeyValueStoreConfig, OriginConfig, OriginGroupConfig,
} from './types.js';

export class EdgeConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid edge configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'EdgeConfigError';
  }
}

const MiB = 1024 * 1024;
export const CONFIG_DEFAULTS = Object.freeze({
  pop: 'BKT1-C1',
  productWord: 'cloudfront',
  /** Per worker. Edge memory ≈ workers × (maxSizeBytes + fillBudgetBytes + Node baseline), README. */
  maxSizeBytes: 256 * MiB,
  maxObjectBytes: 64 * MiB,
  /** Per worker: bytes all fills in flight may buffer together; beyond it responses stream uncached. */
  fillBudgetBytes: 32 * MiB,
  /** The shared (disk) tier of one host: bodies as files plus an index, LRU-evicted beyond this. */
  maxDiskBytes: 1024 * MiB,
  minTTL: 0,
  defaultTTL: 86400,
  maxTTL: 31536000,
  connectionTimeout: 10,
  connectionAttempts: 3,
  responseTimeout: 30,
  keepaliveTimeout: 5,
  errorCachingMinTTL: 10,
  /** Seconds without write progress to a viewer before its connection is closed (server.ts). */
  viewerSendTimeout: 60,
});

/**
 * CloudFront distribution ids are upper-case letters and digits starting with E (EDFDVBD6EXAMPLE
 * in the API reference). The id is the first part of every cache key and a Host label, so it must
 * hold no separator and no case a lookup could fold.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetDistribution.html
 */
const DISTRIBUTION_ID = /^E[A-Z0-9]{1,63}$/;
const ALLOWED_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE']);
const FAILOVER_CODES = new Set([400, 403, 404, 416, 500, 502, 503, 504]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The fields each object may carry (CloudFront DistributionConfig names, camelCase). */
const FIELDS = {
  root: ['pop', 'productWord', 'cache', 'viewerSendTimeout', 'peers', 'distributions', 'functions', 'keyValueStores'],
  cache: ['maxSizeBytes', 'maxObjectBytes', 'fillBudgetBytes', 'diskPath', 'maxDiskBytes'],
  distribution: ['id', 'aliases', 'defaultRootObject', 'comment', 'enabled', 'origins', 'originGroups', 'defaultCacheBehavior', 'cacheBehaviors', 'customErrorResponses', 'cacheTagConfig'],
  cacheTagConfig: ['headerName'],
  origin: ['id', 'url', 'hostHeader', 'connectionTimeout', 'connectionAttempts', 'responseTimeout', 'keepaliveTimeout'],
  originGroup: ['id', 'primaryOriginId', 'secondaryOriginId', 'failoverCriteria'],
  failoverCriteria: ['statusCodes'],
  behaviour: ['pathPattern', 'targetOriginId', 'minTTL', 'defaultTTL', 'maxTTL', 'compress', 'cacheKey', 'allowedMethods', 'cachedMethods', 'functionAssociations'],
  functionAssociation: ['eventType', 'functionArn'],
  function: ['name', 'runtime', 'comment', 'code', 'file', 'keyValueStoreAssociations'],
  keyValueStore: ['name', 'comment', 'data', 'file'],
  keyValuePair: ['key', 'value'],
  cacheKey: ['queryStrings', 'headers', 'cookies'],
  keyPart: ['behavior', 'items'],
  customErrorResponse: ['errorCode', 'responsePagePath', 'responseCode', 'errorCachingMinTTL'],
} as const;

/** Levenshtein distance (small strings only: field names). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The known field a misspelt one most likely meant: the same name in another case, else the only
 * field it is a prefix of (4+ characters), else the closest within ~1 edit per 4 characters (≤ 3).
 */
export function didYouMean(field: string, known: readonly string[]): string | undefined {
  const lower = field.toLowerCase();
  const sameCase = known.find((k) => k.toLowerCase() === lower);
  if (sameCase !== undefined) return sameCase;
  const prefixOf = known.filter((k) => k.toLowerCase().startsWith(lower));
  if (lower.length >= 4 && prefixOf.length === 1) return prefixOf[0];
  let best: string | undefined;
  let bestD = field.length < 3 ? 0 : Math.min(3, Math.max(1, Math.floor(field.length / 4)));
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d <= bestD && (best === undefined || d < bestD)) { best = k; bestD = d; }
  }
  return best;
}

class Checker {
  readonly problems: string[] = [];
  fail(path: string, msg: string): void { this.problems.push(`${path}: ${msg}`); }

  /** Unknown (e.g. misspelt) fields would otherwise be ignored silently: report each by its full path. */
  known(o: Obj, path: string, fields: readonly string[]): void {
    for (const k of Object.keys(o)) {
      if (fields.includes(k)) continue;
      const guess = didYouMean(k, fields);
      this.fail(`${path}.${k}`, guess !== undefined ? `unknown field (did you mean ${guess}?)` : `unknown field (known: ${fields.join(', ')})`);
    }
  }

  str(o: Obj, key: string, path: string, opts: { required?: boolean; def?: string } = {}): string | undefined {
    const v = o[key];
    if (v === undefined || v === null) {
      if (opts.required) this.fail(`${path}.${key}`, 'is required');
      return opts.def;
    }
    if (typeof v !== 'string' || (opts.required && v === '')) { this.fail(`${path}.${key}`, 'must be a non-empty string'); return opts.def; }
    return v;
  }

  num(o: Obj, key: string, path: string, def: number, min: number, max: number, integer = true): number {
    const v = o[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) { this.fail(`${path}.${key}`, `must be ${integer ? 'an integer' : 'a number'}`); return def; }
    if (v < min || v > max) { this.fail(`${path}.${key}`, `must be between ${min} and ${max}`); return def; }
    return v;
  }

  bool(o: Obj, key: string, path: string, def: boolean): boolean {
    const v = o[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'boolean') { this.fail(`${path}.${key}`, 'must be true or false'); return def; }
    return v;
  }

  strArray(o: Obj, key: string, path: string): string[] {
    const v = o[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) { this.fail(`${path}.${key}`, 'must be an array of strings'); return []; }
    return v as string[];
  }

  arr(o: Obj, key: string, path: string): unknown[] {
    const v = o[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) { this.fail(`${path}.${key}`, 'must be an array'); return []; }
    return v;
  }
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * `queryStrings` / `headers` / `cookies` accept: `'none'` | `'all'` | an array of names (whitelist) |
 * `{ behavior, items }` with behavior none / whitelist / allExcept / all (headers: none / whitelist).
 */
function keyPart<B extends string>(c: Checker, v: unknown, path: string, behaviours: readonly B[]): { behavior: B; items: string[] } {
  const none = { behavior: 'none' as B, items: [] };
  if (v === undefined || v === null) return none;
  if (typeof v === 'string') {
    if ((behaviours as readonly string[]).includes(v) && v !== 'whitelist' && v !== 'allExcept') return { behavior: v as B, items: [] };
    c.fail(path, `must be one of ${behaviours.filter((b) => b !== 'whitelist' && b !== 'allExcept').map((b) => `'${b}'`).join(', ')}, an array of names, or { behavior, items }`);
    return none;
  }
  if (Array.isArray(v)) {
    if (v.some((s) => typeof s !== 'string')) { c.fail(path, 'must be an array of strings'); return none; }
    return { behavior: 'whitelist' as B, items: v as string[] };
  }
  if (isObj(v)) {
    c.known(v, path, FIELDS.keyPart);
    const b = v['behavior'];
    if (typeof b !== 'string' || !(behaviours as readonly string[]).includes(b)) {
      c.fail(`${path}.behavior`, `must be one of ${behaviours.join(', ')}`);
      return none;
    }
    return { behavior: b as B, items: c.strArray(v, 'items', path) };
  }
  c.fail(path, 'must be a string, an array or an object');
  return none;
}

function cacheKey(c: Checker, v: unknown, path: string): CacheKeyConfig {
  const o = isObj(v) ? v : {};
  if (v !== undefined && !isObj(v)) c.fail(path, 'must be an object');
  c.known(o, path, FIELDS.cacheKey);
  const ck: CacheKeyConfig = {
    queryStrings: keyPart(c, o['queryStrings'], `${path}.queryStrings`, ['none', 'whitelist', 'allExcept', 'all'] as const),
    headers: keyPart(c, o['headers'], `${path}.headers`, ['none', 'whitelist'] as const),
    cookies: keyPart(c, o['cookies'], `${path}.cookies`, ['none', 'whitelist', 'allExcept', 'all'] as const),
  };
  if (ck.headers.items.length > 10) c.fail(`${path}.headers.items`, 'at most 10 headers');
  if (ck.headers.items.join('').length > 1024) c.fail(`${path}.headers.items`, 'at most 1024 characters of header names');
  return ck;
}

function behaviour(c: Checker, v: unknown, path: string, isDefault: boolean, targets: Set<string>): CacheBehaviorConfig | undefined {
  if (!isObj(v)) { c.fail(path, 'must be an object'); return undefined; }
  c.known(v, path, FIELDS.behaviour);
  let pathPattern = '*';
  if (!isDefault) {
    pathPattern = c.str(v, 'pathPattern', path, { required: true }) ?? '*';
    if (pathPattern.length > 255) c.fail(`${path}.pathPattern`, 'at most 255 characters');
  } else if (v['pathPattern'] !== undefined && v['pathPattern'] !== '*') {
    // A validated config carries `pathPattern: '*'` here; anything else would be ignored.
    c.fail(`${path}.pathPattern`, "the default behaviour always matches '*' (put other patterns in cacheBehaviors)");
  }
  const targetOriginId = c.str(v, 'targetOriginId', path, { required: true }) ?? '';
  if (targetOriginId !== '' && !targets.has(targetOriginId)) c.fail(`${path}.targetOriginId`, `no origin or origin group with id '${targetOriginId}'`);
  const minTTL = c.num(v, 'minTTL', path, CONFIG_DEFAULTS.minTTL, 0, 31536000 * 100);
  const maxTTL = c.num(v, 'maxTTL', path, Math.max(CONFIG_DEFAULTS.maxTTL, minTTL), 0, 31536000 * 100);
  // With no DefaultTTL given, CloudFront uses 24 h or MinTTL if larger.
  const defaultTTL = c.num(v, 'defaultTTL', path, Math.min(Math.max(CONFIG_DEFAULTS.defaultTTL, minTTL), maxTTL), 0, 31536000 * 100);
  if (minTTL > defaultTTL) c.fail(`${path}.defaultTTL`, `must be ≥ minTTL (${minTTL})`);
  if (defaultTTL > maxTTL) c.fail(`${path}.maxTTL`, `must be ≥ defaultTTL (${defaultTTL})`);
  let allowedMethods = c.strArray(v, 'allowedMethods', path).map((m) => m.toUpperCase());
  if (allowedMethods.length === 0) allowedMethods = ['GET', 'HEAD'];
  for (const [i, m] of allowedMethods.entries()) if (!ALLOWED_METHODS.has(m)) c.fail(`${path}.allowedMethods[${i}]`, `unknown method '${m}'`);
  if (!allowedMethods.includes('GET') || !allowedMethods.includes('HEAD')) c.fail(`${path}.allowedMethods`, 'must include GET and HEAD');
  // CloudFront CachedMethods: [GET, HEAD] or [GET, HEAD, OPTIONS], a subset of the allowed methods.
  let cachedMethods = c.strArray(v, 'cachedMethods', path).map((m) => m.toUpperCase());
  if (cachedMethods.length === 0) cachedMethods = ['GET', 'HEAD'];
  const cachedOk = cachedMethods.every((m) => m === 'GET' || m === 'HEAD' || m === 'OPTIONS') && cachedMethods.includes('GET') && cachedMethods.includes('HEAD');
  if (!cachedOk) c.fail(`${path}.cachedMethods`, 'must be [GET, HEAD] or [GET, HEAD, OPTIONS]');
  else if (cachedMethods.includes('OPTIONS') && !allowedMethods.includes('OPTIONS')) c.fail(`${path}.cachedMethods`, 'OPTIONS is cached only when allowedMethods includes it');
  const b: CacheBehaviorConfig = {
    pathPattern, targetOriginId, minTTL, defaultTTL, maxTTL,
    compress: c.bool(v, 'compress', path, true),
    cacheKey: cacheKey(c, v['cacheKey'], `${path}.cacheKey`),
    allowedMethods,
    cachedMethods,
  };
  const associations = functionAssociations(c, v, path);
  if (associations.length > 0) b.functionAssociations = associations;
  return b;
}

/** The function a functionArn names: its name, or the last part of `arn:…:function/<name>`. */
export function functionNameOf(functionArn: string): string {
  const m = /^arn:aws[\w-]*:cloudfront::[^:]*:function\/(.+)$/.exec(functionArn);
  return m ? m[1]! : functionArn;
}

const EVENT_TYPES = new Set(['viewer-request', 'viewer-response']);

function functionAssociations(c: Checker, v: Obj, path: string): FunctionAssociationConfig[] {
  const out: FunctionAssociationConfig[] = [];
  c.arr(v, 'functionAssociations', path).forEach((a, i) => {
    const p = `${path}.functionAssociations[${i}]`;
    if (!isObj(a)) { c.fail(p, 'must be an object'); return; }
    c.known(a, p, FIELDS.functionAssociation);
    const eventType = c.str(a, 'eventType', p, { required: true }) ?? '';
    const functionArn = c.str(a, 'functionArn', p, { required: true }) ?? '';
    if (eventType !== '' && !EVENT_TYPES.has(eventType)) {
      c.fail(`${p}.eventType`, `must be viewer-request or viewer-response (CloudFront Functions run on viewer events only; '${eventType}' is a Lambda@Edge event)`);
      return;
    }
    // One function per event type and behavior (CloudFront's FunctionAssociations).
    if (out.some((o) => o.eventType === eventType)) { c.fail(`${p}.eventType`, `a behavior has at most one ${eventType} function`); return; }
    if (eventType !== '' && functionArn !== '') out.push({ eventType: eventType as FunctionAssociationConfig['eventType'], functionArn });
  });
  return out;
}

const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

function functionConfig(c: Checker, v: unknown, path: string): FunctionConfig | undefined {
  if (!isObj(v)) { c.fail(path, 'must be an object'); return undefined; }
  c.known(v, path, FIELDS.function);
  const name = c.str(v, 'name', path, { required: true }) ?? '';
  if (name !== '' && !FUNCTION_NAME.test(name)) c.fail(`${path}.name`, '1-64 letters, digits, hyphens and underscores');
  const runtime = c.str(v, 'runtime', path, { def: 'cloudfront-js-2.0' }) ?? 'cloudfront-js-2.0';
  if (runtime !== 'cloudfront-js-1.0' && runtime !== 'cloudfront-js-2.0') c.fail(`${path}.runtime`, 'must be cloudfront-js-1.0 or cloudfront-js-2.0');
  const code = c.str(v, 'code', path);
  const file = c.str(v, 'file', path);
  if ((code === undefined) === (file === undefined)) c.fail(path, 'give exactly one of code and file');
  const f: FunctionConfig = { name, runtime: runtime as FunctionConfig['runtime'], keyValueStoreAssociations: c.strArray(v, 'keyValueStoreAssociations', path) };
  const comment = c.str(v, 'comment', path);
  if (comment !== undefined) f.comment = comment;
  if (code !== undefined) f.code = code;
  if (file !== undefined) f.file = file;
  return f;
}

function keyValueStoreConfig(c: Checker, v: unknown, path: string): KeyValueStoreConfig | undefined {
  if (!isObj(v)) { c.fail(path, 'must be an object'); return undefined; }
  c.known(v, path, FIELDS.keyValueStore);
  const name = c.str(v, 'name', path, { required: true }) ?? '';
  if (name !== '' && !FUNCTION_NAME.test(name)) c.fail(`${path}.name`, '1-64 letters, digits, hyphens and underscores');
  const k: KeyValueStoreConfig = { name };
  const comment = c.str(v, 'comment', path);
  if (comment !== undefined) k.comment = comment;
  const file = c.str(v, 'file', path);
  if (file !== undefined) k.file = file;
  if (v['data'] !== undefined) {
    if (file !== undefined) c.fail(path, 'give data or file, not both');
    k.data = [];
    c.arr(v, 'data', path).forEach((d, i) => {
      const p = `${path}.data[${i}]`;
      if (!isObj(d)) { c.fail(p, 'must be an object'); return; }
      c.known(d, p, FIELDS.keyValuePair);
      const key = c.str(d, 'key', p, { required: true });
      const value = c.str(d, 'value', p, { required: true });
      if (key !== undefined && value !== undefined) k.data!.push({ key, value });
    });
  }
  return k;
}

/** CloudFront's key value store ids (CreateKeyValueStore): UUIDs. */
const API_STORE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Functions and key value stores, and every association naming a function by a valid name. */
function functionsAndStores(c: Checker, raw: Obj, distributions: DistributionConfig[]): Pick<EdgeConfig, 'functions' | 'keyValueStores'> {
  const functions: FunctionConfig[] = [];
  c.arr(raw, 'functions', '(root)').forEach((f, i) => { const r = functionConfig(c, f, `functions[${i}]`); if (r) functions.push(r); });
  const stores: KeyValueStoreConfig[] = [];
  c.arr(raw, 'keyValueStores', '(root)').forEach((k, i) => { const r = keyValueStoreConfig(c, k, `keyValueStores[${i}]`); if (r) stores.push(r); });
  const names = new Set<string>();
  functions.forEach((f, i) => { if (names.has(f.name)) c.fail(`functions[${i}].name`, `duplicate function '${f.name}'`); names.add(f.name); });
  const storeNames = new Set(stores.map((s) => s.name));
  functions.forEach((f, i) => {
    if (f.keyValueStoreAssociations.length > 1) c.fail(`functions[${i}].keyValueStoreAssociations`, 'a function reads at most one key value store');
    f.keyValueStoreAssociations.forEach((k, j) => {
      const name = k.slice(k.lastIndexOf('/') + 1);
      // A UUID names a store created through the control API (CreateKeyValueStore): read when it exists.
      if (!storeNames.has(name) && !API_STORE_ID.test(name)) c.fail(`functions[${i}].keyValueStoreAssociations[${j}]`, `no key value store named '${name}' in keyValueStores (nor the id of one created through the API)`);
    });
  });
  // An association may name a function that is not in `functions`: one published later through
  // the control API (PublishFunction). Until then the behavior runs none (startEdge warns once).
  distributions.forEach((d, i) => {
    [d.defaultCacheBehavior, ...d.cacheBehaviors].forEach((b, j) => {
      b.functionAssociations?.forEach((a, k) => {
        const name = functionNameOf(a.functionArn);
        if (!FUNCTION_NAME.test(name)) {
          const where = j === 0 ? 'defaultCacheBehavior' : `cacheBehaviors[${j - 1}]`;
          c.fail(`distributions[${i}].${where}.functionAssociations[${k}].functionArn`, `'${name}' is not a function name or ARN (1-64 letters, digits, hyphens and underscores)`);
        }
      });
    });
  });
  return { ...(functions.length > 0 ? { functions } : {}), ...(stores.length > 0 ? { keyValueStores: stores } : {}) };
}

function origin(c: Checker, v: unknown, path: string): OriginConfig | undefined {
  if (!isObj(v)) { c.fail(path, 'must be an object'); return undefined; }
  c.known(v, path, FIELDS.origin);
  const id = c.str(v, 'id', path, { required: true }) ?? '';
  const url = c.str(v, 'url', path, { required: true });
  if (url !== undefined && !isHttpUrl(url)) c.fail(`${path}.url`, 'must be an http(s) URL');
  const o: OriginConfig = {
    id,
    url: url ?? '',
    connectionTimeout: c.num(v, 'connectionTimeout', path, CONFIG_DEFAULTS.connectionTimeout, 1, 10, false),
    connectionAttempts: c.num(v, 'connectionAttempts', path, CONFIG_DEFAULTS.connectionAttempts, 1, 3),
    responseTimeout: c.num(v, 'responseTimeout', path, CONFIG_DEFAULTS.responseTimeout, 1, 60, false),
    keepaliveTimeout: c.num(v, 'keepaliveTimeout', path, CONFIG_DEFAULTS.keepaliveTimeout, 1, 60, false),
  };
  const hostHeader = c.str(v, 'hostHeader', path);
  if (hostHeader !== undefined) o.hostHeader = hostHeader;
  return o;
}

function distribution(c: Checker, v: unknown, path: string): DistributionConfig | undefined {
  if (!isObj(v)) { c.fail(path, 'must be an object'); return undefined; }
  c.known(v, path, FIELDS.distribution);
  const id = c.str(v, 'id', path, { required: true }) ?? '';
  if (id !== '' && !DISTRIBUTION_ID.test(id)) c.fail(`${path}.id`, `must be a CloudFront distribution id: E followed by upper-case letters and digits (e.g. EDFDVBD6EXAMPLE), got '${id}'`);
  const origins: OriginConfig[] = [];
  const originsRaw = c.arr(v, 'origins', path);
  if (originsRaw.length === 0) c.fail(`${path}.origins`, 'at least one origin is required');
  originsRaw.forEach((o, i) => { const r = origin(c, o, `${path}.origins[${i}]`); if (r) origins.push(r); });
  const ids = new Set<string>();
  origins.forEach((o, i) => { if (ids.has(o.id)) c.fail(`${path}.origins[${i}].id`, `duplicate origin id '${o.id}'`); ids.add(o.id); });

  const originGroups: OriginGroupConfig[] = [];
  c.arr(v, 'originGroups', path).forEach((g, i) => {
    const p = `${path}.originGroups[${i}]`;
    if (!isObj(g)) { c.fail(p, 'must be an object'); return; }
    c.known(g, p, FIELDS.originGroup);
    const gid = c.str(g, 'id', p, { required: true }) ?? '';
    const primaryOriginId = c.str(g, 'primaryOriginId', p, { required: true }) ?? '';
    const secondaryOriginId = c.str(g, 'secondaryOriginId', p, { required: true }) ?? '';
    for (const [k, oid] of [['primaryOriginId', primaryOriginId], ['secondaryOriginId', secondaryOriginId]] as const) {
      if (oid !== '' && !ids.has(oid)) c.fail(`${p}.${k}`, `no origin with id '${oid}'`);
    }
    if (ids.has(gid)) c.fail(`${p}.id`, `'${gid}' is already an origin id`);
    const fc = isObj(g['failoverCriteria']) ? g['failoverCriteria'] : {};
    if (g['failoverCriteria'] !== undefined && !isObj(g['failoverCriteria'])) c.fail(`${p}.failoverCriteria`, 'must be an object');
    c.known(fc, `${p}.failoverCriteria`, FIELDS.failoverCriteria);
    const raw = fc['statusCodes'];
    let statusCodes: number[] = [];
    if (raw === undefined) c.fail(`${p}.failoverCriteria.statusCodes`, 'is required');
    else if (!Array.isArray(raw)) c.fail(`${p}.failoverCriteria.statusCodes`, 'must be an array of status codes');
    else {
      statusCodes = raw as number[];
      raw.forEach((s, j) => { if (!FAILOVER_CODES.has(s as number)) c.fail(`${p}.failoverCriteria.statusCodes[${j}]`, `must be one of ${[...FAILOVER_CODES].join(', ')}`); });
    }
    originGroups.push({ id: gid, primaryOriginId, secondaryOriginId, failoverCriteria: { statusCodes } });
  });
  const targets = new Set([...ids, ...originGroups.map((g) => g.id)]);

  const defaultCacheBehavior = behaviour(c, v['defaultCacheBehavior'] ?? (v['defaultCacheBehavior'] === undefined && origins.length === 1 ? { targetOriginId: origins[0]!.id } : undefined), `${path}.defaultCacheBehavior`, true, targets);
  const cacheBehaviors: CacheBehaviorConfig[] = [];
  const rawBehaviours = c.arr(v, 'cacheBehaviors', path);
  if (rawBehaviours.length > 25) c.fail(`${path}.cacheBehaviors`, 'at most 25 cache behaviors');
  rawBehaviours.forEach((b, i) => { const r = behaviour(c, b, `${path}.cacheBehaviors[${i}]`, false, targets); if (r) cacheBehaviors.push(r); });

  const customErrorResponses: CustomErrorResponseConfig[] = [];
  c.arr(v, 'customErrorResponses', path).forEach((e, i) => {
    const p = `${path}.customErrorResponses[${i}]`;
    if (!isObj(e)) { c.fail(p, 'must be an object'); return; }
    c.known(e, p, FIELDS.customErrorResponse);
    const errorCode = c.num(e, 'errorCode', p, 0, 400, 599);
    if (e['errorCode'] === undefined) c.fail(`${p}.errorCode`, 'is required');
    const r: CustomErrorResponseConfig = { errorCode, errorCachingMinTTL: c.num(e, 'errorCachingMinTTL', p, CONFIG_DEFAULTS.errorCachingMinTTL, 0, 31536000) };
    const page = c.str(e, 'responsePagePath', p);
    if (page !== undefined) {
      if (!page.startsWith('/')) c.fail(`${p}.responsePagePath`, "must start with '/'");
      r.responsePagePath = page;
    }
    if (e['responseCode'] !== undefined) {
      const rc = typeof e['responseCode'] === 'string' ? Number(e['responseCode']) : e['responseCode'];
      if (typeof rc !== 'number' || !Number.isInteger(rc) || rc < 200 || rc > 599) c.fail(`${p}.responseCode`, 'must be an HTTP status code (200–599)');
      else r.responseCode = rc;
      if (page === undefined) c.fail(`${p}.responsePagePath`, 'is required when responseCode is set');
    }
    customErrorResponses.push(r);
  });

  let aliases = c.strArray(v, 'aliases', path).map((a) => a.toLowerCase());
  aliases = [...new Set(aliases)];
  const d: DistributionConfig = {
    id, aliases, origins, originGroups, cacheBehaviors, customErrorResponses,
    enabled: c.bool(v, 'enabled', path, true),
    defaultCacheBehavior: defaultCacheBehavior ?? ({} as CacheBehaviorConfig),
  };
  const dro = c.str(v, 'defaultRootObject', path);
  if (dro !== undefined && dro !== '') {
    if (dro.startsWith('/')) c.fail(`${path}.defaultRootObject`, "must not start with '/'");
    d.defaultRootObject = dro;
  }
  const comment = c.str(v, 'comment', path);
  if (comment !== undefined) d.comment = comment;
  const tagConfig = v['cacheTagConfig'];
  if (tagConfig !== undefined) {
    const p = `${path}.cacheTagConfig`;
    if (!isObj(tagConfig)) c.fail(p, 'must be an object with headerName');
    else {
      c.known(tagConfig, p, FIELDS.cacheTagConfig);
      const headerName = c.str(tagConfig, 'headerName', p, { required: true }) ?? '';
      // An HTTP field name (RFC 9110 §5.1: a token).
      if (headerName !== '' && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(headerName)) c.fail(`${p}.headerName`, `must be an HTTP header name, got '${headerName}'`);
      else if (headerName !== '') d.cacheTagConfig = { headerName: headerName.toLowerCase() };
    }
  }
  return d;
}

/** Validate raw (parsed JSON/YAML) configuration and fill in defaults. Throws EdgeConfigError. */
export function validateEdgeConfig(raw: unknown): EdgeConfig {
  const c = new Checker();
  if (!isObj(raw)) throw new EdgeConfigError(['(root): must be an object']);
  c.known(raw, '(root)', FIELDS.root);
  const cacheRaw = raw['cache'];
  const cacheObj = isObj(cacheRaw) ? cacheRaw : {};
  if (cacheRaw !== undefined && !isObj(cacheRaw)) c.fail('cache', 'must be an object');
  c.known(cacheObj, 'cache', FIELDS.cache);
  const maxSizeBytes = c.num(cacheObj, 'maxSizeBytes', 'cache', CONFIG_DEFAULTS.maxSizeBytes, 1024, Number.MAX_SAFE_INTEGER);
  const fillBudgetBytes = c.num(cacheObj, 'fillBudgetBytes', 'cache', CONFIG_DEFAULTS.fillBudgetBytes, 0, Number.MAX_SAFE_INTEGER);
  const maxDiskBytes = c.num(cacheObj, 'maxDiskBytes', 'cache', CONFIG_DEFAULTS.maxDiskBytes, 0, Number.MAX_SAFE_INTEGER);
  let diskPath: string | false | undefined;
  const rawDisk = cacheObj['diskPath'];
  if (rawDisk === false) diskPath = false;
  else if (rawDisk !== undefined) {
    if (typeof rawDisk !== 'string' || rawDisk === '') c.fail('cache.diskPath', 'must be a directory path, or false for no disk tier');
    else diskPath = rawDisk;
  }
  // With a shared tier an object may be larger than the memory tier (it is then served from disk);
  // without one it must fit the memory tier.
  const cacheBytes = diskPath === false ? maxSizeBytes : Math.max(maxSizeBytes, maxDiskBytes);
  const maxObjectBytes = c.num(cacheObj, 'maxObjectBytes', 'cache', Math.min(CONFIG_DEFAULTS.maxObjectBytes, cacheBytes), 1, 30 * 1024 ** 3);
  if (maxObjectBytes > cacheBytes) {
    c.fail('cache.maxObjectBytes', diskPath === false ? `must be ≤ cache.maxSizeBytes (${maxSizeBytes}) without a disk tier` : `must be ≤ cache.maxDiskBytes (${maxDiskBytes}) or cache.maxSizeBytes (${maxSizeBytes})`);
  }
  const viewerSendTimeout = c.num(raw, 'viewerSendTimeout', '(root)', CONFIG_DEFAULTS.viewerSendTimeout, 1, 3600);
  const peers = c.strArray(raw, 'peers', '(root)').map((p, i) => { if (!isHttpUrl(p)) c.fail(`peers[${i}]`, 'must be an http(s) URL'); return p; });
  const distributions: DistributionConfig[] = [];
  const rawDists = c.arr(raw, 'distributions', '(root)');
  if (raw['distributions'] === undefined) c.fail('distributions', 'is required');
  else if (rawDists.length === 0 && Array.isArray(raw['distributions'])) c.fail('distributions', 'at least one distribution is required');
  rawDists.forEach((d, i) => { const r = distribution(c, d, `distributions[${i}]`); if (r) distributions.push(r); });
  const seenIds = new Set<string>();
  const seenAliases = new Map<string, string>();
  distributions.forEach((d, i) => {
    if (seenIds.has(d.id)) c.fail(`distributions[${i}].id`, `duplicate distribution id '${d.id}'`);
    seenIds.add(d.id);
    d.aliases.forEach((a, j) => {
      const other = seenAliases.get(a);
      if (other !== undefined) c.fail(`distributions[${i}].aliases[${j}]`, `'${a}' is already an alias of ${other}`);
      seenAliases.set(a, d.id);
    });
  });
  const cfg: EdgeConfig = {
    pop: c.str(raw, 'pop', '(root)', { def: CONFIG_DEFAULTS.pop }) ?? CONFIG_DEFAULTS.pop,
    productWord: c.str(raw, 'productWord', '(root)', { def: CONFIG_DEFAULTS.productWord }) ?? CONFIG_DEFAULTS.productWord,
    cache: { maxSizeBytes, maxObjectBytes, fillBudgetBytes, maxDiskBytes, ...(diskPath === undefined ? {} : { diskPath }) },
    viewerSendTimeout,
    peers,
    distributions,
    ...functionsAndStores(c, raw, distributions),
  };
  // '(root).x' reads oddly; report root fields by their bare name.
  const problems = c.problems.map((p) => p.replace(/^\(root\)\./, ''));
  if (problems.length > 0) throw new EdgeConfigError(problems);
  return cfg;
}
