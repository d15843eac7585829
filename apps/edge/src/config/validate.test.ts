import { describe, expect, it } from 'vitest';
import { EdgeConfigError, validateEdgeConfig } from './validate.js';
import { parseEdgeConfig } from './load.js';

const good = () => ({
  pop: 'PHX50-C2',
  distributions: [
    {
      id: 'E1',
      aliases: ['www.example.com'],
      origins: [{ id: 'site', url: 'http://127.0.0.1:9000', hostHeader: 'site.s3-website-us-east-1.localhost' }],
      defaultCacheBehavior: { targetOriginId: 'site' },
    },
  ],
});

type Config = ReturnType<typeof good>;
/** A case's change: these fields merged into the first origin. */
const originWith = (fields: object) => (c: Config) => {
  Object.assign(c.distributions[0]!.origins[0]!, fields);
};
/** A case's change: these fields merged into the default cache behavior. */
const defaultBehaviorWith = (fields: object) => (c: Config) => {
  Object.assign(c.distributions[0]!.defaultCacheBehavior, fields);
};
/** A case's change: these fields merged into the distribution. */
const distributionWith = (fields: object) => (c: Config) => {
  Object.assign(c.distributions[0]!, fields);
};

function problems(raw: unknown): string[] {
  try {
    validateEdgeConfig(raw);
  } catch (err) {
    if (err instanceof EdgeConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('validateEdgeConfig', () => {
  it('fills CloudFront defaults', () => {
    const c = validateEdgeConfig(good());
    const o = c.distributions[0]!.origins[0]!;
    expect(o).toMatchObject({ connectionTimeout: 10, connectionAttempts: 3, responseTimeout: 30, keepaliveTimeout: 5 });
    expect(c.distributions[0]!.defaultCacheBehavior).toMatchObject({ minTTL: 0, defaultTTL: 86400, maxTTL: 31536000, compress: true, allowedMethods: ['GET', 'HEAD'] });
    expect(c.productWord).toBe('cloudfront');
    expect(c.cache.maxSizeBytes).toBe(256 * 1024 * 1024);
    expect(c.viewerSendTimeout).toBe(60);
  });

  const cases: Array<[string, (c: Config) => void, string]> = [
    [
      'origin url',
      (c) => {
        (c.distributions[0]!.origins as unknown[]).push({ id: 'b', url: 'ftp://x' });
      },
      'distributions[0].origins[1].url: must be an http(s) URL',
    ],
    ['connectionTimeout range', originWith({ connectionTimeout: 11 }), 'distributions[0].origins[0].connectionTimeout: must be between 1 and 10'],
    ['connectionAttempts range', originWith({ connectionAttempts: 4 }), 'distributions[0].origins[0].connectionAttempts: must be between 1 and 3'],
    ['responseTimeout range', originWith({ responseTimeout: 61 }), 'distributions[0].origins[0].responseTimeout: must be between 1 and 60'],
    [
      'unknown target',
      (c) => {
        c.distributions[0]!.defaultCacheBehavior.targetOriginId = 'nope';
      },
      "distributions[0].defaultCacheBehavior.targetOriginId: no origin or origin group with id 'nope'",
    ],
    ['min > default', defaultBehaviorWith({ minTTL: 100, defaultTTL: 10 }), 'distributions[0].defaultCacheBehavior.defaultTTL: must be ≥ minTTL (100)'],
    ['behavior path pattern', distributionWith({ cacheBehaviors: [{ targetOriginId: 'site' }] }), 'distributions[0].cacheBehaviors[0].pathPattern: is required'],
    [
      'query string behavior',
      defaultBehaviorWith({ cacheKey: { queryStrings: { behavior: 'some' } } }),
      'distributions[0].defaultCacheBehavior.cacheKey.queryStrings.behavior: must be one of none, whitelist, allExcept, all',
    ],
    [
      'failover codes',
      distributionWith({ originGroups: [{ id: 'g', primaryOriginId: 'site', secondaryOriginId: 'site', failoverCriteria: { statusCodes: [418] } }] }),
      'distributions[0].originGroups[0].failoverCriteria.statusCodes[0]: must be one of 400, 403, 404, 416, 500, 502, 503, 504',
    ],
    [
      'custom error page path',
      distributionWith({ customErrorResponses: [{ errorCode: 404, responsePagePath: 'index.html', responseCode: 200 }] }),
      "distributions[0].customErrorResponses[0].responsePagePath: must start with '/'",
    ],
    [
      'distribution id',
      (c) => {
        c.distributions[0]!.id = 'e1';
      },
      "distributions[0].id: must be a CloudFront distribution id: E followed by upper-case letters and digits (e.g. EDFDVBD6EXAMPLE), got 'e1'",
    ],
    ['methods', defaultBehaviorWith({ allowedMethods: ['GET', 'HEAD', 'BREW'] }), "distributions[0].defaultCacheBehavior.allowedMethods[2]: unknown method 'BREW'"],
    [
      'cache object size',
      (c) => {
        Object.assign(c, { cache: { maxSizeBytes: 2048, maxObjectBytes: 4096, diskPath: false } });
      },
      'cache.maxObjectBytes: must be ≤ cache.maxSizeBytes (2048) without a disk tier',
    ],
    [
      'cache object size (disk tier)',
      (c) => {
        Object.assign(c, { cache: { maxSizeBytes: 2048, maxDiskBytes: 3000, maxObjectBytes: 4096 } });
      },
      'cache.maxObjectBytes: must be ≤ cache.maxDiskBytes (3000) or cache.maxSizeBytes (2048)',
    ],
    [
      'duplicate alias',
      (c) => {
        c.distributions.push({ ...c.distributions[0]!, id: 'E2' });
      },
      "distributions[1].aliases[0]: 'www.example.com' is already an alias of E1",
    ],
    [
      'cachedMethods',
      defaultBehaviorWith({ cachedMethods: ['GET', 'HEAD', 'OPTIONS'] }),
      'distributions[0].defaultCacheBehavior.cachedMethods: OPTIONS is cached only when allowedMethods includes it',
    ],
    [
      'peers',
      (c) => {
        Object.assign(c, { peers: ['not a url'] });
      },
      'peers[0]: must be an http(s) URL',
    ],
    [
      'viewerSendTimeout range',
      (c) => {
        Object.assign(c, { viewerSendTimeout: 0 });
      },
      'viewerSendTimeout: must be between 1 and 3600',
    ],
    [
      'viewerSendTimeout integer',
      (c) => {
        Object.assign(c, { viewerSendTimeout: 1.5 });
      },
      'viewerSendTimeout: must be an integer',
    ],
    // Limits that are checked (docs/cloudfront-caching.md#behaviors and #cache-key; CloudFront quotas).
    [
      'at most 25 cache behaviors',
      distributionWith({ cacheBehaviors: Array.from({ length: 26 }, (_, i) => ({ pathPattern: `/p${i}/*`, targetOriginId: 'site' })) }),
      'distributions[0].cacheBehaviors: at most 25 cache behaviors',
    ],
    [
      'pathPattern at most 255 characters',
      distributionWith({ cacheBehaviors: [{ pathPattern: '/' + 'a'.repeat(255), targetOriginId: 'site' }] }),
      'distributions[0].cacheBehaviors[0].pathPattern: at most 255 characters',
    ],
    [
      'at most 10 cache-key headers',
      defaultBehaviorWith({ cacheKey: { headers: Array.from({ length: 11 }, (_, i) => `x-h${i}`) } }),
      'distributions[0].defaultCacheBehavior.cacheKey.headers.items: at most 10 headers',
    ],
    ['keepaliveTimeout range', originWith({ keepaliveTimeout: 61 }), 'distributions[0].origins[0].keepaliveTimeout: must be between 1 and 60'],
    ['keepaliveTimeout below 1', originWith({ keepaliveTimeout: 0 }), 'distributions[0].origins[0].keepaliveTimeout: must be between 1 and 60'],
    ['missing errorCode', distributionWith({ customErrorResponses: [{ responsePagePath: '/e.html', responseCode: 200 }] }), 'distributions[0].customErrorResponses[0].errorCode: is required'],
    // Unknown fields, at every level, with a did-you-mean.
    ['unknown behavior field, other case', defaultBehaviorWith({ maxTtl: 5 }), 'distributions[0].defaultCacheBehavior.maxTtl: unknown field (did you mean maxTTL?)'],
    ['unknown behavior field, misspelt', defaultBehaviorWith({ compres: false }), 'distributions[0].defaultCacheBehavior.compres: unknown field (did you mean compress?)'],
    [
      'unknown root field',
      (c) => {
        Object.assign(c, { peer: [] });
      },
      'peer: unknown field (did you mean peers?)',
    ],
    [
      'unknown cache field',
      (c) => {
        Object.assign(c, { cache: { maxSizeByte: 4096 } });
      },
      'cache.maxSizeByte: unknown field (did you mean maxSizeBytes?)',
    ],
    ['unknown distribution field', distributionWith({ defaultRootObj: 'index.html' }), 'distributions[0].defaultRootObj: unknown field (did you mean defaultRootObject?)'],
    ['unknown origin field', originWith({ HostHeader: 'x' }), 'distributions[0].origins[0].HostHeader: unknown field (did you mean hostHeader?)'],
    [
      'unknown origin group field',
      distributionWith({ originGroups: [{ id: 'g', primaryOriginId: 'site', secondaryOriginId: 'site', failoverCriteria: { statusCodes: [500] }, members: [] }] }),
      'distributions[0].originGroups[0].members: unknown field (known: id, primaryOriginId, secondaryOriginId, failoverCriteria)',
    ],
    [
      'unknown failoverCriteria field',
      distributionWith({ originGroups: [{ id: 'g', primaryOriginId: 'site', secondaryOriginId: 'site', failoverCriteria: { statusCodes: [500], statusCode: [502] } }] }),
      'distributions[0].originGroups[0].failoverCriteria.statusCode: unknown field (did you mean statusCodes?)',
    ],
    [
      'unknown cache-behavior field',
      distributionWith({ cacheBehaviors: [{ pathPattern: '/a/*', targetOriginId: 'site', minTtl: 1 }] }),
      'distributions[0].cacheBehaviors[0].minTtl: unknown field (did you mean minTTL?)',
    ],
    ['unknown cacheKey field', defaultBehaviorWith({ cacheKey: { queryString: 'all' } }), 'distributions[0].defaultCacheBehavior.cacheKey.queryString: unknown field (did you mean queryStrings?)'],
    [
      'unknown cacheKey part field',
      defaultBehaviorWith({ cacheKey: { cookies: { behavior: 'whitelist', item: ['a'] } } }),
      'distributions[0].defaultCacheBehavior.cacheKey.cookies.item: unknown field (did you mean items?)',
    ],
    [
      'unknown custom error field',
      distributionWith({ customErrorResponses: [{ errorCode: 404, errorCachingMinTtl: 5 }] }),
      'distributions[0].customErrorResponses[0].errorCachingMinTtl: unknown field (did you mean errorCachingMinTTL?)',
    ],
    [
      'pathPattern on the default behavior',
      defaultBehaviorWith({ pathPattern: '/x/*' }),
      "distributions[0].defaultCacheBehavior.pathPattern: the default behavior always matches '*' (put other patterns in cacheBehaviors)",
    ],
  ];
  for (const [name, mutate, want] of cases) {
    it(name, () => {
      const c = good();
      mutate(c);
      expect(problems(c)).toContain(want);
    });
  }

  it('reports all problems at once', () => {
    const c = good();
    Object.assign(c.distributions[0]!.origins[0]!, { url: 'nope', connectionAttempts: 0 });
    expect(problems(c)).toHaveLength(2);
  });

  it('limits at their maximum are valid', () => {
    const c = good();
    const cacheBehaviors = Array.from({ length: 25 }, (_, i) => ({ pathPattern: `/${i}` + 'a'.repeat(254 - String(i).length), targetOriginId: 'site' }));
    Object.assign(c.distributions[0]!, { cacheBehaviors });
    Object.assign(c.distributions[0]!.origins[0]!, { keepaliveTimeout: 60 });
    Object.assign(c.distributions[0]!.defaultCacheBehavior, { cacheKey: { headers: Array.from({ length: 10 }, (_, i) => `x-h${i}`) } });
    expect(problems(c)).toEqual([]);
    expect(cacheBehaviors.every((b) => b.pathPattern.length === 255)).toBe(true);
  });

  it('an unknown field with nothing close lists the known ones', () => {
    const c = good();
    Object.assign(c.distributions[0]!.origins[0]!, { priority: 1 });
    expect(problems(c)).toEqual(['distributions[0].origins[0].priority: unknown field (known: id, url, hostHeader, connectionTimeout, connectionAttempts, responseTimeout, keepaliveTimeout, caFile)']);
  });

  it('a validated config validates again unchanged (workers re-validate what the primary sends)', () => {
    const c = good();
    Object.assign(c.distributions[0]!, {
      cacheBehaviors: [{ pathPattern: '/api/*', targetOriginId: 'site', cacheKey: { queryStrings: { behavior: 'allExcept', items: ['utm'] }, cookies: 'all' } }],
      customErrorResponses: [{ errorCode: 404, responsePagePath: '/index.html', responseCode: 200 }],
    });
    const once = validateEdgeConfig(c);
    expect(validateEdgeConfig(JSON.parse(JSON.stringify(once)))).toEqual(once);
  });

  it('missing distributions', () => {
    expect(problems({})).toContain('distributions: is required');
  });
});

describe('parseEdgeConfig', () => {
  it('YAML and JSON', () => {
    const yaml = `pop: LHR1\ndistributions:\n  - id: E1\n    origins:\n      - id: o\n        url: http://127.0.0.1:1\n    defaultCacheBehavior:\n      targetOriginId: o\n      cacheKey:\n        queryStrings: [v]\n`;
    const c = parseEdgeConfig(yaml, 'edge.yaml');
    expect(c.pop).toBe('LHR1');
    expect(c.distributions[0]!.defaultCacheBehavior.cacheKey.queryStrings).toEqual({ behavior: 'whitelist', items: ['v'] });
    expect(parseEdgeConfig(JSON.stringify(good()), 'edge.json').distributions[0]!.id).toBe('E1');
    expect(() => parseEdgeConfig('{', 'x.json')).toThrow(EdgeConfigError);
  });
});
