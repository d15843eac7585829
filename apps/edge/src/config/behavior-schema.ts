/**
 * The edge configuration's cache behaviors and cache key (part of schema.ts): CloudFront's
 * CacheBehavior and cache policy fields, camelCase.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CacheBehavior.html
 */
import * as z from 'zod';
import { TTL_MAX, doc, text, integer, flag, stringList, list, absentIsEmpty, isObj, unknownField, fields, problem } from './schema-fields.js';
import { viewerProtocolPolicy } from './tls-fields.js';

// ---- the cache key -------------------------------------------------------------------------

export type KeyPartBehavior = 'none' | 'whitelist' | 'allExcept' | 'all';

/**
 * `queryStrings` / `headers` / `cookies` accept: `'none'` | `'all'` | an array of names (whitelist) |
 * `{ behavior, items }` with behavior none / whitelist / allExcept / all (headers: none / whitelist).
 */
export function keyPart<B extends KeyPartBehavior>(behaviors: readonly B[], description: string) {
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

export const cacheKeyFields = {
  queryStrings: keyPart(['none', 'whitelist', 'allExcept', 'all'] as const, 'Query string parameters in the cache key (and sent to the origin); behavior none, whitelist, allExcept or all.'),
  headers: keyPart(['none', 'whitelist'] as const, 'Request headers in the cache key (and sent to the origin): none or a list of at most 10 names.'),
  cookies: keyPart(['none', 'whitelist', 'allExcept', 'all'] as const, 'Cookies in the cache key (and sent to the origin); forwarding any makes a revalidation unconditional.'),
};

export const cacheKey = fields(cacheKeyFields).superRefine((k, ctx) => {
  if (k.headers.items.length > 10) problem(ctx, ['headers', 'items'], 'at most 10 headers');
  if (k.headers.items.join('').length > 1024) problem(ctx, ['headers', 'items'], 'at most 1024 characters of header names');
});

// ---- cache behaviors -----------------------------------------------------------------------

export const ALLOWED_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE']);
export const GET_HEAD = () => ['GET', 'HEAD'];
/** Upper-cased; an empty list is GET, HEAD. */
export const methods = () => stringList().transform((m) => (m.length === 0 ? GET_HEAD() : m.map((x) => x.toUpperCase())));

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

export const behaviorFields = {
  targetOriginId: doc(text(true), { description: 'The origin or origin group requests go to.' }),
  viewerProtocolPolicy,
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
export function behavior(pathPattern: z.ZodType<string>) {
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
export function ttls(b: { minTTL: number; maxTTL?: number | undefined; defaultTTL?: number | undefined }): { minTTL: number; maxTTL: number; defaultTTL: number } {
  const maxTTL = b.maxTTL ?? Math.max(31536000, b.minTTL);
  return { minTTL: b.minTTL, maxTTL, defaultTTL: b.defaultTTL ?? Math.min(Math.max(86400, b.minTTL), maxTTL) };
}

export const pathPattern = doc(text(true).max(255, { error: 'at most 255 characters' }), {
  description: 'Path pattern (`*` and `?`, case-sensitive; at most 255 characters); behaviors are tried in order, the first match wins. The default behavior has none (always `*`).',
});
export const cacheBehavior = behavior(pathPattern);
// A validated config carries `pathPattern: '*'` here; anything else would be ignored.
export const defaultCacheBehavior = behavior(
  z
    .custom<string>((v) => v === '*', { error: "the default behavior always matches '*' (put other patterns in cacheBehaviors)" })
    .optional()
    .transform(() => '*'),
);
