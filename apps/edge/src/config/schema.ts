/**
 * The edge configuration, written once (with its parts schema-fields.ts and behavior-schema.ts):
 * every field's type, limits, default and description.
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
import { MiB, doc, defaultOf, text, integer, decimal, flag, stringList, list, absentIsEmpty, isObj, fields, problem, isHttpUrl } from './schema-fields.js';
import { caFile, viewerCertificate, viewerCertificateFields } from './tls-fields.js';
import { distributionLogging, distributionLoggingFields, standardLogs, standardLogsFields, standardLogsS3Fields } from './logging-fields.js';
import { cacheKeyFields, FUNCTION_NAME, functionAssociationFields, behaviorFields, pathPattern, cacheBehavior, defaultCacheBehavior } from './behavior-schema.js';

// ---- origins, groups, error responses ------------------------------------------------------

const originFields = {
  id: doc(text(true), { description: 'Unique within the distribution.' }),
  url: doc(text(true).refine(isHttpUrl, { error: 'must be an http(s) URL' }), {
    description: "http(s) URL of the origin; a path prefix (CloudFront OriginPath) is prepended to every request path. An https origin's certificate is verified for the URL's host name.",
  }),
  hostHeader: doc(text().optional(), { description: 'Host header sent to the origin.', default: "the URL's host" }),
  connectionTimeout: doc(decimal(1, 10).default(10), { description: 'Seconds, 1–10.', default: 10 }),
  connectionAttempts: doc(integer(1, 3).default(3), { description: '1–3.', default: 3 }),
  responseTimeout: doc(decimal(1, 60).default(30), { description: 'Seconds, 1–60.', default: 30 }),
  keepaliveTimeout: doc(decimal(1, 60).default(5), { description: 'Seconds, 1–60.', default: 5 }),
  caFile: caFile('PEM file of certificate authorities trusted for this https origin, besides the usual public ones (relative to the configuration file).'),
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
  viewerCertificate,
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
  logging: distributionLogging,
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
  originCaFile: caFile("PEM file of certificate authorities trusted for every https origin, besides the usual public ones (relative to the configuration file); an origin's caFile replaces it."),
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
  originAddresses: doc(
    z
      .record(z.string().regex(/^(\*\.)?[a-z0-9.-]+$/i, { error: 'must be a host name, or *. and a domain' }), text(true).regex(/^[^/\s]+:\d{1,5}$/, { error: 'must be host:port' }), {
        error: 'must be an object of host name → host:port',
      })
      .optional(),
    {
      description:
        'Where the edge connects for the origin domain names of distributions created through the control API, like curl --resolve: `{ "*.s3-website-us-east-1.localhost": "127.0.0.1:9000" }` (the Host header stays the domain name; `*.` matches any sub-domain). Others connect to the domain name and port of the origin.',
      type: 'object',
    },
  ),
  standardLogs,
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
    if (c.standardLogs === undefined) {
      c.distributions.forEach((d, i) => {
        if (d.logging !== undefined) problem(ctx, ['distributions', i, 'logging'], 'needs standardLogs (where the log files go: s3 or directory)');
      });
    }
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
  { path: 'distributions[].viewerCertificate.', fields: viewerCertificateFields },
  { path: 'distributions[].origins[].', fields: originFields },
  { path: 'distributions[].originGroups[].', fields: originGroupFields },
  { path: 'distributions[].originGroups[].failoverCriteria.', fields: failoverCriteriaFields },
  { path: 'distributions[].defaultCacheBehavior / cacheBehaviors[].', fields: { pathPattern, ...behaviorFields } },
  { path: '….cacheKey.', fields: cacheKeyFields },
  { path: '….functionAssociations[].', fields: functionAssociationFields },
  { path: 'distributions[].customErrorResponses[].', fields: customErrorResponseFields },
  { path: 'distributions[].logging.', fields: distributionLoggingFields },
  { path: 'standardLogs.', fields: standardLogsFields },
  { path: 'standardLogs.s3.', fields: standardLogsS3Fields },
  { path: 'functions[].', fields: functionFields },
  { path: 'keyValueStores[].', fields: keyValueStoreFields },
];
