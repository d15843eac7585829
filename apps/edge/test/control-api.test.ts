/**
 * The control API over real HTTP on 127.0.0.1: signed raw requests (undici +
 * @bucketfront/sigv4's signer) for every error path, and @aws-sdk/client-cloudfront
 * for the operations. The runtime is an in-test recording implementation of
 * EdgeRuntime; the server under test is the real control server.
 */
import {
  CloudFrontClient,
  CreateInvalidationCommand,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  GetInvalidationCommand,
  ListDistributionsCommand,
  ListInvalidationsCommand,
} from '@aws-sdk/client-cloudfront';
import { signRequest } from '@bucketfront/sigv4';
import { makeTestCredentials } from '@bucketfront/test-support';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { behaviorFixture, distributionFixture, edgeConfigFixture, recordingControlForSuite } from './fixtures/control-server.js';

const DIST = 'E1TESTDIST0001';
const SPA = 'E2SPADIST00002';
const NS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';

type Creds = { accessKeyId: string; secretAccessKey: string };

interface CallOptions {
  body?: string | Buffer;
  /** null = unsigned */
  credentials?: Creds | null;
  headers?: Record<string, string>;
  region?: string;
}

async function call(base: string, creds: Creds, method: string, path: string, opts: CallOptions = {}) {
  const url = new URL(path, base);
  const body = opts.body ?? '';
  let headers: Record<string, string> = { ...opts.headers };
  const signer = opts.credentials === undefined ? creds : opts.credentials;
  if (signer) {
    headers = { ...headers, ...signRequest({ method, url, headers, body, credentials: signer, region: opts.region ?? 'us-east-1', service: 'cloudfront' }) };
  }
  const res = await request(url, { method, headers, body: method === 'GET' ? undefined : body });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] };
}

function batchXml(paths: string[], ref: string, quantity = paths.length): string {
  return `<?xml version="1.0" encoding="UTF-8"?><InvalidationBatch xmlns="${NS}"><CallerReference>${ref}</CallerReference><Paths><Quantity>${quantity}</Quantity><Items>${paths.map((p) => `<Path>${p}</Path>`).join('')}</Items></Paths></InvalidationBatch>`;
}

const tag = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

async function waitForStatus(base: string, creds: Creds, dist: string, id: string, want: string): Promise<string> {
  let status = '';
  for (let i = 0; i < 500 && status !== want; i++) {
    const res = await call(base, creds, 'GET', `/2020-05-31/distribution/${dist}/invalidation/${id}`);
    status = tag(res.text, 'Status') ?? '';
    if (status !== want) await new Promise((r) => setTimeout(r, 10));
  }
  return status;
}

const config = edgeConfigFixture({
  distributions: [
    distributionFixture(DIST),
    distributionFixture(SPA, {
      aliases: ['spa.example.test', 'www.spa.example.test'],
      origins: [
        { id: 'primary', url: 'http://127.0.0.1:9100/site', connectionTimeout: 5, connectionAttempts: 2, responseTimeout: 20, keepaliveTimeout: 5 },
        { id: 'backup', url: 'https://backup.example.test', connectionTimeout: 10, connectionAttempts: 3, responseTimeout: 30, keepaliveTimeout: 5 },
      ],
      originGroups: [{ id: 'failover', primaryOriginId: 'primary', secondaryOriginId: 'backup', failoverCriteria: { statusCodes: [500, 502, 503, 504] } }],
      defaultCacheBehavior: behaviorFixture({ targetOriginId: 'failover' }),
      cacheBehaviors: [
        behaviorFixture({
          pathPattern: '/api/*',
          targetOriginId: 'primary',
          minTTL: 0,
          defaultTTL: 0,
          maxTTL: 0,
          compress: false,
          allowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'],
          cacheKey: {
            queryStrings: { behavior: 'whitelist', items: ['v'] },
            headers: { behavior: 'whitelist', items: ['Authorization'] },
            cookies: { behavior: 'whitelist', items: ['session'] },
          },
        }),
        behaviorFixture({ pathPattern: '/assets/*', targetOriginId: 'primary', minTTL: 60 }),
      ],
      customErrorResponses: [{ errorCode: 404, responsePagePath: '/index.html', responseCode: 200, errorCachingMinTTL: 10 }],
    }),
  ],
});

describe('control API (raw signed requests)', () => {
  const creds = makeTestCredentials();

  const control = recordingControlForSuite(config, { credentials: creds, createWaitMs: 100 });

  it('CreateInvalidation: 201, Location, Invalidation document, applied with normalised paths', async () => {
    const res = await call(control.server.url, creds, 'POST', `/2020-05-31/distribution/${DIST}/invalidation`, {
      body: batchXml(['/index.html', '/a b/ü.html', '/assets/*'], 'raw-1'),
    });
    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toBe('text/xml');
    const id = tag(res.text, 'Id')!;
    expect(id).toMatch(/^I[A-Z0-9]{13}$/);
    expect(res.headers['location']).toBe(`${control.server.url}/2020-05-31/distribution/${DIST}/invalidation/${id}`);
    expect(res.text).toContain(`<Invalidation xmlns="${NS}">`);
    expect(tag(res.text, 'Status')).toBe('Completed');
    expect(new Date(tag(res.text, 'CreateTime')!).toISOString()).toBe(tag(res.text, 'CreateTime'));
    expect(res.text).toContain('<Paths><Quantity>3</Quantity><Items><Path>/index.html</Path><Path>/a b/ü.html</Path><Path>/assets/*</Path></Items></Paths><CallerReference>raw-1</CallerReference>');
    expect(control.runtime.applied.at(-1)).toEqual({ distributionId: DIST, paths: ['/index.html', '/a%20b/%C3%BC.html', '/assets/*'] });
  });

  it('accepts any region in the credential scope', async () => {
    const res = await call(control.server.url, creds, 'GET', '/2020-05-31/distribution', { region: 'eu-west-3' });
    expect(res.status).toBe(200);
  });

  it('refuses unsigned requests with 403 AccessDenied in ErrorResponse form', async () => {
    const before = control.runtime.received.length;
    const res = await call(control.server.url, creds, 'POST', `/2020-05-31/distribution/${DIST}/invalidation`, {
      credentials: null,
      body: batchXml(['/x'], 'unsigned'),
    });
    expect(res.status).toBe(403);
    expect(res.text).toMatch(
      new RegExp(
        `^<\\?xml[^>]*>\\s*<ErrorResponse xmlns="${NS.replace(/\./g, '\\.')}"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>[^<]+</Message></Error><RequestId>[^<]+</RequestId></ErrorResponse>$`,
      ),
    );
    expect(control.runtime.received.length).toBe(before);
  });

  it('refuses a wrong secret (SignatureDoesNotMatch) and an unknown key (InvalidClientTokenId)', async () => {
    const wrongSecret = await call(control.server.url, creds, 'GET', '/2020-05-31/distribution', {
      credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: 'not-the-secret' },
    });
    expect([wrongSecret.status, wrongSecret.code]).toEqual([403, 'SignatureDoesNotMatch']);
    const unknownKey = await call(control.server.url, creds, 'GET', '/2020-05-31/distribution', { credentials: makeTestCredentials() });
    expect([unknownKey.status, unknownKey.code]).toEqual([403, 'InvalidClientTokenId']);
  });

  it('refuses a request signed 20 minutes ago (RequestTimeTooSkewed, 403)', async () => {
    const url = new URL('/2020-05-31/distribution', control.server.url);
    const headers = signRequest({ method: 'GET', url, credentials: creds, region: 'us-east-1', service: 'cloudfront', now: new Date(Date.now() - 20 * 60_000) });
    const res = await request(url, { headers });
    expect(res.statusCode).toBe(403);
    expect(await res.body.text()).toContain('<Code>RequestTimeTooSkewed</Code>');
  });

  it('refuses a body altered after signing (the payload hash is verified)', async () => {
    const url = new URL(`/2020-05-31/distribution/${DIST}/invalidation`, control.server.url);
    const signed = signRequest({ method: 'POST', url, body: batchXml(['/signed'], 'tamper'), credentials: creds, region: 'us-east-1', service: 'cloudfront' });
    const res = await request(url, { method: 'POST', headers: signed, body: batchXml(['/other'], 'tamper') });
    expect(res.statusCode).toBe(403);
    expect(await res.body.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it.each([
    ['MissingBody', 400, ''],
    ['MalformedInput', 400, '<InvalidationBatch><Paths>'],
    ['MalformedInput', 400, '<DistributionConfig/>'],
    ['MalformedXML', 400, '<InvalidationBatch><CallerReference>no-paths</CallerReference></InvalidationBatch>'],
    ['InconsistentQuantities', 400, batchXml(['/a', '/b'], 'iq', 3)],
    ['InvalidArgument', 400, batchXml(['no-slash.html'], 'ia-1')],
    ['InvalidArgument', 400, batchXml(['/a*b'], 'ia-2')],
    ['InvalidArgument', 400, batchXml([`/${'x'.repeat(4000)}`], 'ia-3')],
    [
      'BatchTooLarge',
      413,
      batchXml(
        Array.from({ length: 3001 }, (_, i) => `/p${i}`),
        'big-1',
      ),
    ],
    [
      'BatchTooLarge',
      413,
      batchXml(
        Array.from({ length: 16 }, (_, i) => `/w${i}/*`),
        'big-2',
      ),
    ],
  ])('CreateInvalidation → %s (%i)', async (code, status, body) => {
    const res = await call(control.server.url, creds, 'POST', `/2020-05-31/distribution/${DIST}/invalidation`, { body });
    expect([res.status, res.code]).toEqual([status, code]);
    expect(tag(res.text, 'Type')).toBe('Sender');
  });

  it('CreateInvalidation → BatchTooLarge (413) for a body over 1 MiB', async () => {
    const paths = Array.from({ length: 300 }, (_, i) => `/${i}/${'y'.repeat(3990)}`);
    const res = await call(control.server.url, creds, 'POST', `/2020-05-31/distribution/${DIST}/invalidation`, { body: batchXml(paths, 'huge') });
    expect([res.status, res.code]).toEqual([413, 'BatchTooLarge']);
  });

  it('NoSuchDistribution (404) for every distribution-scoped operation', async () => {
    for (const [method, path, body] of [
      ['POST', '/2020-05-31/distribution/ENOPE/invalidation', batchXml(['/a'], 'nd')],
      ['GET', '/2020-05-31/distribution/ENOPE/invalidation', ''],
      ['GET', '/2020-05-31/distribution/ENOPE/invalidation/I123', ''],
      ['GET', '/2020-05-31/distribution/ENOPE', ''],
      ['GET', '/2020-05-31/distribution/ENOPE/config', ''],
    ] as const) {
      const res = await call(control.server.url, creds, method, path, { body });
      expect([path, res.status, res.code]).toEqual([path, 404, 'NoSuchDistribution']);
    }
  });

  it('NoSuchInvalidation (404)', async () => {
    const res = await call(control.server.url, creds, 'GET', `/2020-05-31/distribution/${DIST}/invalidation/INOSUCHINVALID1`);
    expect([res.status, res.code]).toEqual([404, 'NoSuchInvalidation']);
  });

  it('idempotency: same CallerReference + same paths → the original (201); different paths → 409 InvalidationBatchAlreadyExists', async () => {
    const first = await call(control.server.url, creds, 'POST', `/2020-05-31/distribution/${DIST}/invalidation`, { body: batchXml(['/idem/a', '/idem/b'], 'idem') });
    const applied = control.runtime.applied.length;
    const again = await call(control.server.url, creds, 'POST', `/2020-05-31/distribution/${DIST}/invalidation`, { body: batchXml(['/idem/b', '/idem/a'], 'idem') });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(tag(again.text, 'Id')).toBe(tag(first.text, 'Id'));
    expect(again.headers['location']).toBe(first.headers['location']);
    expect(control.runtime.applied.length).toBe(applied);
    const conflict = await call(control.server.url, creds, 'POST', `/2020-05-31/distribution/${DIST}/invalidation`, { body: batchXml(['/idem/c'], 'idem') });
    expect([conflict.status, conflict.code]).toEqual([409, 'InvalidationBatchAlreadyExists']);
  });

  it('ListInvalidations: InvalidArgument for a bad MaxItems or an unknown Marker', async () => {
    const bad = await call(control.server.url, creds, 'GET', `/2020-05-31/distribution/${DIST}/invalidation?MaxItems=abc`);
    expect([bad.status, bad.code]).toEqual([400, 'InvalidArgument']);
    const marker = await call(control.server.url, creds, 'GET', `/2020-05-31/distribution/${DIST}/invalidation?Marker=INOTTHERE`);
    expect([marker.status, marker.code]).toEqual([400, 'InvalidArgument']);
  });

  it('other CloudFront operations answer 501 NotImplemented; wrong methods 405; non-API paths 404', async () => {
    const create = await call(control.server.url, creds, 'POST', '/2020-05-31/cache-policy', { body: '<CachePolicyConfig/>' });
    expect([create.status, create.code]).toEqual([501, 'NotImplemented']);
    expect(create.text).toContain('cache-policy');
    // Distributions of the configuration file are read-only (control-distributions.test.ts).
    const update = await call(control.server.url, creds, 'PUT', `/2020-05-31/distribution/${DIST}/config`, { body: '<DistributionConfig/>' });
    expect([update.status, update.code]).toEqual([400, 'IllegalUpdate']);
    const policies = await call(control.server.url, creds, 'GET', '/2020-05-31/cache-policy');
    expect([policies.status, policies.code]).toEqual([501, 'NotImplemented']);
    const del = await call(control.server.url, creds, 'DELETE', `/2020-05-31/distribution/${DIST}/invalidation`);
    expect([del.status, del.code]).toEqual([405, 'MethodNotAllowed']);
    const other = await call(control.server.url, creds, 'GET', '/nothing-here');
    expect([other.status, other.code]).toEqual([404, 'NotFound']);
  });

  it('GET /health and GET /metrics need no signature', async () => {
    const health = await call(control.server.url, creds, 'GET', '/health', { credentials: null });
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toEqual({ status: 'ok' });
    control.runtime.snapshot.requests.Hit = 3;
    control.runtime.snapshot.requests.Miss = 1;
    control.runtime.snapshot.hits = 3;
    control.runtime.snapshot.misses = 1;
    control.runtime.snapshot.originLatency = { buckets: [0.01, 0.1, 1], counts: [1, 2, 0, 1], sum: 7.5, count: 4 };
    const metrics = await call(control.server.url, creds, 'GET', '/metrics', { credentials: null });
    expect(metrics.status).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = metrics.text;
    expect(m).toContain('bucketfront_edge_requests_total{pop="TST1-C1",result="Hit"} 3');
    expect(m).toContain('bucketfront_edge_cache_hit_ratio{pop="TST1-C1"} 0.75');
    expect(m).toContain('bucketfront_edge_origin_latency_seconds_bucket{pop="TST1-C1",le="0.1"} 3');
    expect(m).toContain('bucketfront_edge_origin_latency_seconds_bucket{pop="TST1-C1",le="+Inf"} 4');
    expect(m).toContain('# TYPE bucketfront_control_invalidation_apply_seconds histogram');
    const created = Number(/bucketfront_control_invalidations_created_total\{[^}]*\} (\d+)/.exec(m)?.[1]);
    const completed = Number(/bucketfront_control_invalidations_completed_total\{[^}]*\} (\d+)/.exec(m)?.[1]);
    expect(created).toBeGreaterThanOrEqual(2);
    expect(completed).toBe(created);
    // Every sample line is `name{labels} number`.
    for (const line of m.split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/^[a-z_]+\{[^}]*\} (-?[0-9.e+-]+|\+Inf|NaN)$/);
  });
});

describe('control API: InProgress while the runtime has not applied', () => {
  const creds = makeTestCredentials();

  const control = recordingControlForSuite(config, { credentials: creds, createWaitMs: 50 });

  it('answers InProgress, turns Completed once applied; TooManyInvalidationsInProgress meanwhile', async () => {
    control.runtime.hold();
    const res = await call(control.server.url, creds, 'POST', `/2020-05-31/distribution/${DIST}/invalidation`, {
      body: batchXml(
        Array.from({ length: 15 }, (_, i) => `/w${i}/*`),
        'held',
      ),
    });
    expect(res.status).toBe(201);
    expect(tag(res.text, 'Status')).toBe('InProgress');
    const id = tag(res.text, 'Id')!;
    expect(control.runtime.received.length).toBe(1);
    expect(control.runtime.applied.length).toBe(0);

    const get = await call(control.server.url, creds, 'GET', `/2020-05-31/distribution/${DIST}/invalidation/${id}`);
    expect(tag(get.text, 'Status')).toBe('InProgress');
    const dist = await call(control.server.url, creds, 'GET', `/2020-05-31/distribution/${DIST}`);
    expect(tag(dist.text, 'InProgressInvalidationBatches')).toBe('1');

    const sixteenth = await call(control.server.url, creds, 'POST', `/2020-05-31/distribution/${DIST}/invalidation`, { body: batchXml(['/one-more/*'], 'held-2') });
    expect([sixteenth.status, sixteenth.code]).toEqual([400, 'TooManyInvalidationsInProgress']);

    control.runtime.release();
    expect(await waitForStatus(control.server.url, creds, DIST, id, 'Completed')).toBe('Completed');
    expect(control.runtime.applied.length).toBe(1);
    const after = await call(control.server.url, creds, 'POST', `/2020-05-31/distribution/${DIST}/invalidation`, { body: batchXml(['/one-more/*'], 'held-2') });
    expect(after.status).toBe(201);
  });
});

describe('control API with @aws-sdk/client-cloudfront', () => {
  const creds = makeTestCredentials();

  const control = recordingControlForSuite(config, { credentials: creds });

  it('CreateInvalidation + GetInvalidation + ListInvalidations', async () => {
    const created = await control.client.send(
      new CreateInvalidationCommand({
        DistributionId: SPA,
        InvalidationBatch: { CallerReference: `sdk-${Date.now()}`, Paths: { Quantity: 2, Items: ['/index.html', '/assets/*'] } },
      }),
    );
    expect(created.$metadata.httpStatusCode).toBe(201);
    expect(created.Location).toMatch(new RegExp(`/2020-05-31/distribution/${SPA}/invalidation/${created.Invalidation!.Id}$`));
    expect(created.Invalidation).toMatchObject({ Status: 'Completed', InvalidationBatch: { Paths: { Quantity: 2, Items: ['/index.html', '/assets/*'] } } });
    expect(created.Invalidation!.CreateTime).toBeInstanceOf(Date);
    expect(control.runtime.applied).toEqual([{ distributionId: SPA, paths: ['/index.html', '/assets/*'] }]);

    const got = await control.client.send(new GetInvalidationCommand({ DistributionId: SPA, Id: created.Invalidation!.Id! }));
    expect(got.Invalidation).toEqual(created.Invalidation);

    const listed = await control.client.send(new ListInvalidationsCommand({ DistributionId: SPA }));
    expect(listed.InvalidationList).toMatchObject({ Quantity: 1, IsTruncated: false, MaxItems: 100, Marker: '' });
    expect(listed.InvalidationList!.Items).toEqual([{ Id: created.Invalidation!.Id, CreateTime: created.Invalidation!.CreateTime, Status: 'Completed' }]);
  });

  it('ListDistributions / GetDistribution / GetDistributionConfig reflect the configuration', async () => {
    const list = await control.client.send(new ListDistributionsCommand({}));
    expect(list.DistributionList).toMatchObject({ Quantity: 2, IsTruncated: false });
    const summary = list.DistributionList!.Items!.find((d) => d.Id === SPA)!;
    expect(summary).toMatchObject({
      ARN: `arn:aws:cloudfront::000000000000:distribution/${SPA}`,
      Status: 'Deployed',
      DomainName: 'spa.example.test',
      Enabled: true,
      Staging: false,
      Aliases: { Quantity: 2, Items: ['spa.example.test', 'www.spa.example.test'] },
      Origins: {
        Quantity: 2,
        Items: [
          {
            Id: 'primary',
            DomainName: '127.0.0.1',
            OriginPath: '/site',
            CustomOriginConfig: { HTTPPort: 9100, OriginProtocolPolicy: 'http-only', OriginReadTimeout: 20 },
            ConnectionAttempts: 2,
            ConnectionTimeout: 5,
          },
          { Id: 'backup', DomainName: 'backup.example.test', CustomOriginConfig: { HTTPSPort: 443, OriginProtocolPolicy: 'https-only' } },
        ],
      },
      OriginGroups: {
        Quantity: 1,
        Items: [
          { Id: 'failover', FailoverCriteria: { StatusCodes: { Quantity: 4, Items: [500, 502, 503, 504] } }, Members: { Quantity: 2, Items: [{ OriginId: 'primary' }, { OriginId: 'backup' }] } },
        ],
      },
      DefaultCacheBehavior: { TargetOriginId: 'failover', MinTTL: 0, DefaultTTL: 86400, MaxTTL: 31536000, Compress: true },
      CustomErrorResponses: { Quantity: 1, Items: [{ ErrorCode: 404, ResponsePagePath: '/index.html', ResponseCode: '200', ErrorCachingMinTTL: 10 }] },
    });
    expect(summary.CacheBehaviors!.Items!.map((b) => [b.PathPattern, b.TargetOriginId, b.MinTTL])).toEqual([
      ['/api/*', 'primary', 0],
      ['/assets/*', 'primary', 60],
    ]);
    const api = summary.CacheBehaviors!.Items![0]!;
    expect(api.AllowedMethods!.Items).toEqual(['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE']);
    expect(api.ForwardedValues).toMatchObject({
      QueryString: true,
      QueryStringCacheKeys: { Quantity: 1, Items: ['v'] },
      Headers: { Quantity: 1, Items: ['Authorization'] },
      Cookies: { Forward: 'whitelist', WhitelistedNames: { Quantity: 1, Items: ['session'] } },
    });

    const dist = await control.client.send(new GetDistributionCommand({ Id: SPA }));
    expect(dist.ETag).toMatch(/^E[0-9A-F]{13}$/);
    expect(dist.ETag).toBe(summary.ETag);
    expect(dist.Distribution).toMatchObject({ Id: SPA, Status: 'Deployed', InProgressInvalidationBatches: 0 });
    expect(dist.Distribution!.DistributionConfig).toMatchObject({
      DefaultRootObject: 'index.html',
      Enabled: true,
      Aliases: summary.Aliases,
      Origins: summary.Origins,
      CacheBehaviors: summary.CacheBehaviors,
    });

    const cfg = await control.client.send(new GetDistributionConfigCommand({ Id: DIST }));
    expect(cfg.ETag).toMatch(/^E[0-9A-F]{13}$/);
    expect(cfg.ETag).not.toBe(dist.ETag);
    expect(cfg.DistributionConfig).toMatchObject({ CallerReference: `bucketfront-${DIST}`, Comment: `fixture ${DIST}` });
  });

  it('ListDistributions paginates with Marker / NextMarker', async () => {
    const first = await control.client.send(new ListDistributionsCommand({ MaxItems: 1 }));
    expect(first.DistributionList).toMatchObject({ Quantity: 1, IsTruncated: true, NextMarker: DIST, MaxItems: 1 });
    const second = await control.client.send(new ListDistributionsCommand({ MaxItems: 1, Marker: first.DistributionList!.NextMarker }));
    expect(second.DistributionList).toMatchObject({ Quantity: 1, IsTruncated: false, Marker: DIST });
    expect(second.DistributionList!.Items![0]!.Id).toBe(SPA);
  });

  it("errors map to the SDK's modelled exceptions", async () => {
    const err = await control.client.send(new GetDistributionCommand({ Id: 'ENOPE' })).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'NoSuchDistribution', $metadata: { httpStatusCode: 404 } });
    const inv = await control.client.send(new GetInvalidationCommand({ DistributionId: SPA, Id: 'INOPE' })).catch((e: unknown) => e);
    expect(inv).toMatchObject({ name: 'NoSuchInvalidation', $metadata: { httpStatusCode: 404 } });
    const bad = await control.client
      .send(new CreateInvalidationCommand({ DistributionId: SPA, InvalidationBatch: { CallerReference: 'x', Paths: { Quantity: 2, Items: ['/a'] } } }))
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ name: 'InconsistentQuantities', $metadata: { httpStatusCode: 400 } });
    const wrong = new CloudFrontClient({ endpoint: control.server.url, region: 'us-east-1', credentials: { ...creds, secretAccessKey: 'nope' }, maxAttempts: 1 });
    const denied = await wrong.send(new ListDistributionsCommand({})).catch((e: unknown) => e);
    wrong.destroy();
    expect(denied).toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
  });
});
