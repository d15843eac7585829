/**
 * `#tag` invalidation items through the real control server: the `aws` CLI and
 * @aws-sdk/client-cloudfront send them mixed with paths; the runtime gets them
 * lower-cased, peers get them as sent, responses echo them as sent.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-specifying-tags.html
 */
import { CloudFrontClient, CreateInvalidationCommand, GetDistributionCommand, GetDistributionConfigCommand, GetInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { hasAwsCli, makeTestCredentials, runAws } from '@bucketfront/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { createRecordingRuntime, distributionFixture, edgeConfigFixture, startControlServer, recordingControlForSuite, type StartedControl } from './fixtures/control-server.js';

const TAGGED = 'E1TAGGEDDIST01';
const UNTAGGED = 'E2PLAINDIST002';
const config = edgeConfigFixture({
  distributions: [distributionFixture(TAGGED, { cacheTagConfig: { headerName: 'x-amz-meta-cache-tag' } }), distributionFixture(UNTAGGED, { aliases: [] })],
});

describe.skipIf(!hasAwsCli())('#tag items with the aws CLI', () => {
  const creds = makeTestCredentials();

  const control = recordingControlForSuite(config, { credentials: creds });

  const aws = async (args: string[]) => {
    const res = await runAws(['cloudfront', ...args, '--output', 'json'], { endpointUrl: control.server.url, credentials: creds });
    return { ...res, json: res.code === 0 && res.stdout.trim() ? JSON.parse(res.stdout) : undefined };
  };

  it("create-invalidation --paths '#Release-42' '/a': echoed as sent, applied lower-cased, get-invalidation shows it", async () => {
    const created = await aws(['create-invalidation', '--distribution-id', TAGGED, '--paths', '#Release-42', '/a']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const inv = created.json.Invalidation;
    expect(inv.Status).toBe('Completed');
    expect(inv.InvalidationBatch.Paths).toEqual({ Quantity: 2, Items: ['#Release-42', '/a'] });
    expect(control.runtime.applied.at(-1)).toEqual({ distributionId: TAGGED, paths: ['#release-42', '/a'] });
    const got = await aws(['get-invalidation', '--distribution-id', TAGGED, '--id', inv.Id]);
    expect(got.json.Invalidation).toEqual(inv);
  });

  it('an invalid tag is InvalidArgument, naming the problem', async () => {
    const comma = await aws(['create-invalidation', '--distribution-id', TAGGED, '--paths', '#a,b']);
    expect(comma.code).not.toBe(0);
    expect(comma.stderr).toContain('(InvalidArgument)');
    expect(comma.stderr).toContain('cannot contain a comma');
    const empty = await aws(['create-invalidation', '--distribution-id', TAGGED, '--paths', '#', '/a']);
    expect(empty.stderr).toContain('(InvalidArgument)');
    expect(empty.stderr).toContain('at least one character after #');
  });
});

describe('#tag items with @aws-sdk/client-cloudfront', () => {
  const creds = makeTestCredentials();

  const control = recordingControlForSuite(config, { credentials: creds, createWaitMs: 100 });

  const create = (distributionId: string, items: string[], ref = `sdk-${Math.random()}`) =>
    control.client.send(new CreateInvalidationCommand({ DistributionId: distributionId, InvalidationBatch: { CallerReference: ref, Paths: { Quantity: items.length, Items: items } } }));

  it('mixes tags and paths; a tag ending in * is a literal tag; paths keep their normalisation', async () => {
    const created = await create(TAGGED, ['#Product:TV', '/a b/ü.html', '#sale*', '/assets/*']);
    expect(created.Invalidation?.InvalidationBatch?.Paths?.Items).toEqual(['#Product:TV', '/a b/ü.html', '#sale*', '/assets/*']);
    expect(control.runtime.applied.at(-1)).toEqual({ distributionId: TAGGED, paths: ['#product:tv', '/a%20b/%C3%BC.html', '#sale*', '/assets/*'] });
    const got = await control.client.send(new GetInvalidationCommand({ DistributionId: TAGGED, Id: created.Invalidation!.Id! }));
    expect(got.Invalidation).toEqual(created.Invalidation);
  });

  it('GetDistribution / GetDistributionConfig show CacheTagConfig.HeaderName when the distribution has one', async () => {
    const tagged = await control.client.send(new GetDistributionConfigCommand({ Id: TAGGED }));
    expect(tagged.DistributionConfig?.CacheTagConfig).toEqual({ HeaderName: 'x-amz-meta-cache-tag' });
    const dist = await control.client.send(new GetDistributionCommand({ Id: TAGGED }));
    expect(dist.Distribution?.DistributionConfig?.CacheTagConfig).toEqual({ HeaderName: 'x-amz-meta-cache-tag' });
    const plain = await control.client.send(new GetDistributionConfigCommand({ Id: UNTAGGED }));
    expect(plain.DistributionConfig?.CacheTagConfig).toBeUndefined();
  });

  it('a distribution without cacheTagConfig accepts tag items as CloudFront does (they match nothing)', async () => {
    const created = await create(UNTAGGED, ['#release-42']);
    expect(created.Invalidation?.Status).toBe('Completed');
    expect(control.runtime.applied.at(-1)).toEqual({ distributionId: UNTAGGED, paths: ['#release-42'] });
  });

  it.each([
    ['#', 'at least one character after #'],
    [`#${'x'.repeat(257)}`, 'at most 256 characters'],
    ['#new release', 'found U+0020'],
    ['#a,b', 'cannot contain a comma'],
  ])('%s → InvalidArgument (400)', async (item, why) => {
    const err = await create(TAGGED, ['/ok', item]).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } });
    expect((err as Error).message).toContain(why);
  });

  it('tag items count as individual paths toward the 3,000 in progress', async () => {
    control.runtime.hold();
    try {
      const first = await create(
        TAGGED,
        Array.from({ length: 2999 }, (_, i) => `#t${i}`),
      );
      expect(first.Invalidation?.Status).toBe('InProgress');
      const over = await create(TAGGED, ['#one', '/two']).catch((e: unknown) => e);
      expect(over).toMatchObject({ name: 'TooManyInvalidationsInProgress' });
      // 15 wildcards are still available: tags are not wildcards.
      const wild = await create(TAGGED, Array.from({ length: 15 }, (_, i) => `/w${i}/*`).concat('#last'));
      expect(wild.Invalidation?.Status).toBe('InProgress');
    } finally {
      control.runtime.release();
    }
  });
});

describe('#tag items and peers', () => {
  const started: StartedControl[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.close()));
  });

  it('a peer gets the items as sent and applies them lower-cased', async () => {
    const creds = makeTestCredentials();
    const peerConfig = edgeConfigFixture({ distributions: config.distributions });
    const peerRuntime = createRecordingRuntime(peerConfig);
    const peer = await startControlServer({ runtime: peerRuntime, config: peerConfig, credentials: creds });
    started.push(peer);
    const seen: string[] = [];
    peer.server.on('request', (req: NodeJS.ReadableStream) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => seen.push(body));
    });
    const aConfig = edgeConfigFixture({ distributions: config.distributions, peers: [peer.url] });
    const aRuntime = createRecordingRuntime(aConfig);
    const a = await startControlServer({ runtime: aRuntime, config: aConfig, credentials: creds, createWaitMs: 5_000 });
    started.push(a);
    const client = new CloudFrontClient({ endpoint: a.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    try {
      const created = await client.send(
        new CreateInvalidationCommand({ DistributionId: TAGGED, InvalidationBatch: { CallerReference: 'peer-tags', Paths: { Quantity: 2, Items: ['#Release-42', '/x'] } } }),
      );
      expect(created.Invalidation?.Status).toBe('Completed');
    } finally {
      client.destroy();
    }
    expect(seen).toHaveLength(1);
    expect(seen[0]).toContain('<Items><Path>#Release-42</Path><Path>/x</Path></Items>');
    expect(peerRuntime.applied).toEqual([{ distributionId: TAGGED, paths: ['#release-42', '/x'] }]);
    expect(aRuntime.applied).toEqual([{ distributionId: TAGGED, paths: ['#release-42', '/x'] }]);
  });
});
