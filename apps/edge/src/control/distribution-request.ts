/**
 * The request documents of CreateDistribution / UpdateDistribution (`DistributionConfig`) and
 * CreateDistributionWithTags (`DistributionConfigWithTags`), read into a DistributionSpec: what the
 * caller sent, in CloudFront's terms (kept as sent, so GetDistributionConfig answers it back and a
 * repeated CallerReference can be compared). distribution-spec.ts turns it into the edge's own
 * distribution configuration.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DistributionConfig.html
 */
import { errors } from './errors.js';
import { isXmlObject, leafText, parseRequestDocument, type XmlObject } from './request-xml.js';

export interface OriginSpec {
  id: string;
  domainName: string;
  originPath: string;
  /** S3OriginConfig (a bucket's REST endpoint) or CustomOriginConfig (any HTTP server, e.g. a website endpoint). */
  kind: 's3' | 'custom';
  httpPort: number;
  httpsPort: number;
  protocolPolicy: 'http-only' | 'https-only' | 'match-viewer';
  readTimeout: number;
  keepaliveTimeout: number;
  connectionAttempts: number;
  connectionTimeout: number;
}

export interface ForwardedValuesSpec {
  queryString: boolean;
  queryStringCacheKeys: string[];
  cookies: { forward: 'none' | 'all' | 'whitelist'; names: string[] };
  headers: string[];
}

export interface BehaviorSpec {
  pathPattern?: string;
  targetOriginId: string;
  viewerProtocolPolicy: string;
  allowedMethods: string[];
  cachedMethods: string[];
  compress: boolean;
  /** A managed cache policy (distribution-spec.ts MANAGED_CACHE_POLICIES), else the legacy settings below. */
  cachePolicyId?: string;
  forwardedValues?: ForwardedValuesSpec;
  minTTL?: number;
  defaultTTL?: number;
  maxTTL?: number;
  functionAssociations: Array<{ eventType: string; functionArn: string }>;
}

export interface ErrorResponseSpec {
  errorCode: number;
  responsePagePath: string;
  responseCode: string;
  errorCachingMinTTL: number;
}

/** DistributionConfig.Logging as sent (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_LoggingConfig.html). */
export interface LoggingSpec {
  enabled: boolean;
  includeCookies: boolean;
  bucket: string;
  prefix: string;
}

export interface DistributionSpec {
  callerReference: string;
  aliases: string[];
  defaultRootObject: string;
  origins: OriginSpec[];
  defaultCacheBehavior: BehaviorSpec;
  cacheBehaviors: BehaviorSpec[];
  customErrorResponses: ErrorResponseSpec[];
  comment: string;
  priceClass: string;
  enabled: boolean;
  /** Absent in distributions stored before logging was supported: disabled. */
  logging?: LoggingSpec;
}

export interface Tag {
  Key: string;
  Value: string;
}

/** Elements read as lists wherever they appear. */
const LISTS = [
  'Origin',
  'CacheBehavior',
  'Method',
  'CNAME',
  'Name',
  'FunctionAssociation',
  'LambdaFunctionAssociation',
  'CustomErrorResponse',
  'Tag',
  'OriginCustomHeader',
  'SslProtocol',
  'OriginGroup',
];

const PRICE_CLASSES = ['PriceClass_100', 'PriceClass_200', 'PriceClass_All', 'None'];
const PROTOCOL_POLICIES = ['http-only', 'https-only', 'match-viewer'] as const;

// ---- reading helpers ------------------------------------------------------------------------

function child(parent: XmlObject, element: string): XmlObject | undefined {
  const v = parent[element];
  if (v === undefined) return undefined;
  if (v === '' || (isXmlObject(v) && Object.keys(v).every((k) => k === '#text'))) return {};
  if (!isXmlObject(v)) throw errors.malformedInput(`${element} must contain elements.`);
  return v;
}

function optionalText(parent: XmlObject, element: string): string | undefined {
  const v = parent[element];
  if (v === undefined) return undefined;
  const t = leafText(v);
  if (t === undefined) throw errors.malformedInput(`${element} must contain text only.`);
  return t;
}

function requiredText(parent: XmlObject, element: string, member: string): string {
  const t = optionalText(parent, element);
  if (t === undefined) throw errors.missingMember(member);
  return t;
}

function bool(parent: XmlObject, element: string, member: string, fallback?: boolean): boolean {
  const t = optionalText(parent, element)?.trim();
  if (t === undefined) {
    if (fallback !== undefined) return fallback;
    throw errors.missingMember(member);
  }
  if (t !== 'true' && t !== 'false') throw errors.malformedInput(`${element} must be true or false, got '${t}'.`);
  return t === 'true';
}

function int(parent: XmlObject, element: string, member: string, fallback?: number): number {
  const t = optionalText(parent, element)?.trim();
  if (t === undefined) {
    if (fallback !== undefined) return fallback;
    throw errors.missingMember(member);
  }
  if (!/^-?\d+$/.test(t)) throw errors.malformedInput(`${element} must be an integer, got '${t}'.`);
  return Number(t);
}

function optionalInt(parent: XmlObject, element: string, member: string): number | undefined {
  return parent[element] === undefined ? undefined : int(parent, element, member);
}

/** `<X><Quantity>n</Quantity><Items><M>…</M></Items></X>`: the items (InconsistentQuantities when n differs). */
function items(parent: XmlObject, element: string, member: string, memberName: string, required = false): unknown[] {
  const list = child(parent, element);
  if (list === undefined) {
    if (required) throw errors.missingMember(member);
    return [];
  }
  const quantity = int(list, 'Quantity', `${member}.quantity`);
  const wrapper = child(list, 'Items');
  const raw = wrapper?.[memberName];
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (values.length !== quantity) throw errors.inconsistentQuantities();
  return values;
}

function textItems(parent: XmlObject, element: string, member: string, memberName: string): string[] {
  return items(parent, element, member, memberName).map((v) => {
    const t = leafText(v);
    if (t === undefined) throw errors.malformedInput(`${memberName} must contain text only.`);
    return t.trim();
  });
}

function objectItems(parent: XmlObject, element: string, member: string, memberName: string, required = false): XmlObject[] {
  return items(parent, element, member, memberName, required).map((v) => (isXmlObject(v) ? v : {}));
}

// ---- the document ---------------------------------------------------------------------------

function origin(o: XmlObject, i: number): OriginSpec {
  const m = `distributionConfig.origins.items.${i}`;
  if (objectItems(o, 'CustomHeaders', `${m}.customHeaders`, 'OriginCustomHeader').length > 0) {
    throw errors.invalidArgument('OriginCustomHeaders are not supported by the bucketfront edge.');
  }
  const custom = child(o, 'CustomOriginConfig');
  const s3 = child(o, 'S3OriginConfig');
  if (custom !== undefined && s3 !== undefined) throw errors.invalidArgument('An origin has either S3OriginConfig or CustomOriginConfig, not both.');
  const base = {
    id: requiredText(o, 'Id', `${m}.id`).trim(),
    domainName: requiredText(o, 'DomainName', `${m}.domainName`).trim().toLowerCase(),
    originPath: optionalText(o, 'OriginPath') ?? '',
    connectionAttempts: int(o, 'ConnectionAttempts', `${m}.connectionAttempts`, 3),
    connectionTimeout: int(o, 'ConnectionTimeout', `${m}.connectionTimeout`, 10),
  };
  if (custom === undefined) {
    return { ...base, kind: 's3', httpPort: 80, httpsPort: 443, protocolPolicy: 'https-only', readTimeout: 30, keepaliveTimeout: 5 };
  }
  const policy = requiredText(custom, 'OriginProtocolPolicy', `${m}.customOriginConfig.originProtocolPolicy`).trim();
  if (!(PROTOCOL_POLICIES as readonly string[]).includes(policy)) throw errors.invalidArgument(`OriginProtocolPolicy must be one of ${PROTOCOL_POLICIES.join(', ')}, got '${policy}'.`);
  return {
    ...base,
    kind: 'custom',
    httpPort: int(custom, 'HTTPPort', `${m}.customOriginConfig.hTTPPort`),
    httpsPort: int(custom, 'HTTPSPort', `${m}.customOriginConfig.hTTPSPort`),
    protocolPolicy: policy as OriginSpec['protocolPolicy'],
    readTimeout: int(custom, 'OriginReadTimeout', `${m}.customOriginConfig.originReadTimeout`, 30),
    keepaliveTimeout: int(custom, 'OriginKeepaliveTimeout', `${m}.customOriginConfig.originKeepaliveTimeout`, 5),
  };
}

function forwardedValues(f: XmlObject, m: string): ForwardedValuesSpec {
  const cookies = child(f, 'Cookies');
  if (cookies === undefined) throw errors.missingMember(`${m}.cookies`);
  const forward = requiredText(cookies, 'Forward', `${m}.cookies.forward`).trim();
  if (forward !== 'none' && forward !== 'all' && forward !== 'whitelist') throw errors.invalidArgument(`Cookies Forward must be none, all or whitelist, got '${forward}'.`);
  return {
    queryString: bool(f, 'QueryString', `${m}.queryString`),
    queryStringCacheKeys: textItems(f, 'QueryStringCacheKeys', `${m}.queryStringCacheKeys`, 'Name'),
    cookies: { forward, names: textItems(cookies, 'WhitelistedNames', `${m}.cookies.whitelistedNames`, 'Name') },
    headers: textItems(f, 'Headers', `${m}.headers`, 'Name'),
  };
}

function behavior(b: XmlObject, m: string, withPattern: boolean): BehaviorSpec {
  if (objectItems(b, 'LambdaFunctionAssociations', `${m}.lambdaFunctionAssociations`, 'LambdaFunctionAssociation').length > 0) {
    throw errors.invalidArgument('Lambda@Edge associations are not supported by the bucketfront edge (use FunctionAssociations).');
  }
  const allowed = child(b, 'AllowedMethods');
  const allowedMethods = allowed ? textItems(b, 'AllowedMethods', `${m}.allowedMethods`, 'Method') : ['HEAD', 'GET'];
  const cached = allowed && child(allowed, 'CachedMethods') ? textItems(allowed, 'CachedMethods', `${m}.allowedMethods.cachedMethods`, 'Method') : ['HEAD', 'GET'];
  const f = child(b, 'ForwardedValues');
  const cachePolicyId = optionalText(b, 'CachePolicyId')?.trim() || undefined;
  if (f === undefined && cachePolicyId === undefined) throw errors.invalidArgument('The parameter ForwardedValues is required (or a CachePolicyId).');
  const spec: BehaviorSpec = {
    targetOriginId: requiredText(b, 'TargetOriginId', `${m}.targetOriginId`).trim(),
    viewerProtocolPolicy: requiredText(b, 'ViewerProtocolPolicy', `${m}.viewerProtocolPolicy`).trim(),
    allowedMethods,
    cachedMethods: cached,
    compress: bool(b, 'Compress', `${m}.compress`, false),
    functionAssociations: objectItems(b, 'FunctionAssociations', `${m}.functionAssociations`, 'FunctionAssociation').map((a, i) => ({
      eventType: requiredText(a, 'EventType', `${m}.functionAssociations.items.${i}.eventType`).trim(),
      functionArn: requiredText(a, 'FunctionARN', `${m}.functionAssociations.items.${i}.functionARN`).trim(),
    })),
  };
  if (withPattern) spec.pathPattern = requiredText(b, 'PathPattern', `${m}.pathPattern`).trim();
  if (cachePolicyId !== undefined) spec.cachePolicyId = cachePolicyId;
  if (f !== undefined) spec.forwardedValues = forwardedValues(f, `${m}.forwardedValues`);
  const minTTL = optionalInt(b, 'MinTTL', `${m}.minTTL`);
  const defaultTTL = optionalInt(b, 'DefaultTTL', `${m}.defaultTTL`);
  const maxTTL = optionalInt(b, 'MaxTTL', `${m}.maxTTL`);
  if (cachePolicyId === undefined && minTTL === undefined) throw errors.missingMember(`${m}.minTTL`);
  if (minTTL !== undefined) spec.minTTL = minTTL;
  if (defaultTTL !== undefined) spec.defaultTTL = defaultTTL;
  if (maxTTL !== undefined) spec.maxTTL = maxTTL;
  return spec;
}

/**
 * "If you specify false for Enabled but you specify values for Bucket and prefix, the values are
 * automatically deleted." (LoggingConfig)
 */
function loggingConfig(l: XmlObject, m: string): LoggingSpec {
  const enabled = bool(l, 'Enabled', `${m}.enabled`, false);
  const includeCookies = bool(l, 'IncludeCookies', `${m}.includeCookies`, false);
  if (!enabled) return { enabled, includeCookies, bucket: '', prefix: '' };
  return { enabled, includeCookies, bucket: (optionalText(l, 'Bucket') ?? '').trim(), prefix: optionalText(l, 'Prefix') ?? '' };
}

function distributionConfig(doc: XmlObject): DistributionSpec {
  const m = 'distributionConfig';
  if (objectItems(doc, 'OriginGroups', `${m}.originGroups`, 'OriginGroup').length > 0) {
    throw errors.invalidArgument('OriginGroups are not supported through the API yet: define failover distributions in the edge configuration file.');
  }
  const dcb = child(doc, 'DefaultCacheBehavior');
  if (dcb === undefined) throw errors.missingMember(`${m}.defaultCacheBehavior`);
  const priceClass = (optionalText(doc, 'PriceClass') ?? 'PriceClass_All').trim();
  if (!PRICE_CLASSES.includes(priceClass)) throw errors.invalidArgument(`PriceClass must be one of ${PRICE_CLASSES.join(', ')}, got '${priceClass}'.`);
  const spec: DistributionSpec = {
    callerReference: requiredText(doc, 'CallerReference', `${m}.callerReference`),
    aliases: textItems(doc, 'Aliases', `${m}.aliases`, 'CNAME').map((a) => a.toLowerCase()),
    defaultRootObject: optionalText(doc, 'DefaultRootObject') ?? '',
    origins: objectItems(doc, 'Origins', `${m}.origins`, 'Origin', true).map(origin),
    defaultCacheBehavior: behavior(dcb, `${m}.defaultCacheBehavior`, false),
    cacheBehaviors: objectItems(doc, 'CacheBehaviors', `${m}.cacheBehaviors`, 'CacheBehavior').map((b, i) => behavior(b, `${m}.cacheBehaviors.items.${i}`, true)),
    customErrorResponses: objectItems(doc, 'CustomErrorResponses', `${m}.customErrorResponses`, 'CustomErrorResponse').map((e, i) => ({
      errorCode: int(e, 'ErrorCode', `${m}.customErrorResponses.items.${i}.errorCode`),
      responsePagePath: optionalText(e, 'ResponsePagePath') ?? '',
      responseCode: (optionalText(e, 'ResponseCode') ?? '').trim(),
      errorCachingMinTTL: int(e, 'ErrorCachingMinTTL', `${m}.customErrorResponses.items.${i}.errorCachingMinTTL`, 10),
    })),
    comment: requiredText(doc, 'Comment', `${m}.comment`),
    priceClass,
    enabled: bool(doc, 'Enabled', `${m}.enabled`),
  };
  const logging = child(doc, 'Logging');
  if (logging !== undefined) spec.logging = loggingConfig(logging, `${m}.logging`);
  return spec;
}

function tags(doc: XmlObject | undefined): Tag[] {
  if (doc === undefined) return [];
  const wrapper = child(doc, 'Items');
  const raw = wrapper?.['Tag'];
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return list.map((t, i) => {
    const tag = isXmlObject(t) ? t : {};
    return { Key: requiredText(tag, 'Key', `tags.items.${i}.key`), Value: optionalText(tag, 'Value') ?? '' };
  });
}

/** CreateDistribution / UpdateDistribution. */
export function parseDistributionConfig(body: Buffer): DistributionSpec {
  return distributionConfig(parseRequestDocument(body, 'DistributionConfig', LISTS));
}

/** CreateDistributionWithTags. */
export function parseDistributionConfigWithTags(body: Buffer): { spec: DistributionSpec; tags: Tag[] } {
  const doc = parseRequestDocument(body, 'DistributionConfigWithTags', LISTS);
  const config = child(doc, 'DistributionConfig');
  if (config === undefined) throw errors.missingMember('distributionConfigWithTags.distributionConfig');
  const t = child(doc, 'Tags');
  if (t === undefined) throw errors.missingMember('distributionConfigWithTags.tags');
  return { spec: distributionConfig(config), tags: tags(t) };
}

/** TagResource's `<Tags>` document. */
export function parseTags(body: Buffer): Tag[] {
  return tags(parseRequestDocument(body, 'Tags', LISTS));
}

/** UntagResource's `<TagKeys>` document. */
export function parseTagKeys(body: Buffer): string[] {
  const doc = parseRequestDocument(body, 'TagKeys', ['Key']);
  const wrapper = child(doc, 'Items');
  const raw = wrapper?.['Key'];
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return list.map((k) => {
    const t = leafText(k);
    if (t === undefined) throw errors.malformedInput('Key must contain text only.');
    return t;
  });
}
