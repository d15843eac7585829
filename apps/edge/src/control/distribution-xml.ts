/**
 * The edge configuration rendered in CloudFront's 2020-05-31 shapes:
 * DistributionSummary, Distribution and DistributionConfig. Fields bucketfront
 * has no notion of get CloudFront's defaults (no signers, default certificate,
 * no geo restriction, PriceClass_All, http1.1), so `aws cloudfront
 * get-distribution` and the SDKs parse every required member.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DistributionConfig.html
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DistributionSummary.html
 */
import { DEFAULT_MINIMUM_PROTOCOL_VERSION } from '../config/tls-fields.js';
import { createHash } from 'node:crypto';
import { functionNameOf } from '../config/validate.js';
import { defaultDomainName } from '../distribution-router.js';
import type { ApiDistribution } from './distribution-store.js';
import type { BehaviorSpec, OriginSpec } from './distribution-request.js';
import type { CacheBehaviorConfig, DistributionConfig, OriginConfig } from './runtime-types.js';
import { quantityList, type XmlNode } from './xml.js';

/** The account id in ARNs: bucketfront has no accounts. */
export const ACCOUNT_ID = '000000000000';

export interface DistributionMeta {
  lastModifiedTime: Date;
  inProgressInvalidationBatches: number;
  /** Distributions created through the API: Deployed once every worker and peer has the last change. */
  status?: 'InProgress' | 'Deployed';
  /** Distributions created through the API: as sent (CallerReference, origins, policies, …). */
  api?: ApiDistribution;
}

export function distributionArn(id: string): string {
  return `arn:aws:cloudfront::${ACCOUNT_ID}:distribution/${id}`;
}

/**
 * CloudFront's `d111111abcdef8.cloudfront.net` has no equivalent: the first alias,
 * else `<id>.bucketfront.localhost` (the edge routes by Host header to aliases).
 */
export function distributionDomainName(dist: DistributionConfig, api?: ApiDistribution): string {
  // Created through the API: like d111111abcdef8.cloudfront.net, never an alias (the router takes both).
  if (api) return defaultDomainName(dist.id);
  return dist.aliases[0] ?? defaultDomainName(dist.id);
}

/** A stable ETag per configuration (changes when the config does), shaped like CloudFront's `E2QWRUHAPOMQZL`. */
export function distributionETag(dist: DistributionConfig, api?: ApiDistribution): string {
  if (api) return api.etag;
  const digest = createHash('sha256').update(JSON.stringify(dist)).digest('hex').toUpperCase();
  return `E${digest.slice(0, 13)}`;
}

function originNode(origin: OriginConfig): XmlNode {
  const url = new URL(origin.url);
  const https = url.protocol === 'https:';
  const port = url.port ? Number(url.port) : https ? 443 : 80;
  const originPath = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return [
    ['Id', origin.id],
    ['DomainName', url.hostname],
    ['OriginPath', originPath],
    ['CustomHeaders', quantityList('OriginCustomHeader', [])],
    [
      'CustomOriginConfig',
      [
        ['HTTPPort', https ? 80 : port],
        ['HTTPSPort', https ? port : 443],
        ['OriginProtocolPolicy', https ? 'https-only' : 'http-only'],
        ['OriginSslProtocols', quantityList('SslProtocol', ['TLSv1.2'])],
        ['OriginReadTimeout', origin.responseTimeout],
        ['OriginKeepaliveTimeout', origin.keepaliveTimeout],
      ],
    ],
    ['ConnectionAttempts', origin.connectionAttempts],
    ['ConnectionTimeout', origin.connectionTimeout],
    ['OriginShield', [['Enabled', false]]],
    ['OriginAccessControlId', ''],
  ];
}

/** An origin as CreateDistribution / UpdateDistribution sent it. */
function originSpecNode(o: OriginSpec): XmlNode {
  const node: XmlNode = [
    ['Id', o.id],
    ['DomainName', o.domainName],
    ['OriginPath', o.originPath],
    ['CustomHeaders', quantityList('OriginCustomHeader', [])],
  ];
  if (o.kind === 's3') node.push(['S3OriginConfig', [['OriginAccessIdentity', '']]]);
  else
    node.push([
      'CustomOriginConfig',
      [
        ['HTTPPort', o.httpPort],
        ['HTTPSPort', o.httpsPort],
        ['OriginProtocolPolicy', o.protocolPolicy],
        ['OriginSslProtocols', quantityList('SslProtocol', ['TLSv1.2'])],
        ['OriginReadTimeout', o.readTimeout],
        ['OriginKeepaliveTimeout', o.keepaliveTimeout],
      ],
    ]);
  node.push(['ConnectionAttempts', o.connectionAttempts], ['ConnectionTimeout', o.connectionTimeout], ['OriginShield', [['Enabled', false]]], ['OriginAccessControlId', '']);
  return node;
}

/** Legacy ForwardedValues express the cache key in a form every client version knows. */
function forwardedValues(b: CacheBehaviorConfig): XmlNode {
  const { queryStrings, headers, cookies } = b.cacheKey;
  const cookieForward = cookies.behavior === 'none' ? 'none' : cookies.behavior === 'whitelist' ? 'whitelist' : 'all';
  const cookieNode: XmlNode = [['Forward', cookieForward]];
  if (cookieForward === 'whitelist') cookieNode.push(['WhitelistedNames', quantityList('Name', cookies.items)]);
  return [
    ['QueryString', queryStrings.behavior !== 'none'],
    ['Cookies', cookieNode],
    ['Headers', quantityList('Name', headers.behavior === 'whitelist' ? headers.items : [])],
    ['QueryStringCacheKeys', quantityList('Name', queryStrings.behavior === 'whitelist' ? queryStrings.items : [])],
  ];
}

function functionArn(arn: string): string {
  return arn.startsWith('arn:') ? arn : `arn:aws:cloudfront::${ACCOUNT_ID}:function/${functionNameOf(arn)}`;
}

function behaviorNode(b: CacheBehaviorConfig, withPathPattern: boolean, sent?: BehaviorSpec): XmlNode {
  const allowed = b.allowedMethods.length > 0 ? b.allowedMethods : ['GET', 'HEAD'];
  const cached = allowed.filter((m) => m === 'GET' || m === 'HEAD' || m === 'OPTIONS');
  const node: XmlNode = [];
  if (withPathPattern) node.push(['PathPattern', b.pathPattern]);
  node.push(
    ['TargetOriginId', b.targetOriginId],
    [
      'TrustedSigners',
      [
        ['Enabled', false],
        ['Quantity', 0],
      ],
    ],
    [
      'TrustedKeyGroups',
      [
        ['Enabled', false],
        ['Quantity', 0],
      ],
    ],
    ['ViewerProtocolPolicy', b.viewerProtocolPolicy ?? 'allow-all'],
    ['AllowedMethods', [...quantityList('Method', allowed), ['CachedMethods', quantityList('Method', cached.length ? cached : ['GET', 'HEAD'])]]],
    ['SmoothStreaming', false],
    ['Compress', b.compress],
    ['LambdaFunctionAssociations', quantityList('LambdaFunctionAssociation', [])],
    [
      'FunctionAssociations',
      quantityList(
        'FunctionAssociation',
        (b.functionAssociations ?? []).map(
          (a): XmlNode => [
            ['FunctionARN', functionArn(a.functionArn)],
            ['EventType', a.eventType],
          ],
        ),
      ),
    ],
    ['FieldLevelEncryptionId', ''],
  );
  // A managed cache policy replaces the legacy cache settings, as CloudFront answers it.
  if (sent?.cachePolicyId !== undefined) node.push(['CachePolicyId', sent.cachePolicyId]);
  else node.push(['ForwardedValues', forwardedValues(b)], ['MinTTL', b.minTTL], ['DefaultTTL', b.defaultTTL], ['MaxTTL', b.maxTTL]);
  return node;
}

/** LoggingConfig: a distribution without `logging` answers Enabled false and empty Bucket and Prefix, as CloudFront. */
function loggingNode(dist: DistributionConfig): XmlNode {
  const l = dist.logging;
  return [
    ['Enabled', l !== undefined],
    ['IncludeCookies', l?.includeCookies ?? false],
    ['Bucket', l?.bucket ?? ''],
    ['Prefix', l?.prefix ?? ''],
  ];
}

/** Members shared by DistributionSummary and DistributionConfig, from Aliases to IsIPV6Enabled, by shape. */
function configBody(dist: DistributionConfig, kind: 'summary' | 'config', api?: ApiDistribution): XmlNode {
  const node: XmlNode = [];
  if (kind === 'config') node.push(['CallerReference', api?.spec.callerReference ?? `bucketfront-${dist.id}`]);
  node.push(['Aliases', quantityList('CNAME', dist.aliases)]);
  if (kind === 'config') node.push(['DefaultRootObject', dist.defaultRootObject ?? '']);
  node.push(
    [
      'Origins',
      [
        ['Quantity', dist.origins.length],
        ['Items', api ? api.spec.origins.map((o): [string, XmlNode] => ['Origin', originSpecNode(o)]) : dist.origins.map((o): [string, XmlNode] => ['Origin', originNode(o)])],
      ],
    ],
    [
      'OriginGroups',
      quantityList(
        'OriginGroup',
        dist.originGroups.map(
          (g): XmlNode => [
            ['Id', g.id],
            [
              'FailoverCriteria',
              [
                [
                  'StatusCodes',
                  [
                    ['Quantity', g.failoverCriteria.statusCodes.length],
                    ['Items', g.failoverCriteria.statusCodes.map((c): [string, number] => ['StatusCode', c])],
                  ],
                ],
              ],
            ],
            [
              'Members',
              [
                ['Quantity', 2],
                [
                  'Items',
                  [
                    ['OriginGroupMember', [['OriginId', g.primaryOriginId]]],
                    ['OriginGroupMember', [['OriginId', g.secondaryOriginId]]],
                  ],
                ],
              ],
            ],
          ],
        ),
      ),
    ],
    ['DefaultCacheBehavior', behaviorNode(dist.defaultCacheBehavior, false, api?.spec.defaultCacheBehavior)],
    [
      'CacheBehaviors',
      quantityList(
        'CacheBehavior',
        dist.cacheBehaviors.map((b, i) => behaviorNode(b, true, api?.spec.cacheBehaviors[i])),
      ),
    ],
    [
      'CustomErrorResponses',
      quantityList(
        'CustomErrorResponse',
        dist.customErrorResponses.map(
          (e): XmlNode => [
            ['ErrorCode', e.errorCode],
            ['ResponsePagePath', e.responsePagePath ?? ''],
            ['ResponseCode', e.responseCode === undefined ? '' : String(e.responseCode)],
            ['ErrorCachingMinTTL', e.errorCachingMinTTL],
          ],
        ),
      ),
    ],
    ['Comment', dist.comment ?? ''],
  );
  if (kind === 'config') node.push(['Logging', loggingNode(dist)]);
  node.push(
    ['PriceClass', api?.spec.priceClass ?? 'PriceClass_All'],
    ['Enabled', dist.enabled],
    [
      'ViewerCertificate',
      [
        ['CloudFrontDefaultCertificate', true],
        ['SSLSupportMethod', 'vip'],
        ['MinimumProtocolVersion', dist.viewerCertificate?.minimumProtocolVersion ?? DEFAULT_MINIMUM_PROTOCOL_VERSION],
        ['CertificateSource', 'cloudfront'],
      ],
    ],
    [
      'Restrictions',
      [
        [
          'GeoRestriction',
          [
            ['RestrictionType', 'none'],
            ['Quantity', 0],
          ],
        ],
      ],
    ],
    ['WebACLId', ''],
    ['HttpVersion', 'http1.1'],
    ['IsIPV6Enabled', false],
  );
  node.push(['Staging', false]);
  // The last member of DistributionConfig (2026), absent when tags are not extracted.
  // https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-by-tags.html
  if (kind === 'config' && dist.cacheTagConfig) node.push(['CacheTagConfig', [['HeaderName', dist.cacheTagConfig.headerName]]]);
  return node;
}

export function distributionConfigNode(dist: DistributionConfig, api?: ApiDistribution): XmlNode {
  return configBody(dist, 'config', api);
}

export function distributionSummaryNode(dist: DistributionConfig, meta: DistributionMeta): XmlNode {
  return [
    ['Id', dist.id],
    ['ARN', distributionArn(dist.id)],
    ['ETag', distributionETag(dist, meta.api)],
    ['Status', meta.status ?? 'Deployed'],
    ['LastModifiedTime', meta.lastModifiedTime],
    ['DomainName', distributionDomainName(dist, meta.api)],
    ...configBody(dist, 'summary', meta.api),
  ];
}

export function distributionNode(dist: DistributionConfig, meta: DistributionMeta): XmlNode {
  return [
    ['Id', dist.id],
    ['ARN', distributionArn(dist.id)],
    ['Status', meta.status ?? 'Deployed'],
    ['LastModifiedTime', meta.lastModifiedTime],
    ['InProgressInvalidationBatches', meta.inProgressInvalidationBatches],
    ['DomainName', distributionDomainName(dist, meta.api)],
    [
      'ActiveTrustedSigners',
      [
        ['Enabled', false],
        ['Quantity', 0],
      ],
    ],
    [
      'ActiveTrustedKeyGroups',
      [
        ['Enabled', false],
        ['Quantity', 0],
      ],
    ],
    ['DistributionConfig', distributionConfigNode(dist, meta.api)],
  ];
}
