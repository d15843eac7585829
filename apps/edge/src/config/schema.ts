/**
 * The edge configuration, written once: every field's type, limits, default and description.
 * From here come the TypeScript types (config/types.ts, inferred), the start-up validation
 * (config/validate.ts formats the issues), CONFIG_DEFAULTS and the configuration table of
 * apps/edge/README.md (scripts/config-docs.ts; test/config-docs.test.ts fails when it is stale).
 * Field names are CloudFront's DistributionConfig names in camelCase:
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DistributionConfig.html
 * Limits follow https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html
 *
 * Why zod (v4) and not valibot: bundle size does not matter here (a server read once at start;
 * valibot's tree-shaking wins nothing), while zod gives what the error messages need: every
 * issue carries its full path (`distributions[0].origins[1].url`), an unknown key's issue
 * carries the object schema it failed in (so its known fields give the did-you-mean), per-check
 * `error` functions see the input (messages quote it), `.meta()` holds the descriptions and
 * defaults the README table is generated from, and `z.output` infers the validated types,
 * transforms included. Its error model is also the one the rest of the TypeScript world reads.
 */
import * as z from 'zod';

const MiB = 1024 * 1024;
const TTL_MAX = 31536000 * 100;

/** What the README table shows of a field (`default` also feeds CONFIG_DEFAULTS). */
export interface FieldDoc {
  description: string;
  /** The default, when the field has one (a value, or a sentence when it depends on others). */
  default?: unknown;
  /** The type as users write it, where the schema's own type would not say it. */
  type?: string;
}

/** A field with its documentation (outermost, where the docs and CONFIG_DEFAULTS read it). */
const doc = <T extends z.ZodType>(schema: T, d: FieldDoc): T => schema.meta({ ...d }) as T;

/** The FieldDoc of a field of one of the shapes below. */
export const fieldDoc = (schema: z.ZodType): FieldDoc | undefined => schema.meta() as FieldDoc | undefined;

/** A field's documented default. */
function defaultOf<T>(schema: z.ZodType): T {
  return fieldDoc(schema)!.default as T;
}

// ---- field kinds, with the messages validation reports ------------------------------------------

/** A string; a required one must be non-empty. */
function text(required = false) {
  const s = z.string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a non-empty string') });
  return required ? s.min(1, { error: 'must be a non-empty string' }) : s;
}

const between = (min: number, max: number) => ({ error: `must be between ${min} and ${max}` });

/** An integer in [min, max]. */
const integer = (min: number, max: number) =>
  z
    .number({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be an integer') })
    .int({ error: 'must be an integer', abort: true })
    .min(min, between(min, max))
    .max(max, between(min, max));

/** A number (fractions allowed) in [min, max]. */
const decimal = (min: number, max: number) => z.number({ error: 'must be a number' }).min(min, between(min, max)).max(max, between(min, max));

const flag = () => z.boolean({ error: 'must be true or false' });

/** An array of strings, reported as a whole (not per element). */
const stringList = () => z.custom<string[]>((v) => Array.isArray(v) && v.every((s) => typeof s === 'string'), { error: 'must be an array of strings' });

/** An array of `item`; an absent one is empty. */
const list = <T extends z.ZodType>(item: T) => z.array(item, { error: 'must be an array' });

/** An object whose absence is `{}`: its fields' defaults and requirements apply. */
const absentIsEmpty = <T extends z.ZodType>(schema: T) => schema.prefault({} as z.input<T>);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

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
    if (d <= bestD && (best === undefined || d < bestD)) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

/** The problem with one unknown (e.g. misspelt) field, which would otherwise be ignored silently. */
export function unknownField(key: string, known: readonly string[]): string {
  const guess = didYouMean(key, known);
  return guess !== undefined ? `unknown field (did you mean ${guess}?)` : `unknown field (known: ${known.join(', ')})`;
}

/**
 * An object of these fields and no others. An unknown key's issue message is the JSON list of
 * `[key, problem]` (validate.ts reports each at its own path).
 */
function fields<S extends z.ZodRawShape>(shape: S, notObject = 'must be an object') {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? JSON.stringify(iss.keys.map((k) => [k, unknownField(k, known)])) : notObject),
  });
}

/** Issue `message` at `path` (relative to the object being refined). */
const problem = (ctx: z.RefinementCtx, path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

// ---- the cache key -------------------------------------------------------------------------

export type KeyPartBehavior = 'none' | 'whitelist' | 'allExcept' | 'all';

/**
 * `queryStrings` / `headers` / `cookies` accept: `'none'` | `'all'` | an array of names (whitelist) |
 * `{ behavior, items }` with behavior none / whitelist / allExcept / all (headers: none / whitelist).
 */
function keyPart<B extends KeyPartBehavior>(behaviors: readonly B[], description: string) {
  const words = behaviors.filter((b) => b !== 'whitelist' && b !== 'allExcept');
  const part = z.unknown().transform((v, ctx): { behavior: B; items: string[] } => {
    const none = { behavior: 'none' as B, items: [] };
    const fail = (path: PropertyKey[], message: string) => {
      ctx.issues.push({ code: 'custom', input: v, path, message });
      return none;
    };
    if (typeof v === 'string') {
      if ((words as readonly string[]).includes(v)) return { behavior: v as B, items: [] };
      return fail([], `must be one of ${words.map((b) => `'${b}'`).join(', ')}, an array of names, or { behavior, items }`);
    }
    if (Array.isArray(v)) {
      if (v.some((s) => typeof s !== 'string')) return fail([], 'must be an array of strings');
      return { behavior: 'whitelist' as B, items: v as string[] };
    }
    if (!isObj(v)) return fail([], 'must be a string, an array or an object');
    for (const k of Object.keys(v)) if (k !== 'behavior' && k !== 'items') fail([k], unknownField(k, ['behavior', 'items']));
    const b = v['behavior'];
    if (typeof b !== 'string' || !(behaviors as readonly string[]).includes(b)) return fail(['behavior'], `must be one of ${behaviors.join(', ')}`);
    const items = v['items'] ?? [];
    if (!Array.isArray(items) || items.some((s) => typeof s !== 'string')) return fail(['items'], 'must be an array of strings');
    return { behavior: b as B, items: items as string[] };
  });
  return doc(part.prefault('none'), { description, default: 'none', type: `${words.join(' \\| ')} \\| [names] \\| { behavior, items }` });
}

const cacheKeyFields = {
  queryStrings: keyPart(['none', 'whitelist', 'allExcept', 'all'] as const, 'Query string parameters in the cache key (and sent to the origin); behavior none, whitelist, allExcept or all.'),
  headers: keyPart(['none', 'whitelist'] as const, 'Request headers in the cache key (and sent to the origin): none or a list of at most 10 names.'),
  cookies: keyPart(['none', 'whitelist', 'allExcept', 'all'] as const, 'Cookies in the cache key (and sent to the origin); forwarding any makes a revalidation unconditional.'),
};

const cacheKey = fields(cacheKeyFields).superRefine((k, ctx) => {
  if (k.headers.items.length > 10) problem(ctx, ['headers', 'items'], 'at most 10 headers');
  if (k.headers.items.join('').length > 1024) problem(ctx, ['headers', 'items'], 'at most 1024 characters of header names');
});

// ---- cache behaviors -----------------------------------------------------------------------

const ALLOWED_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE']);
const GET_HEAD = () => ['GET', 'HEAD'];
/** Upper-cased; an empty list is GET, HEAD. */
const methods = () => stringList().transform((m) => (m.length === 0 ? GET_HEAD() : m.map((x) => x.toUpperCase())));

/** The function a functionArn names: its name, or the last part of `arn:…:function/<name>`. */
export function functionNameOf(functionArn: string): string {
  const m = /^arn:aws[\w-]*:cloudfront::[^:]*:function\/(.+)$/.exec(functionArn);
  return m ? m[1]! : functionArn;
}

export const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export const functionAssociationFields = {
  eventType: doc(
    z.enum(['viewer-request', 'viewer-response'], {
      error: (iss) =>
        iss.input === undefined
          ? 'is required'
          : typeof iss.input !== 'string' || iss.input === ''
            ? 'must be a non-empty string'
            : `must be viewer-request or viewer-response (CloudFront Functions run on viewer events only; '${iss.input}' is a Lambda@Edge event)`,
    }),
    { description: 'viewer-request or viewer-response.' },
  ),
  functionArn: doc(
    text(true).refine((arn) => FUNCTION_NAME.test(functionNameOf(arn)), {
      error: (iss) => `'${functionNameOf(String(iss.input))}' is not a function name or ARN (1-64 letters, digits, hyphens and underscores)`,
    }),
    { description: "The function's name, or its ARN (`arn:aws:cloudfront::<account>:function/<name>`): one of `functions`, or one published later through the control API." },
  ),
};

const behaviorFields = {
  targetOriginId: doc(text(true), { description: 'The origin or origin group requests go to.' }),
  minTTL: doc(integer(0, TTL_MAX).default(0), { description: 'Seconds: the least time an object stays cached, whatever its Cache-Control says.', default: 0 }),
  defaultTTL: doc(integer(0, TTL_MAX).optional(), { description: 'Seconds cached when the origin sends no Cache-Control max-age / s-maxage nor Expires.', default: 86400 }),
  maxTTL: doc(integer(0, TTL_MAX).optional(), { description: 'Seconds: the most time an object stays cached.', default: 31536000 }),
  compress: doc(flag().default(true), { description: 'Serve gzip / br to viewers that accept them.', default: true }),
  cacheKey: doc(absentIsEmpty(cacheKey), { description: 'What of the request (besides the path) is part of the cache key.' }),
  allowedMethods: doc(methods().default(GET_HEAD), {
    description: 'Methods served: GET and HEAD always; others (OPTIONS, PUT, POST, PATCH, DELETE) go to the origin uncached.',
    default: ['GET', 'HEAD'],
    type: 'string[]',
  }),
  cachedMethods: doc(methods().optional(), { description: '[GET, HEAD] or [GET, HEAD, OPTIONS]: OPTIONS responses are then cached under their own key.', default: ['GET', 'HEAD'], type: 'string[]' }),
  functionAssociations: doc(list(fields(functionAssociationFields)).optional(), { description: 'CloudFront Functions run for this behavior: at most one per event type.' }),
};

/** A behavior's own rules; the TTLs and cachedMethods not given are filled in. */
function behavior(pathPattern: z.ZodType<string>) {
  return fields({ pathPattern, ...behaviorFields })
    .superRefine((b, ctx) => {
      b.allowedMethods.forEach((m, i) => {
        if (!ALLOWED_METHODS.has(m)) problem(ctx, ['allowedMethods', i], `unknown method '${m}'`);
      });
      if (!b.allowedMethods.includes('GET') || !b.allowedMethods.includes('HEAD')) problem(ctx, ['allowedMethods'], 'must include GET and HEAD');
      const cached = b.cachedMethods ?? GET_HEAD();
      const cachedOk = cached.every((m) => m === 'GET' || m === 'HEAD' || m === 'OPTIONS') && cached.includes('GET') && cached.includes('HEAD');
      if (!cachedOk) problem(ctx, ['cachedMethods'], 'must be [GET, HEAD] or [GET, HEAD, OPTIONS]');
      else if (cached.includes('OPTIONS') && !b.allowedMethods.includes('OPTIONS')) problem(ctx, ['cachedMethods'], 'OPTIONS is cached only when allowedMethods includes it');
      const { minTTL, maxTTL, defaultTTL } = ttls(b);
      if (minTTL > defaultTTL) problem(ctx, ['defaultTTL'], `must be ≥ minTTL (${minTTL})`);
      if (defaultTTL > maxTTL) problem(ctx, ['maxTTL'], `must be ≥ defaultTTL (${defaultTTL})`);
      const seen = new Set<string>();
      // One function per event type and behavior (CloudFront's FunctionAssociations).
      b.functionAssociations?.forEach((a, i) => {
        if (seen.has(a.eventType)) problem(ctx, ['functionAssociations', i, 'eventType'], `a behavior has at most one ${a.eventType} function`);
        seen.add(a.eventType);
      });
    })
    .transform(({ functionAssociations, ...b }) => {
      b.cachedMethods ??= GET_HEAD(); // optional in the type: hand-built configs need not set it
      return { ...b, ...ttls(b), ...(functionAssociations !== undefined && functionAssociations.length > 0 ? { functionAssociations } : {}) };
    });
}

/** With no maxTTL given: a year, or minTTL if larger; with no defaultTTL: 24 h or minTTL if larger (at most maxTTL), as CloudFront. */
function ttls(b: { minTTL: number; maxTTL?: number | undefined; defaultTTL?: number | undefined }): { minTTL: number; maxTTL: number; defaultTTL: number } {
  const maxTTL = b.maxTTL ?? Math.max(31536000, b.minTTL);
  return { minTTL: b.minTTL, maxTTL, defaultTTL: b.defaultTTL ?? Math.min(Math.max(86400, b.minTTL), maxTTL) };
}

const pathPattern = doc(text(true).max(255, { error: 'at most 255 characters' }), {
  description: 'Path pattern (`*` and `?`, case-sensitive; at most 255 characters); behaviors are tried in order, the first match wins. The default behavior has none (always `*`).',
});
const cacheBehavior = behavior(pathPattern);
// A validated config carries `pathPattern: '*'` here; anything else would be ignored.
const defaultCacheBehavior = behavior(
  z
    .custom<string>((v) => v === '*', { error: "the default behavior always matches '*' (put other patterns in cacheBehaviors)" })
    .optional()
    .transform(() => '*'),
);

// ---- origins, groups, error responses ------------------------------------------------------

const originFields = {
  id: doc(text(true), { description: 'Unique within the distribution.' }),
  url: doc(text(true).refine(isHttpUrl, { error: 'must be an http(s) URL' }), { description: 'http(s) URL of the origin; a path prefix (CloudFront OriginPath) is prepended to every request path.' }),
  hostHeader: doc(text().optional(), { description: 'Host header sent to the origin.', default: "the URL's host" }),
  connectionTimeout: doc(decimal(1, 10).default(10), { description: 'Seconds, 1–10.', default: 10 }),
  connectionAttempts: doc(integer(1, 3).default(3), { description: '1–3.', default: 3 }),
  responseTimeout: doc(decimal(1, 60).default(30), { description: 'Seconds, 1–60.', default: 30 }),
  keepaliveTimeout: doc(decimal(1, 60).default(5), { description: 'Seconds, 1–60.', default: 5 }),
};

const FAILOVER_CODES = [400, 403, 404, 416, 500, 502, 503, 504];
const failoverCriteriaFields = {
  statusCodes: doc(
    z.array(
      z.custom<number>((s) => FAILOVER_CODES.includes(s as number), { error: `must be one of ${FAILOVER_CODES.join(', ')}` }),
      {
        error: (iss) => (iss.input === undefined ? 'is required' : 'must be an array of status codes'),
      },
    ),
    { description: `Primary responses that fail over to the secondary: ${FAILOVER_CODES.join(', ')}.`, type: 'number[]' },
  ),
};

const originGroupFields = {
  id: doc(text(true), { description: 'Usable as a targetOriginId; not an origin id.' }),
  primaryOriginId: doc(text(true), { description: 'The origin asked first.' }),
  secondaryOriginId: doc(text(true), { description: 'The origin asked when the primary fails (connection error, timeout or a statusCodes status).' }),
  failoverCriteria: doc(absentIsEmpty(fields(failoverCriteriaFields)), { description: 'When to fail over.' }),
};

const HTTP_STATUS = 'must be an HTTP status code (200–599)';
const customErrorResponseFields = {
  errorCode: doc(integer(400, 599), { description: 'The origin status (or 502 / 504 of the edge) this applies to.' }),
  responsePagePath: doc(
    text()
      .refine((p) => p.startsWith('/'), { error: "must start with '/'" })
      .optional(),
    { description: 'The page served instead, fetched through the behavior matching its path and cached like any object.' },
  ),
  responseCode: doc(
    z
      .preprocess(
        (v) => (typeof v === 'string' ? Number(v) : v),
        z.number({ error: HTTP_STATUS }).int({ error: HTTP_STATUS, abort: true }).min(200, { error: HTTP_STATUS }).max(599, { error: HTTP_STATUS }),
      )
      .optional(),
    { description: 'The status sent with the page (needs responsePagePath).', default: 'errorCode' },
  ),
  errorCachingMinTTL: doc(integer(0, 31536000).default(10), { description: 'Seconds the error response is cached.', default: 10 }),
};
const customErrorResponse = fields(customErrorResponseFields).superRefine((e, ctx) => {
  if (e.responseCode !== undefined && e.responsePagePath === undefined) problem(ctx, ['responsePagePath'], 'is required when responseCode is set');
});

// ---- distributions -------------------------------------------------------------------------

/**
 * CloudFront distribution ids are upper-case letters and digits starting with E (EDFDVBD6EXAMPLE
 * in the API reference). The id is the first part of every cache key and a Host label, so it must
 * hold no separator and no case a lookup could fold.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetDistribution.html
 */
const DISTRIBUTION_ID = /^E[A-Z0-9]{1,63}$/;
/** An HTTP field name (a token), https://www.rfc-editor.org/rfc/rfc9110#section-5.1 */
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const distributionFields = {
  id: doc(
    text(true).regex(DISTRIBUTION_ID, { error: (iss) => `must be a CloudFront distribution id: E followed by upper-case letters and digits (e.g. EDFDVBD6EXAMPLE), got '${String(iss.input)}'` }),
    { description: 'E followed by upper-case letters and digits (e.g. EDFDVBD6EXAMPLE): a Host whose first label is the id (any case) selects the distribution.' },
  ),
  aliases: doc(
    stringList()
      .default(() => [])
      .transform((a) => [...new Set(a.map((h) => h.toLowerCase()))]),
    { description: 'Host names (CNAMEs) routed to this distribution; with one distribution it serves every Host.', default: [], type: 'string[]' },
  ),
  defaultRootObject: doc(
    text()
      .refine((d) => !d.startsWith('/'), { error: "must not start with '/'" })
      .optional(),
    { description: 'Served for `/` only.' },
  ),
  comment: doc(text().optional(), { description: 'Free text.' }),
  enabled: doc(flag().default(true), { description: 'As CloudFront reports it (GetDistribution).', default: true }),
  origins: doc(
    list(fields(originFields))
      .prefault([])
      .refine((o) => o.length > 0, { error: 'at least one origin is required' }),
    { description: 'The origins (at least one).' },
  ),
  originGroups: doc(
    list(fields(originGroupFields)).default(() => []),
    { description: 'Failover pairs of origins.', default: [] },
  ),
  defaultCacheBehavior: doc(defaultCacheBehavior, { description: 'The behavior of paths no cacheBehaviors pattern matches.', default: 'with one origin: { targetOriginId: <that origin> }' }),
  cacheBehaviors: doc(
    list(cacheBehavior)
      .max(25, { error: 'at most 25 cache behaviors' })
      .default(() => []),
    { description: 'Ordered; the first pattern matching the path wins (at most 25).', default: [] },
  ),
  customErrorResponses: doc(
    list(customErrorResponse).default(() => []),
    { description: 'Pages served for error statuses.', default: [] },
  ),
  cacheTagConfig: doc(
    fields(
      {
        headerName: doc(
          text(true)
            .regex(FIELD_NAME, { error: (iss) => `must be an HTTP header name, got '${String(iss.input)}'` })
            .transform((h) => h.toLowerCase()),
          { description: 'The response header whose comma-separated values tag a cached object for `#tag` invalidations.' },
        ),
      },
      'must be an object with headerName',
    ).optional(),
    { description: 'Cache tags: https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CacheTagConfig.html' },
  ),
};

/** With exactly one origin and no defaultCacheBehavior, the default behavior targets that origin. */
function withDefaultBehavior(v: unknown): unknown {
  if (!isObj(v) || v['defaultCacheBehavior'] !== undefined || !Array.isArray(v['origins']) || v['origins'].length !== 1) return v;
  const only: unknown = v['origins'][0];
  return { ...v, defaultCacheBehavior: { targetOriginId: isObj(only) ? only['id'] : undefined } };
}

const distribution = z.preprocess(
  withDefaultBehavior,
  fields(distributionFields)
    .superRefine((d, ctx) => {
      const ids = new Set<string>();
      d.origins.forEach((o, i) => {
        if (ids.has(o.id)) problem(ctx, ['origins', i, 'id'], `duplicate origin id '${o.id}'`);
        ids.add(o.id);
      });
      d.originGroups.forEach((g, i) => {
        for (const k of ['primaryOriginId', 'secondaryOriginId'] as const) if (!ids.has(g[k])) problem(ctx, ['originGroups', i, k], `no origin with id '${g[k]}'`);
        if (ids.has(g.id)) problem(ctx, ['originGroups', i, 'id'], `'${g.id}' is already an origin id`);
      });
      const targets = new Set([...ids, ...d.originGroups.map((g) => g.id)]);
      const target = (path: PropertyKey[], id: string) => {
        if (!targets.has(id)) problem(ctx, [...path, 'targetOriginId'], `no origin or origin group with id '${id}'`);
      };
      target(['defaultCacheBehavior'], d.defaultCacheBehavior.targetOriginId);
      d.cacheBehaviors.forEach((b, i) => {
        target(['cacheBehaviors', i], b.targetOriginId);
      });
    })
    .transform(({ defaultRootObject, ...d }) => ({ ...d, ...(defaultRootObject ? { defaultRootObject } : {}) })),
);

// ---- functions and key value stores -------------------------------------------------------

const NAME = { error: '1-64 letters, digits, hyphens and underscores' };

const functionFields = {
  name: doc(text(true).regex(FUNCTION_NAME, NAME), { description: "The name behaviors' functionAssociations use." }),
  runtime: doc(
    z
      .enum(['cloudfront-js-1.0', 'cloudfront-js-2.0'], {
        error: (iss) => (typeof iss.input === 'string' ? 'must be cloudfront-js-1.0 or cloudfront-js-2.0' : 'must be a non-empty string'),
      })
      .default('cloudfront-js-2.0'),
    { description: 'cloudfront-js-1.0 or cloudfront-js-2.0.', default: 'cloudfront-js-2.0' },
  ),
  comment: doc(text().optional(), { description: 'Free text.' }),
  code: doc(text().optional(), { description: 'The code (or `file`).' }),
  file: doc(text().optional(), { description: 'A file of code, relative to the configuration file (or `code`).' }),
  keyValueStoreAssociations: doc(
    stringList().default(() => []),
    { description: 'Names (or ids / ARNs) of the key value store the function reads with `cf.kvs()` (at most one).', default: [], type: 'string[]' },
  ),
};

const keyValueStoreFields = {
  name: doc(text(true).regex(FUNCTION_NAME, NAME), { description: "The name functions' keyValueStoreAssociations use." }),
  comment: doc(text().optional(), { description: 'Free text.' }),
  data: doc(
    list(
      fields({
        key: doc(text(true), { description: 'The key.' }),
        value: doc(text(true), { description: 'Its value.' }),
      }),
    ).optional(),
    { description: 'The keys and values (or `file`).' },
  ),
  file: doc(text().optional(), { description: 'A JSON file in CloudFront\'s import format `{"data": [{"key": "k", "value": "v"}]}`, relative to the configuration file.' }),
};

// ---- the whole configuration ---------------------------------------------------------------

const cacheFields = {
  maxSizeBytes: doc(integer(1024, Number.MAX_SAFE_INTEGER).default(256 * MiB), { description: 'Per worker: bytes of the memory tier (LRU beyond it).', default: 256 * MiB }),
  maxObjectBytes: doc(integer(1, 30 * 1024 ** 3).optional(), { description: 'Larger objects stream through uncached; at most maxDiskBytes (or maxSizeBytes without a disk tier).', default: 64 * MiB }),
  fillBudgetBytes: doc(integer(0, Number.MAX_SAFE_INTEGER).optional(), {
    description: 'Per worker: bytes all fills in flight may buffer together; beyond it a response streams to its viewer uncached.',
    default: 32 * MiB,
  }),
  diskPath: doc(z.union([z.literal(false), z.string().min(1)], { error: 'must be a directory path, or false for no disk tier' }).optional(), {
    description: 'The shared tier of the host (body files and an index, kept across restarts); false: none.',
    default: 'a temporary directory, removed at stop',
    type: 'string \\| false',
  }),
  maxDiskBytes: doc(integer(0, Number.MAX_SAFE_INTEGER).optional(), { description: 'Bytes of bodies the shared tier keeps (LRU beyond it).', default: 1024 * MiB }),
};

type CacheInput = { maxSizeBytes: number; maxObjectBytes?: number | undefined; diskPath?: string | false | undefined; maxDiskBytes?: number | undefined };

/**
 * The bytes an object may have: with a shared tier it may be larger than the memory tier (it is
 * then served from disk); without one it must fit the memory tier.
 */
function objectLimit(c: CacheInput): { cacheBytes: number; maxDiskBytes: number; maxObjectBytes: number } {
  const maxDiskBytes = c.maxDiskBytes ?? defaultOf<number>(cacheFields.maxDiskBytes);
  const cacheBytes = c.diskPath === false ? c.maxSizeBytes : Math.max(c.maxSizeBytes, maxDiskBytes);
  return { cacheBytes, maxDiskBytes, maxObjectBytes: c.maxObjectBytes ?? Math.min(defaultOf<number>(cacheFields.maxObjectBytes), cacheBytes) };
}

const cache = fields(cacheFields)
  .superRefine((c, ctx) => {
    const { cacheBytes, maxDiskBytes, maxObjectBytes } = objectLimit(c);
    if (maxObjectBytes > cacheBytes) {
      problem(
        ctx,
        ['maxObjectBytes'],
        c.diskPath === false ? `must be ≤ cache.maxSizeBytes (${c.maxSizeBytes}) without a disk tier` : `must be ≤ cache.maxDiskBytes (${maxDiskBytes}) or cache.maxSizeBytes (${c.maxSizeBytes})`,
      );
    }
  })
  .transform((c) => {
    const { maxDiskBytes, maxObjectBytes } = objectLimit(c);
    // fillBudgetBytes and maxDiskBytes stay optional in the type: hand-built configs need not set them.
    c.fillBudgetBytes ??= defaultOf<number>(cacheFields.fillBudgetBytes);
    c.maxDiskBytes = maxDiskBytes;
    return { ...c, maxObjectBytes };
  });

export const edgeConfigFields = {
  pop: doc(text().default('BKT1-C1'), { description: 'The X-Amz-Cf-Pop value, e.g. `PHX50-C2`.', default: 'BKT1-C1' }),
  productWord: doc(text().default('cloudfront'), { description: 'The word in `X-Cache: Hit from <productWord>`.', default: 'cloudfront' }),
  cache: doc(absentIsEmpty(cache), { description: 'The cache of each worker and of the host.' }),
  viewerSendTimeout: doc(integer(1, 3600).optional(), {
    description: 'Seconds a response may make no write progress to its viewer before the connection is closed (nginx send_timeout).',
    default: 60,
  }),
  peers: doc(
    stringList()
      .default(() => [])
      .superRefine((peers, ctx) => {
        peers.forEach((p, i) => {
          if (!isHttpUrl(p)) problem(ctx, [i], 'must be an http(s) URL');
        });
      }),
    { description: 'Control URLs of the other edges (invalidations and published functions fan out to them).', default: [], type: 'string[]' },
  ),
  distributions: doc(z.array(distribution, { error: (iss) => (iss.input === undefined ? 'is required' : 'must be an array') }).min(1, { error: 'at least one distribution is required' }), {
    description: 'The distributions (at least one).',
  }),
  functions: doc(
    list(
      fields(functionFields).superRefine((f, ctx) => {
        if ((f.code === undefined) === (f.file === undefined)) problem(ctx, [], 'give exactly one of code and file');
      }),
    ).optional(),
    { description: 'CloudFront Functions, LIVE from the start.' },
  ),
  keyValueStores: doc(
    list(
      fields(keyValueStoreFields).superRefine((k, ctx) => {
        if (k.data !== undefined && k.file !== undefined) problem(ctx, [], 'give data or file, not both');
      }),
    ).optional(),
    { description: 'CloudFront KeyValueStores the functions read.' },
  ),
};

/** CloudFront's key value store ids (CreateKeyValueStore): UUIDs. */
const API_STORE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const edgeConfigSchema = fields(edgeConfigFields)
  .superRefine((c, ctx) => {
    const ids = new Set<string>();
    const aliases = new Map<string, string>();
    c.distributions.forEach((d, i) => {
      if (ids.has(d.id)) problem(ctx, ['distributions', i, 'id'], `duplicate distribution id '${d.id}'`);
      ids.add(d.id);
      d.aliases.forEach((a, j) => {
        const other = aliases.get(a);
        if (other !== undefined) problem(ctx, ['distributions', i, 'aliases', j], `'${a}' is already an alias of ${other}`);
        aliases.set(a, d.id);
      });
    });
    const names = new Set<string>();
    c.functions?.forEach((f, i) => {
      if (names.has(f.name)) problem(ctx, ['functions', i, 'name'], `duplicate function '${f.name}'`);
      names.add(f.name);
    });
    const storeNames = new Set(c.keyValueStores?.map((s) => s.name));
    c.functions?.forEach((f, i) => {
      if (f.keyValueStoreAssociations.length > 1) problem(ctx, ['functions', i, 'keyValueStoreAssociations'], 'a function reads at most one key value store');
      f.keyValueStoreAssociations.forEach((k, j) => {
        const name = k.slice(k.lastIndexOf('/') + 1);
        // A UUID names a store created through the control API (CreateKeyValueStore): read when it exists.
        if (!storeNames.has(name) && !API_STORE_ID.test(name))
          problem(ctx, ['functions', i, 'keyValueStoreAssociations', j], `no key value store named '${name}' in keyValueStores (nor the id of one created through the API)`);
      });
    });
    // An association may name a function that is not in `functions`: one published later through
    // the control API (PublishFunction). Until then the behavior runs none (startEdge warns once).
  })
  .transform(({ functions, keyValueStores, ...c }) => {
    c.viewerSendTimeout ??= defaultOf<number>(edgeConfigFields.viewerSendTimeout); // optional in the type: hand-built configs need not set it
    return {
      ...c,
      ...(functions !== undefined && functions.length > 0 ? { functions } : {}),
      ...(keyValueStores !== undefined && keyValueStores.length > 0 ? { keyValueStores } : {}),
    };
  });
export const CONFIG_DEFAULTS = Object.freeze({
  pop: defaultOf<string>(edgeConfigFields.pop),
  productWord: defaultOf<string>(edgeConfigFields.productWord),
  /** Per worker. Edge memory ≈ workers × (maxSizeBytes + fillBudgetBytes + Node baseline), README. */
  maxSizeBytes: defaultOf<number>(cacheFields.maxSizeBytes),
  maxObjectBytes: defaultOf<number>(cacheFields.maxObjectBytes),
  /** Per worker: bytes all fills in flight may buffer together; beyond it responses stream uncached. */
  fillBudgetBytes: defaultOf<number>(cacheFields.fillBudgetBytes),
  /** The shared (disk) tier of one host: bodies as files plus an index, LRU-evicted beyond this. */
  maxDiskBytes: defaultOf<number>(cacheFields.maxDiskBytes),
  minTTL: defaultOf<number>(behaviorFields.minTTL),
  defaultTTL: defaultOf<number>(behaviorFields.defaultTTL),
  maxTTL: defaultOf<number>(behaviorFields.maxTTL),
  connectionTimeout: defaultOf<number>(originFields.connectionTimeout),
  connectionAttempts: defaultOf<number>(originFields.connectionAttempts),
  responseTimeout: defaultOf<number>(originFields.responseTimeout),
  keepaliveTimeout: defaultOf<number>(originFields.keepaliveTimeout),
  errorCachingMinTTL: defaultOf<number>(customErrorResponseFields.errorCachingMinTTL),
  /** Seconds without write progress to a viewer before its connection is closed (server.ts). */
  viewerSendTimeout: defaultOf<number>(edgeConfigFields.viewerSendTimeout),
});

/** The documented objects, for the README table: where each object's fields are written. */
export const CONFIG_OBJECTS: ReadonlyArray<{ path: string; fields: z.ZodRawShape }> = [
  { path: '', fields: edgeConfigFields },
  { path: 'cache.', fields: cacheFields },
  { path: 'distributions[].', fields: distributionFields },
  { path: 'distributions[].origins[].', fields: originFields },
  { path: 'distributions[].originGroups[].', fields: originGroupFields },
  { path: 'distributions[].originGroups[].failoverCriteria.', fields: failoverCriteriaFields },
  { path: 'distributions[].defaultCacheBehavior / cacheBehaviors[].', fields: { pathPattern, ...behaviorFields } },
  { path: '….cacheKey.', fields: cacheKeyFields },
  { path: '….functionAssociations[].', fields: functionAssociationFields },
  { path: 'distributions[].customErrorResponses[].', fields: customErrorResponseFields },
  { path: 'functions[].', fields: functionFields },
  { path: 'keyValueStores[].', fields: keyValueStoreFields },
];
