/**
 * A DistributionSpec (what CreateDistribution / UpdateDistribution sent, distribution-request.ts)
 * → the edge's own distribution configuration (config/schema.ts), checked with CloudFront's
 * error codes first and then by the same validation as the configuration file.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateDistribution.html#API_CreateDistribution_Errors
 */
import { functionNameOf, validateEdgeConfig, EdgeConfigError } from '../config/validate.js';
import { ControlError, errors } from './errors.js';
import type { BehaviorSpec, DistributionSpec, LoggingSpec, OriginSpec } from './distribution-request.js';
import { isBucketName, isLogPrefix, logBucketName } from '../config/logging-fields.js';
import type { DistributionConfig, EdgeConfig } from './runtime-types.js';

/**
 * The managed cache policies the edge knows, by id: their TTLs and cache key.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html
 */
export const MANAGED_CACHE_POLICIES: Record<string, { name: string; minTTL: number; defaultTTL: number; maxTTL: number; queryStrings: 'none' | 'all'; compress: boolean }> = {
  '658327ea-f89d-4fab-a63d-7e88639e58f6': { name: 'CachingOptimized', minTTL: 1, defaultTTL: 86400, maxTTL: 31536000, queryStrings: 'none', compress: true },
  '4135ea2d-6df8-44a3-9df3-4b5a84be39ad': { name: 'CachingDisabled', minTTL: 0, defaultTTL: 0, maxTTL: 0, queryStrings: 'none', compress: false },
  'b2884449-e4de-46a7-ac36-70bc7f1ddd6d': { name: 'CachingOptimizedForUncompressedObjects', minTTL: 1, defaultTTL: 86400, maxTTL: 31536000, queryStrings: 'none', compress: false },
  '83da9c7e-98b4-4e11-a168-04f0df8e2c65': { name: 'UseOriginCacheControlHeaders', minTTL: 0, defaultTTL: 0, maxTTL: 31536000, queryStrings: 'none', compress: true },
  '4cc15a8a-d715-48a4-82b8-cc0b614638fe': { name: 'UseOriginCacheControlHeaders-QueryStrings', minTTL: 0, defaultTTL: 0, maxTTL: 31536000, queryStrings: 'all', compress: true },
};

/** CloudFront's quotas: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html */
export const MAX_CNAMES = 100;
const MAX_ORIGINS = 25;
const MAX_COMMENT = 128;
/** A host name (RFC 1123 labels), optionally `*.` first as CloudFront allows. */
const CNAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/;
const DOMAIN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export interface SpecContext {
  config: EdgeConfig;
  /** Every other distribution (configured or created through the API): aliases must be unique. */
  others: readonly DistributionConfig[];
  /** Whether a function of this name runs (configured, or published through the API). */
  functionExists(name: string): boolean;
}

/** `originAddresses` (config): where to connect for an origin domain name, like curl --resolve. */
export function originAddressFor(config: EdgeConfig, domain: string): string | undefined {
  const map = config.originAddresses ?? {};
  const exact = map[domain];
  if (exact !== undefined) return exact;
  for (const [pattern, target] of Object.entries(map)) {
    if (pattern.startsWith('*.') && domain.endsWith(pattern.slice(1))) return target;
  }
  return undefined;
}

function originUrl(config: EdgeConfig, o: OriginSpec): { url: string; hostHeader?: string } {
  // match-viewer has no viewer to match when the edge fills its cache: it connects over http.
  const https = o.protocolPolicy === 'https-only';
  const target = originAddressFor(config, o.domainName);
  const path = o.originPath.replace(/\/$/, '');
  if (target !== undefined) return { url: `${https && o.kind === 'custom' ? 'https' : 'http'}://${target}${path}`, hostHeader: o.domainName };
  const port = https ? o.httpsPort : o.httpPort;
  return { url: `${https ? 'https' : 'http'}://${o.domainName}${port === (https ? 443 : 80) ? '' : `:${port}`}${path}` };
}

function checkOrigin(o: OriginSpec): void {
  if (!DOMAIN.test(o.domainName) || o.domainName.length > 253) throw new ControlError('InvalidOrigin', 400, `The specified origin server does not exist or is not valid: '${o.domainName}'.`);
  if (o.originPath !== '' && (!o.originPath.startsWith('/') || o.originPath.endsWith('/'))) throw errors.invalidArgument(`OriginPath '${o.originPath}' must start with '/' and must not end with '/'.`);
  for (const [name, port] of [
    ['HTTPPort', o.httpPort],
    ['HTTPSPort', o.httpsPort],
  ] as const) {
    if (port < 1 || port > 65535) throw errors.invalidArgument(`${name} ${port} is not a valid port.`);
  }
}

function behaviorRaw(b: BehaviorSpec, origins: ReadonlySet<string>, ctx: SpecContext): Record<string, unknown> {
  if (!origins.has(b.targetOriginId)) throw new ControlError('NoSuchOrigin', 404, `No origin has the Id '${b.targetOriginId}' (TargetOriginId).`);
  const raw: Record<string, unknown> = {
    targetOriginId: b.targetOriginId,
    viewerProtocolPolicy: b.viewerProtocolPolicy,
    allowedMethods: b.allowedMethods,
    cachedMethods: b.cachedMethods,
    compress: b.compress,
  };
  if (b.pathPattern !== undefined) raw['pathPattern'] = b.pathPattern;
  if (b.cachePolicyId !== undefined) {
    const policy = MANAGED_CACHE_POLICIES[b.cachePolicyId];
    if (!policy)
      throw new ControlError(
        'NoSuchCachePolicy',
        404,
        `The cache policy ${b.cachePolicyId} does not exist (the edge knows the managed policies: ${Object.values(MANAGED_CACHE_POLICIES)
          .map((p) => p.name)
          .join(', ')}).`,
      );
    Object.assign(raw, { minTTL: policy.minTTL, defaultTTL: policy.defaultTTL, maxTTL: policy.maxTTL, cacheKey: { queryStrings: policy.queryStrings } });
  } else {
    const f = b.forwardedValues!;
    const minTTL = b.minTTL ?? 0;
    const defaultTTL = b.defaultTTL ?? Math.max(86400, minTTL);
    const maxTTL = b.maxTTL ?? Math.max(31536000, defaultTTL);
    if (minTTL > defaultTTL || defaultTTL > maxTTL) throw new ControlError('InvalidTTLOrder', 400, 'The TTL order specified in CacheBehavior is not valid: MinTTL ≤ DefaultTTL ≤ MaxTTL.');
    Object.assign(raw, {
      minTTL,
      defaultTTL,
      maxTTL,
      cacheKey: {
        queryStrings: !f.queryString ? 'none' : f.queryStringCacheKeys.length > 0 ? { behavior: 'whitelist', items: f.queryStringCacheKeys } : 'all',
        headers: f.headers.length > 0 ? { behavior: 'whitelist', items: f.headers } : 'none',
        cookies: f.cookies.forward === 'whitelist' ? { behavior: 'whitelist', items: f.cookies.names } : f.cookies.forward,
      },
    });
  }
  if (b.functionAssociations.length > 0) {
    for (const a of b.functionAssociations) {
      const name = functionNameOf(a.functionArn);
      if (!ctx.functionExists(name)) throw new ControlError('InvalidFunctionAssociation', 400, `The function ${name} does not exist or is not published (PublishFunction).`);
    }
    raw['functionAssociations'] = b.functionAssociations;
  }
  return raw;
}

/**
 * Logging of a distribution created through the API: the bucket is one of `standardLogs` (an S3
 * endpoint's or a folder of a directory), which the edge configuration file must name.
 */
function loggingRaw(l: LoggingSpec, ctx: SpecContext): Record<string, unknown> {
  if (ctx.config.standardLogs === undefined) throw errors.invalidArgument('Standard logging needs standardLogs in the edge configuration file (where log files go: an S3 endpoint or a directory).');
  if (!isBucketName(logBucketName(l.bucket))) throw errors.invalidArgument(`The S3 bucket that you specified for CloudFront logs is not valid: '${l.bucket}'.`);
  if (!isLogPrefix(l.prefix)) throw errors.invalidArgument(`The log prefix '${l.prefix}' is not valid: it must not start with '/', name '..' or hold control characters.`);
  return { bucket: l.bucket, prefix: l.prefix, includeCookies: l.includeCookies };
}

/** The edge's distribution `id` for `spec`; throws CloudFront's error for the first problem. */
export function distributionFromSpec(id: string, spec: DistributionSpec, ctx: SpecContext): DistributionConfig {
  if (spec.callerReference === '') throw errors.invalidArgument('CallerReference must not be empty.');
  if (spec.comment.length > MAX_COMMENT) throw errors.invalidArgument(`The comment is longer than ${MAX_COMMENT} characters.`);
  if (spec.aliases.length > MAX_CNAMES) throw new ControlError('TooManyDistributionCNAMEs', 400, `Your request contains more CNAMEs than are allowed per distribution (${MAX_CNAMES}).`);
  for (const a of spec.aliases) if (!CNAME.test(a) || a.length > 253) throw new ControlError('InvalidArgument', 400, `The parameter CNAME contains an invalid value: '${a}'.`);
  if (new Set(spec.aliases).size !== spec.aliases.length) throw errors.invalidArgument('The same CNAME is given twice.');
  for (const other of ctx.others) {
    const taken = spec.aliases.find((a) => other.aliases.includes(a));
    if (taken !== undefined)
      throw new ControlError('CNAMEAlreadyExists', 409, `One or more of the CNAMEs you provided are already associated with a different resource ('${taken}' belongs to ${other.id}).`);
  }
  if (spec.defaultRootObject.startsWith('/')) throw new ControlError('InvalidDefaultRootObject', 400, "The specified default root object is invalid: it must not start with '/'.");
  if (spec.origins.length === 0) throw errors.invalidArgument('A distribution needs at least one origin (Origins Quantity ≥ 1).');
  if (spec.origins.length > MAX_ORIGINS) throw new ControlError('TooManyOrigins', 400, `You cannot create more than ${MAX_ORIGINS} origins for a distribution.`);
  const ids = new Set<string>();
  for (const o of spec.origins) {
    checkOrigin(o);
    if (ids.has(o.id)) throw errors.invalidArgument(`Two origins have the Id '${o.id}'.`);
    ids.add(o.id);
  }
  const raw = {
    id,
    ...(spec.logging?.enabled ? { logging: loggingRaw(spec.logging, ctx) } : {}),
    aliases: spec.aliases,
    ...(spec.defaultRootObject === '' ? {} : { defaultRootObject: spec.defaultRootObject }),
    comment: spec.comment,
    enabled: spec.enabled,
    origins: spec.origins.map((o) => ({
      id: o.id,
      ...originUrl(ctx.config, o),
      connectionTimeout: o.connectionTimeout,
      connectionAttempts: o.connectionAttempts,
      responseTimeout: o.readTimeout,
      keepaliveTimeout: o.keepaliveTimeout,
    })),
    defaultCacheBehavior: behaviorRaw(spec.defaultCacheBehavior, ids, ctx),
    cacheBehaviors: spec.cacheBehaviors.map((b) => behaviorRaw(b, ids, ctx)),
    customErrorResponses: spec.customErrorResponses.map((e) => ({
      errorCode: e.errorCode,
      ...(e.responsePagePath === '' ? {} : { responsePagePath: e.responsePagePath }),
      ...(e.responseCode === '' ? {} : { responseCode: e.responseCode }),
      errorCachingMinTTL: e.errorCachingMinTTL,
    })),
  };
  try {
    return validateEdgeConfig({ distributions: [raw], ...(ctx.config.standardLogs ? { standardLogs: ctx.config.standardLogs } : {}) }).distributions[0]!;
  } catch (err) {
    if (err instanceof EdgeConfigError) throw errors.invalidArgument(err.problems.map((p) => p.replace(/^distributions\[0\]\./, '')).join('; '));
    throw err;
  }
}
