/**
 * The installed `aws` CLI (v1) against a real control server, exactly as users
 * run it: `aws cloudfront … --endpoint-url http://127.0.0.1:PORT`.
 */
import { hasAwsCli, makeTestCredentials, runAws, type TestCredentials } from '@bucketfront/test-support';
import { describe, expect, it } from 'vitest';
import { distributionFixture, edgeConfigFixture, recordingControlForSuite } from './fixtures/control-server.js';

const DIST = 'E1TESTDIST0001';
const OTHER = 'E3OTHERDIST003';

describe.skipIf(!hasAwsCli())('control API with the aws CLI', () => {
  const creds = makeTestCredentials();
  const config = edgeConfigFixture({ distributions: [distributionFixture(DIST), distributionFixture(OTHER, { aliases: [] })] });

  async function aws(args: string[], credentials: TestCredentials = creds) {
    const res = await runAws(['cloudfront', ...args, '--output', 'json'], { endpointUrl: control.server.url, credentials });
    return { ...res, json: res.code === 0 && res.stdout.trim() ? JSON.parse(res.stdout) : undefined };
  }

  const control = recordingControlForSuite(config, { credentials: creds });

  it('create-invalidation --paths → Completed; get-invalidation shows it', async () => {
    const created = await aws(['create-invalidation', '--distribution-id', DIST, '--paths', '/index.html', '/assets/*']);
    expect(created.code).toBe(0);
    const inv = created.json.Invalidation;
    expect(inv.Id).toMatch(/^I[A-Z0-9]{13}$/);
    expect(inv.Status).toBe('Completed');
    expect(inv.InvalidationBatch.Paths).toEqual({ Quantity: 2, Items: ['/index.html', '/assets/*'] });
    expect(inv.InvalidationBatch.CallerReference).toMatch(/^cli-/);
    expect(created.json.Location).toBe(`${control.server.url}/2020-05-31/distribution/${DIST}/invalidation/${inv.Id}`);
    expect(control.runtime.applied.at(-1)).toEqual({ distributionId: DIST, paths: ['/index.html', '/assets/*'] });

    const got = await aws(['get-invalidation', '--distribution-id', DIST, '--id', inv.Id]);
    expect(got.code).toBe(0);
    expect(got.json.Invalidation).toEqual(inv);
  });

  it('create-invalidation --invalidation-batch (Paths first) with raw UTF-8 paths; same batch again is idempotent', async () => {
    const batch = JSON.stringify({ Paths: { Quantity: 2, Items: ['/a b/ü.html', '/docs/*'] }, CallerReference: 'deploy-42' });
    const first = await aws(['create-invalidation', '--distribution-id', DIST, '--invalidation-batch', batch]);
    expect(first.code).toBe(0);
    expect(first.json.Invalidation.InvalidationBatch.Paths.Items).toEqual(['/a b/ü.html', '/docs/*']);
    expect(control.runtime.applied.at(-1)).toEqual({ distributionId: DIST, paths: ['/a%20b/%C3%BC.html', '/docs/*'] });
    const applied = control.runtime.applied.length;

    const again = await aws(['create-invalidation', '--distribution-id', DIST, '--invalidation-batch', batch]);
    expect(again.code).toBe(0);
    expect(again.json.Invalidation.Id).toBe(first.json.Invalidation.Id);
    expect(control.runtime.applied.length).toBe(applied);

    const changed = JSON.stringify({ Paths: { Quantity: 1, Items: ['/other'] }, CallerReference: 'deploy-42' });
    const conflict = await aws(['create-invalidation', '--distribution-id', DIST, '--invalidation-batch', changed]);
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain('InvalidationBatchAlreadyExists');
  });

  it('list-invalidations paginates through Marker / NextMarker, newest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await aws(['create-invalidation', '--distribution-id', OTHER, '--paths', `/page-${i}.html`]);
      expect(r.code).toBe(0);
      ids.push(r.json.Invalidation.Id);
    }
    // --page-size 2 makes the CLI fetch 3 pages (MaxItems=2, then Marker=NextMarker…) and merge them.
    const all = await aws(['list-invalidations', '--distribution-id', OTHER, '--page-size', '2']);
    expect(all.code).toBe(0);
    expect(all.json.InvalidationList.Items.map((i: { Id: string }) => i.Id)).toEqual([...ids].reverse());
    expect(all.json.InvalidationList.Items.every((i: { Status: string }) => i.Status === 'Completed')).toBe(true);

    const limited = await aws(['list-invalidations', '--distribution-id', OTHER, '--max-items', '3', '--page-size', '2']);
    expect(limited.json.InvalidationList.Items.map((i: { Id: string }) => i.Id)).toEqual([...ids].reverse().slice(0, 3));
    expect(typeof limited.json.NextToken).toBe('string');
    const rest = await aws(['list-invalidations', '--distribution-id', OTHER, '--starting-token', limited.json.NextToken, '--page-size', '2']);
    expect(rest.json.InvalidationList.Items.map((i: { Id: string }) => i.Id)).toEqual([...ids].reverse().slice(3));
  });

  it('list-distributions and get-distribution / get-distribution-config parse', async () => {
    const list = await aws(['list-distributions']);
    expect(list.code).toBe(0);
    const items = list.json.DistributionList.Items;
    expect(items.map((d: { Id: string }) => d.Id)).toEqual([DIST, OTHER]);
    expect(items[0]).toMatchObject({ Status: 'Deployed', Aliases: { Quantity: 1, Items: ['e1testdist0001.example.test'] }, Origins: { Quantity: 1 } });
    expect(items[1].Aliases).toEqual({ Quantity: 0 });
    expect(items[1].DomainName).toBe('e3otherdist003.bucketfront.localhost');

    const dist = await aws(['get-distribution', '--id', DIST]);
    expect(dist.code).toBe(0);
    expect(dist.json.ETag).toMatch(/^E[0-9A-F]{13}$/);
    expect(dist.json.Distribution.DistributionConfig.DefaultCacheBehavior).toMatchObject({ TargetOriginId: 'site', ViewerProtocolPolicy: 'allow-all' });
    expect(dist.json.Distribution.DistributionConfig.Origins.Items[0]).toMatchObject({ Id: 'site', DomainName: 'my-site.s3-website-us-east-1.localhost' });

    const cfg = await aws(['get-distribution-config', '--id', DIST]);
    expect(cfg.code).toBe(0);
    expect(cfg.json.ETag).toBe(dist.json.ETag);
    expect(cfg.json.DistributionConfig).toEqual(dist.json.Distribution.DistributionConfig);
  });

  it('errors reach the CLI with their CloudFront codes', async () => {
    const noDist = await aws(['create-invalidation', '--distribution-id', 'ENOPE', '--paths', '/x']);
    expect(noDist.code).not.toBe(0);
    expect(noDist.stderr).toContain('(NoSuchDistribution)');
    const noInv = await aws(['get-invalidation', '--distribution-id', DIST, '--id', 'INOPE']);
    expect(noInv.stderr).toContain('(NoSuchInvalidation)');
    const badPath = await aws(['create-invalidation', '--distribution-id', DIST, '--paths', 'index.html']);
    expect(badPath.stderr).toContain('(InvalidArgument)');
    const wrongSecret = await aws(['list-distributions'], { accessKeyId: creds.accessKeyId, secretAccessKey: 'wrong' });
    expect(wrongSecret.code).not.toBe(0);
    expect(wrongSecret.stderr).toContain('(SignatureDoesNotMatch)');
    const unknownKey = await aws(['list-distributions'], makeTestCredentials());
    expect(unknownKey.stderr).toContain('(InvalidClientTokenId)');
  });
});
