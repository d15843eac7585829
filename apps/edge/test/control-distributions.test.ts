/**
 * The distribution operations of the control API against a real control server over a recording
 * runtime, with @aws-sdk/client-cloudfront and raw signed requests: CloudFront's error codes for
 * bad input (nothing changed after them), Status InProgress until the workers applied the change,
 * ListDistributions pages, managed cache policies, function associations, peers, and a restart
 * on one distributions file. The real edge and the `aws` CLI: edge-distributions-api.test.ts.
 */
import {
  CreateDistributionCommand,
  type DistributionConfig as SdkDistributionConfig,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  ListDistributionsCommand,
  UpdateDistributionCommand,
} from '@aws-sdk/client-cloudfront';
import { makeTempDir, makeTestCredentials } from '@bucketfront/test-support';
import { signRequest } from '@bucketfront/sigv4';
import { join } from 'node:path';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { createAndPublish, edgeConfigFixture, eventually, startMutualPeers, startRecordingControl, type RecordingControl } from './fixtures/control-server.js';

const creds = makeTestCredentials();
const CONFIGURED = 'E1TESTDIST0001';

function sdkConfig(ref: string, patch: Partial<SdkDistributionConfig> = {}): SdkDistributionConfig {
  return {
    CallerReference: ref,
    Comment: '',
    Enabled: true,
    Origins: { Quantity: 1, Items: [{ Id: 'web', DomainName: 'site.s3-website-us-east-1.localhost', CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'http-only' } }] },
    DefaultCacheBehavior: { TargetOriginId: 'web', ViewerProtocolPolicy: 'allow-all', MinTTL: 0, ForwardedValues: { QueryString: false, Cookies: { Forward: 'none' } } },
    ...patch,
  };
}

/** DistributionConfig XML as the SDKs send it, with `inner` members replacing the defaults. */
function xml(members: Record<string, string>): string {
  const all: Record<string, string> = {
    CallerReference: '<CallerReference>raw-1</CallerReference>',
    Origins:
      '<Origins><Quantity>1</Quantity><Items><Origin><Id>web</Id><DomainName>site.s3-website-us-east-1.localhost</DomainName><CustomOriginConfig><HTTPPort>80</HTTPPort><HTTPSPort>443</HTTPSPort><OriginProtocolPolicy>http-only</OriginProtocolPolicy></CustomOriginConfig></Origin></Items></Origins>',
    DefaultCacheBehavior:
      '<DefaultCacheBehavior><TargetOriginId>web</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy><MinTTL>0</MinTTL><ForwardedValues><QueryString>false</QueryString><Cookies><Forward>none</Forward></Cookies></ForwardedValues></DefaultCacheBehavior>',
    Comment: '<Comment></Comment>',
    Enabled: '<Enabled>true</Enabled>',
    ...members,
  };
  return `<?xml version="1.0" encoding="UTF-8"?><DistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">${Object.values(all).join('')}</DistributionConfig>`;
}

async function call(base: string, method: string, path: string, body = '', headers: Record<string, string> = {}) {
  const url = new URL(path, base);
  const signed = { ...headers, ...signRequest({ method, url, headers, body, credentials: creds, region: 'us-east-1', service: 'cloudfront' }) };
  const res = await request(url, { method, headers: signed, body: method === 'GET' ? undefined : body });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1] };
}

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected the call to fail');
}

async function withControl<T>(fn: (c: RecordingControl) => Promise<T>, opts: Parameters<typeof startRecordingControl>[1] = { credentials: creds }): Promise<T> {
  const c = await startRecordingControl(edgeConfigFixture(), opts);
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

describe('distributions through the control API: errors', () => {
  it('bad documents and values answer CloudFront codes, and nothing is created', () =>
    withControl(async (c) => {
      const post = (body: string) => call(c.server.url, 'POST', '/2020-05-31/distribution', body);
      const cases: Array<[string, string, number, string]> = [
        ['empty body', '', 400, 'MissingBody'],
        ['not XML', '<DistributionConfig>', 400, 'MalformedInput'],
        ['another document', '<InvalidationBatch/>', 400, 'MalformedInput'],
        ['no CallerReference', xml({ CallerReference: '' }), 400, 'MalformedXML'],
        ['no Enabled', xml({ Enabled: '' }), 400, 'MalformedXML'],
        ['Quantity ≠ items', xml({ Origins: '<Origins><Quantity>2</Quantity><Items><Origin><Id>web</Id><DomainName>a.b</DomainName></Origin></Items></Origins>' }), 400, 'InconsistentQuantities'],
        ['bad origin domain', xml({ Origins: '<Origins><Quantity>1</Quantity><Items><Origin><Id>web</Id><DomainName>not a host!</DomainName></Origin></Items></Origins>' }), 400, 'InvalidOrigin'],
        [
          'unknown TargetOriginId',
          xml({
            DefaultCacheBehavior:
              '<DefaultCacheBehavior><TargetOriginId>nope</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy><MinTTL>0</MinTTL><ForwardedValues><QueryString>false</QueryString><Cookies><Forward>none</Forward></Cookies></ForwardedValues></DefaultCacheBehavior>',
          }),
          404,
          'NoSuchOrigin',
        ],
        [
          'TTL order',
          xml({
            DefaultCacheBehavior:
              '<DefaultCacheBehavior><TargetOriginId>web</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy><MinTTL>100</MinTTL><DefaultTTL>10</DefaultTTL><ForwardedValues><QueryString>false</QueryString><Cookies><Forward>none</Forward></Cookies></ForwardedValues></DefaultCacheBehavior>',
          }),
          400,
          'InvalidTTLOrder',
        ],
        [
          'unknown cache policy',
          xml({
            DefaultCacheBehavior:
              '<DefaultCacheBehavior><TargetOriginId>web</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy><CachePolicyId>00000000-0000-0000-0000-000000000000</CachePolicyId></DefaultCacheBehavior>',
          }),
          404,
          'NoSuchCachePolicy',
        ],
        [
          'bad viewer protocol policy',
          xml({
            DefaultCacheBehavior:
              '<DefaultCacheBehavior><TargetOriginId>web</TargetOriginId><ViewerProtocolPolicy>sometimes</ViewerProtocolPolicy><MinTTL>0</MinTTL><ForwardedValues><QueryString>false</QueryString><Cookies><Forward>none</Forward></Cookies></ForwardedValues></DefaultCacheBehavior>',
          }),
          400,
          'InvalidArgument',
        ],
        ['root object with /', xml({ DefaultRootObject: '<DefaultRootObject>/index.html</DefaultRootObject>' }), 400, 'InvalidDefaultRootObject'],
        ['bad CNAME', xml({ Aliases: '<Aliases><Quantity>1</Quantity><Items><CNAME>bad_name!</CNAME></Items></Aliases>' }), 400, 'InvalidArgument'],
        [
          '101 CNAMEs',
          xml({ Aliases: `<Aliases><Quantity>101</Quantity><Items>${Array.from({ length: 101 }, (_, i) => `<CNAME>h${i}.example.test</CNAME>`).join('')}</Items></Aliases>` }),
          400,
          'TooManyDistributionCNAMEs',
        ],
        ['CNAME of the configuration file', xml({ Aliases: '<Aliases><Quantity>1</Quantity><Items><CNAME>e1testdist0001.example.test</CNAME></Items></Aliases>' }), 409, 'CNAMEAlreadyExists'],
        [
          'function not published',
          xml({
            DefaultCacheBehavior:
              '<DefaultCacheBehavior><TargetOriginId>web</TargetOriginId><ViewerProtocolPolicy>allow-all</ViewerProtocolPolicy><MinTTL>0</MinTTL><ForwardedValues><QueryString>false</QueryString><Cookies><Forward>none</Forward></Cookies></ForwardedValues><FunctionAssociations><Quantity>1</Quantity><Items><FunctionAssociation><FunctionARN>arn:aws:cloudfront::000000000000:function/nothing</FunctionARN><EventType>viewer-request</EventType></FunctionAssociation></Items></FunctionAssociations></DefaultCacheBehavior>',
          }),
          400,
          'InvalidFunctionAssociation',
        ],
      ];
      for (const [what, body, status, code] of cases) {
        const r = await post(body);
        expect([what, r.status, r.code]).toEqual([what, status, code]);
      }
      const tags = await call(
        c.server.url,
        'POST',
        '/2020-05-31/distribution?WithTags',
        `<DistributionConfigWithTags>${xml({}).replace(/^<\?xml[^>]*\?>/, '')}<Tags><Items><Tag><Key>${'k'.repeat(129)}</Key><Value>v</Value></Tag></Items></Tags></DistributionConfigWithTags>`,
      );
      expect([tags.status, tags.code]).toEqual([400, 'InvalidTagging']);
      expect((await c.client.send(new ListDistributionsCommand({}))).DistributionList?.Quantity).toBe(1);
      expect(c.runtime.distributions).toEqual([]);
    }));

  it('Update / Delete: If-Match, NoSuchDistribution, the configuration file read-only, CallerReference fixed', () =>
    withControl(async (c) => {
      const created = await c.client.send(new CreateDistributionCommand({ DistributionConfig: sdkConfig('u-1') }));
      const id = created.Distribution!.Id!;
      const path = `/2020-05-31/distribution/${id}/config`;
      expect((await call(c.server.url, 'PUT', path, xml({ CallerReference: '<CallerReference>u-1</CallerReference>' }))).code).toBe('InvalidIfMatchVersion');
      const stale = await call(c.server.url, 'PUT', path, xml({ CallerReference: '<CallerReference>u-1</CallerReference>' }), { 'if-match': 'EOLD' });
      expect([stale.status, stale.code]).toEqual([412, 'PreconditionFailed']);
      const ref = await call(c.server.url, 'PUT', path, xml({ CallerReference: '<CallerReference>other</CallerReference>' }), { 'if-match': created.ETag! });
      expect([ref.status, ref.code]).toEqual([400, 'IllegalUpdate']);
      expect((await call(c.server.url, 'PUT', '/2020-05-31/distribution/ENOTTHERE/config', xml({}), { 'if-match': 'E1' })).code).toBe('NoSuchDistribution');
      const configured = await call(c.server.url, 'DELETE', `/2020-05-31/distribution/${CONFIGURED}`, '', { 'if-match': 'E1' });
      expect([configured.status, configured.code]).toEqual([403, 'AccessDenied']);
      expect(configured.text).toContain('edge configuration file');
      const enabled = await call(c.server.url, 'DELETE', `/2020-05-31/distribution/${id}`, '', { 'if-match': created.ETag! });
      expect([enabled.status, enabled.code]).toEqual([409, 'DistributionNotDisabled']);
      // Nothing changed by the refusals.
      const now = await c.client.send(new GetDistributionConfigCommand({ Id: id }));
      expect(now.ETag).toBe(created.ETag);
    }));
});

describe('distributions through the control API', () => {
  it('Status is InProgress until the workers applied the change, then Deployed', () =>
    withControl(async (c) => {
      c.runtime.hold();
      const pending = c.client.send(new CreateDistributionCommand({ DistributionConfig: sdkConfig('s-1') }));
      await eventually(async () => (await c.client.send(new ListDistributionsCommand({}))).DistributionList?.Quantity === 2);
      const list = await c.client.send(new ListDistributionsCommand({}));
      const summary = list.DistributionList!.Items!.find((d) => d.Id !== CONFIGURED)!;
      expect(summary.Status).toBe('InProgress');
      c.runtime.release();
      const created = await pending;
      expect(created.Distribution?.Status).toBe('Deployed');
      expect(c.runtime.distributions.map((d) => d.id)).toEqual([summary.Id]);
    }));

  it('a managed cache policy sets the TTLs and is answered back instead of ForwardedValues; pages of ListDistributions', () =>
    withControl(async (c) => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await c.client.send(
          new CreateDistributionCommand({
            DistributionConfig: sdkConfig(`p-${i}`, {
              DefaultCacheBehavior: { TargetOriginId: 'web', ViewerProtocolPolicy: 'redirect-to-https', CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad' },
            }),
          }),
        );
        ids.push(r.Distribution!.Id!);
      }
      const applied = c.runtime.distributions.find((d) => d.id === ids[0])!;
      expect(applied.defaultCacheBehavior).toMatchObject({ minTTL: 0, defaultTTL: 0, maxTTL: 0, viewerProtocolPolicy: 'redirect-to-https' });
      const got = await c.client.send(new GetDistributionCommand({ Id: ids[0] }));
      expect(got.Distribution?.DistributionConfig?.DefaultCacheBehavior?.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad');
      expect(got.Distribution?.DistributionConfig?.DefaultCacheBehavior?.ForwardedValues).toBeUndefined();

      const first = await c.client.send(new ListDistributionsCommand({ MaxItems: 2 }));
      expect(first.DistributionList?.Items?.map((d) => d.Id)).toEqual([CONFIGURED, ids[0]]);
      expect(first.DistributionList?.IsTruncated).toBe(true);
      const rest = await c.client.send(new ListDistributionsCommand({ MaxItems: 2, Marker: first.DistributionList!.NextMarker! }));
      expect(rest.DistributionList?.Items?.map((d) => d.Id)).toEqual([ids[1], ids[2]]);
    }));

  it('a function association needs a published function; it is answered back by ARN', () =>
    withControl(async (c) => {
      await createAndPublish(c.client, 'add-index', 'function handler(event) { return event.request; }');
      const r = await c.client.send(
        new CreateDistributionCommand({
          DistributionConfig: sdkConfig('f-1', {
            DefaultCacheBehavior: {
              ...sdkConfig('x').DefaultCacheBehavior!,
              FunctionAssociations: { Quantity: 1, Items: [{ EventType: 'viewer-request', FunctionARN: 'arn:aws:cloudfront::000000000000:function/add-index' }] },
            },
          }),
        }),
      );
      expect(r.Distribution?.DistributionConfig?.DefaultCacheBehavior?.FunctionAssociations?.Items).toEqual([
        { EventType: 'viewer-request', FunctionARN: 'arn:aws:cloudfront::000000000000:function/add-index' },
      ]);
      expect(c.runtime.distributions[0]?.defaultCacheBehavior.functionAssociations).toEqual([{ eventType: 'viewer-request', functionArn: 'arn:aws:cloudfront::000000000000:function/add-index' }]);
    }));

  it('create, update and delete reach a peer edge (Deployed once it has them)', async () => {
    const [a, b] = await startMutualPeers(() => startRecordingControl(edgeConfigFixture(), { credentials: creds, peerRetry: { initialDelayMs: 10, maxDelayMs: 50, windowMs: 5_000 } }));
    try {
      const created = await a.client.send(new CreateDistributionCommand({ DistributionConfig: sdkConfig('peer-1') }));
      const id = created.Distribution!.Id!;
      await eventually(() => b.runtime.distributions.length === 1);
      const onB = await b.client.send(new GetDistributionCommand({ Id: id }));
      expect(onB.ETag).toBe(created.ETag);
      await eventually(async () => (await a.client.send(new GetDistributionCommand({ Id: id }))).Distribution?.Status === 'Deployed');

      const disabled = await a.client.send(new UpdateDistributionCommand({ Id: id, IfMatch: created.ETag!, DistributionConfig: sdkConfig('peer-1', { Enabled: false }) }));
      await eventually(() => b.runtime.distributions[0]?.enabled === false);
      expect((await b.client.send(new GetDistributionConfigCommand({ Id: id }))).ETag).toBe(disabled.ETag);

      expect((await call(a.server.url, 'DELETE', `/2020-05-31/distribution/${id}`, '', { 'if-match': disabled.ETag! })).status).toBe(204);
      await eventually(() => b.runtime.distributions.length === 0);
      expect(b.runtime.distributions).toEqual([]);
      expect((await failure(b.client.send(new GetDistributionCommand({ Id: id })))).name).toBe('NoSuchDistribution');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('kept across a restart on one distributions file (and applied to the runtime at start)', async () => {
    const dir = await makeTempDir('bucketfront-dists-');
    const file = join(dir.path, 'distributions.sqlite');
    try {
      const id = await withControl(
        async (c) => {
          const r = await c.client.send(new CreateDistributionCommand({ DistributionConfig: sdkConfig('r-1', { Aliases: { Quantity: 1, Items: ['restart.test'] } }) }));
          return r.Distribution!.Id!;
        },
        { credentials: creds, distributionsFile: file },
      );
      await withControl(
        async (c) => {
          const got = await c.client.send(new GetDistributionCommand({ Id: id }));
          expect(got.Distribution?.DistributionConfig?.Aliases?.Items).toEqual(['restart.test']);
          expect(got.Distribution?.DistributionConfig?.CallerReference).toBe('r-1');
          await eventually(() => c.runtime.distributions.length === 1);
          expect(c.runtime.distributions[0]?.aliases).toEqual(['restart.test']);
        },
        { credentials: creds, distributionsFile: file },
      );
    } finally {
      await dir.cleanup();
    }
  });
});
