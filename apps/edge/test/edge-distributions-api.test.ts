/**
 * CloudFront distributions managed through the control API of a real edge (2 workers, a cache
 * directory) in front of a real origin's S3 website endpoint, with the installed `aws` CLI v1:
 * create-distribution with the CLI's shorthand (--origin-domain-name BUCKET.s3-website-….localhost
 * --default-root-object), requests through the edge by the new DomainName on every worker,
 * update-distribution changing a TTL (get-distribution-config + --if-match), stale / missing
 * If-Match, delete of an enabled distribution, disable then delete, the configuration file's
 * distribution read-only, CNAME conflicts, CallerReference idempotency, tags, and a restart.
 * Every request opens its own connection: the primary hands connections to the workers in turn.
 */
import cluster from 'node:cluster';
import { CloudFrontClient, CreateDistributionCommand, GetDistributionCommand, UpdateDistributionCommand } from '@aws-sdk/client-cloudfront';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { freePort, hasAwsCli, makeTempDir, makeTestCredentials, runAws, type TempDir } from '@bucketfront/test-support';
import { startTestOrigin, type TestOrigin } from '@bucketfront/origin/testing';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdge, type RunningEdge } from '../src/index.js';
import { createWebsiteBucket, TEST_EDGE_WORKERS } from './helpers.js';

/** At least 2 workers (the suite runs again with 4). */
const WORKERS = Math.max(2, TEST_EDGE_WORKERS);
const creds = makeTestCredentials();
const WEBSITE = 'site.s3-website-us-east-1.localhost';

let origin: TestOrigin;
let edge: RunningEdge;
let dir: TempDir;

function edgeConfig(): Record<string, unknown> {
  const website = new URL(origin.websiteUrl!);
  return {
    pop: 'TST9-C1',
    cache: { diskPath: dir.path },
    // The origin's website endpoint listens on a random port: the API's origin domain names reach it here.
    originAddresses: { '*.s3-website-us-east-1.localhost': `127.0.0.1:${website.port}` },
    distributions: [
      {
        id: 'E1CONFIGURED',
        aliases: ['conf.test'],
        origins: [{ id: 'web', url: origin.websiteUrl!, hostHeader: WEBSITE, connectionAttempts: 1 }],
      },
    ],
  };
}

const start = () => startEdge({ config: edgeConfig(), workers: WORKERS, credentials: creds, log: () => {} });

beforeAll(async () => {
  dir = await makeTempDir('bucketfront-dist-api-');
  origin = await startTestOrigin({ websitePort: true });
  await createWebsiteBucket(origin.s3, 'site');
  for (const key of ['index.html', 'a.html', 'b.html']) {
    await origin.s3.send(new PutObjectCommand({ Bucket: 'site', Key: key, Body: `page ${key}`, ContentType: 'text/html' }));
  }
  edge = await start();
}, 120_000);

afterAll(async () => {
  await edge?.close();
  await origin?.stop();
  await dir?.cleanup();
});

async function aws(args: string[]) {
  const res = await runAws(['cloudfront', ...args, '--output', 'json'], { endpointUrl: edge.controlUrl, credentials: creds });
  return { ...res, json: res.code === 0 && res.stdout.trim() ? JSON.parse(res.stdout) : undefined };
}

/** GET through the edge (`on`, default the suite's) with `host`, on a new connection. */
async function viewer(host: string, path: string, on: RunningEdge = edge): Promise<{ status: number; body: string; xcache: string }> {
  const agent = new Agent({ pipelining: 0 });
  try {
    const r = await request(`${on.url}${path}`, { dispatcher: agent, headers: { host, connection: 'close' } });
    return { status: r.statusCode, body: await r.body.text(), xcache: String(r.headers['x-cache'] ?? '') };
  } finally {
    await agent.close();
  }
}

/** 4 requests per worker. */
async function spread(host: string, path: string, on: RunningEdge = edge) {
  const out = [];
  for (let i = 0; i < 4 * WORKERS; i++) out.push(await viewer(host, path, on));
  return out;
}

describe.skipIf(!hasAwsCli())('distributions through the control API (aws CLI, 2+ workers)', () => {
  let id = '';
  let domain = '';

  it('create-distribution --origin-domain-name … --default-root-object: served on every worker by its DomainName', async () => {
    const created = await aws(['create-distribution', '--origin-domain-name', WEBSITE, '--default-root-object', 'index.html']);
    expect(created.code, created.stderr).toBe(0);
    const d = created.json.Distribution;
    id = d.Id;
    domain = d.DomainName;
    expect(id).toMatch(/^E[A-Z0-9]{13}$/);
    expect(domain).toBe(`${id.toLowerCase()}.bucketfront.localhost`);
    expect(created.json.ETag).toMatch(/^E[A-Z0-9]{13}$/);
    expect(created.json.Location).toBe(`${edge.controlUrl}/2020-05-31/distribution/${id}`);
    expect(d.Status).toBe('Deployed');
    expect(d.ARN).toBe(`arn:aws:cloudfront::000000000000:distribution/${id}`);
    expect(d.DistributionConfig.Origins.Items[0]).toMatchObject({ DomainName: WEBSITE, CustomOriginConfig: { HTTPPort: 80, OriginProtocolPolicy: 'http-only' } });
    expect(d.DistributionConfig.DefaultRootObject).toBe('index.html');
    expect(d.DistributionConfig.CallerReference).toMatch(/^cli-/);

    for (const r of await spread(domain, '/')) {
      expect(r.status).toBe(200);
      expect(r.body).toBe('page index.html');
    }
    // The configuration file's distribution still answers its own alias.
    expect((await viewer('conf.test', '/a.html')).body).toBe('page a.html');

    const listed = await aws(['list-distributions']);
    expect(listed.json.DistributionList.Items.map((i: { Id: string }) => i.Id)).toEqual(['E1CONFIGURED', id]);
  });

  it('update-distribution changes a TTL (fetch config + ETag, edit, --if-match); stale If-Match → PreconditionFailed', async () => {
    // Before: DefaultTTL 86400 (the CLI's shorthand sets only MinTTL): the second request on a worker is a hit.
    const before = await spread(domain, '/a.html');
    expect(before.every((r) => r.body === 'page a.html')).toBe(true);
    expect(before.some((r) => r.xcache === 'Hit from cloudfront')).toBe(true);

    const got = await aws(['get-distribution-config', '--id', id]);
    expect(got.code).toBe(0);
    const config = got.json.DistributionConfig;
    expect(config.DefaultCacheBehavior.DefaultTTL).toBe(86400);
    config.DefaultCacheBehavior.DefaultTTL = 0;
    config.DefaultCacheBehavior.MaxTTL = 0;

    const noIfMatch = await aws(['update-distribution', '--id', id, '--distribution-config', JSON.stringify(config)]);
    expect(noIfMatch.code).not.toBe(0);
    expect(noIfMatch.stderr).toContain('InvalidIfMatchVersion');

    const updated = await aws(['update-distribution', '--id', id, '--distribution-config', JSON.stringify(config), '--if-match', got.json.ETag]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.json.ETag).not.toBe(got.json.ETag);
    expect(updated.json.Distribution.DistributionConfig.DefaultCacheBehavior).toMatchObject({ DefaultTTL: 0, MaxTTL: 0 });

    const stale = await aws(['update-distribution', '--id', id, '--distribution-config', JSON.stringify(config), '--if-match', got.json.ETag]);
    expect(stale.code).not.toBe(0);
    expect(stale.stderr).toContain('PreconditionFailed');

    // After: TTL 0, a new object is never a plain hit: every request goes to the origin.
    const after = await spread(domain, '/b.html');
    expect(after.every((r) => r.status === 200 && r.body === 'page b.html')).toBe(true);
    expect(after.filter((r) => r.xcache === 'Hit from cloudfront')).toEqual([]);
  });

  it('the configuration file distribution is read-only; a CNAME of another distribution → CNAMEAlreadyExists', async () => {
    const got = await aws(['get-distribution-config', '--id', 'E1CONFIGURED']);
    expect(got.code).toBe(0);
    const upd = await aws(['update-distribution', '--id', 'E1CONFIGURED', '--distribution-config', JSON.stringify(got.json.DistributionConfig), '--if-match', got.json.ETag]);
    expect(upd.code).not.toBe(0);
    expect(upd.stderr).toContain('IllegalUpdate');
    expect(upd.stderr).toContain('defined in the edge configuration file');
    const del = await aws(['delete-distribution', '--id', 'E1CONFIGURED', '--if-match', got.json.ETag]);
    expect(del.stderr).toContain('AccessDenied');

    const mine = (await aws(['get-distribution-config', '--id', id])).json;
    const taken = { ...mine.DistributionConfig, Aliases: { Quantity: 1, Items: ['conf.test'] } };
    const conflict = await aws(['update-distribution', '--id', id, '--distribution-config', JSON.stringify(taken), '--if-match', mine.ETag]);
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toContain('CNAMEAlreadyExists');
  });

  it('CallerReference: same config → the same distribution, another → DistributionAlreadyExists; tags', async () => {
    const config = (await aws(['get-distribution-config', '--id', id])).json.DistributionConfig;
    const again = { ...config, CallerReference: 'tagged-1', Aliases: { Quantity: 1, Items: ['tagged.test'] } };
    const withTags = JSON.stringify({ DistributionConfig: again, Tags: { Items: [{ Key: 'team', Value: 'web' }] } });
    const first = await aws(['create-distribution-with-tags', '--distribution-config-with-tags', withTags]);
    expect(first.code, first.stderr).toBe(0);
    const second = await aws(['create-distribution', '--distribution-config', JSON.stringify(again)]);
    expect(second.json.Distribution.Id).toBe(first.json.Distribution.Id);
    const other = await aws(['create-distribution', '--distribution-config', JSON.stringify({ ...again, Comment: 'changed' })]);
    expect(other.stderr).toContain('DistributionAlreadyExists');

    const arn = first.json.Distribution.ARN;
    expect((await aws(['list-tags-for-resource', '--resource', arn])).json.Tags.Items).toEqual([{ Key: 'team', Value: 'web' }]);
    expect((await aws(['tag-resource', '--resource', arn, '--tags', 'Items=[{Key=env,Value=prod}]'])).code).toBe(0);
    expect((await aws(['untag-resource', '--resource', arn, '--tag-keys', 'Items=team'])).code).toBe(0);
    expect((await aws(['list-tags-for-resource', '--resource', arn])).json.Tags.Items).toEqual([{ Key: 'env', Value: 'prod' }]);
    // Served by its alias too.
    expect((await viewer('tagged.test', '/')).body).toBe('page index.html');
  });

  it('a worker that restarts serves the distributions created through the API from its first request', async () => {
    const victim = Object.values(cluster.workers ?? {})[0]!;
    const replaced = new Promise<void>((resolve) => cluster.once('listening', () => resolve()));
    victim.process.kill('SIGKILL');
    await replaced;
    for (const r of await spread(domain, '/')) expect([r.status, r.body]).toEqual([200, 'page index.html']);
  });

  it('still there after a restart (same cache directory)', async () => {
    await edge.close();
    edge = await start();
    const got = await aws(['get-distribution', '--id', id]);
    expect(got.code, got.stderr).toBe(0);
    expect(got.json.Distribution.DistributionConfig.DefaultCacheBehavior.DefaultTTL).toBe(0);
    for (const r of await spread(domain, '/')) expect(r.body).toBe('page index.html');
  });

  it('delete: enabled → DistributionNotDisabled; disable (update Enabled=false), then delete-distribution', async () => {
    const got = await aws(['get-distribution-config', '--id', id]);
    const enabled = await aws(['delete-distribution', '--id', id, '--if-match', got.json.ETag]);
    expect(enabled.code).not.toBe(0);
    expect(enabled.stderr).toContain('DistributionNotDisabled');

    const disabled = await aws(['update-distribution', '--id', id, '--distribution-config', JSON.stringify({ ...got.json.DistributionConfig, Enabled: false }), '--if-match', got.json.ETag]);
    expect(disabled.code, disabled.stderr).toBe(0);
    // A disabled distribution serves nothing (and its name does not fall through to another one).
    for (const r of await spread(domain, '/')) expect(r.status).toBe(403);

    const deleted = await aws(['delete-distribution', '--id', id, '--if-match', disabled.json.ETag]);
    expect(deleted.code, deleted.stderr).toBe(0);
    const gone = await aws(['get-distribution', '--id', id]);
    expect(gone.stderr).toContain('NoSuchDistribution');
  });
});

describe.skipIf(!hasAwsCli())('distributions through the control API of two edges that are peers', () => {
  const peers: RunningEdge[] = [];
  afterAll(async () => {
    await Promise.all(peers.map((e) => e.close()));
  });

  it('created, disabled and deleted on one edge: served, then refused, by every worker of the other; Deployed once both have it', async () => {
    // Own viewer ports: cluster workers asking for port 0 in one process would share one listening socket.
    const [portA, portB, viewerA, viewerB] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const base = edgeConfig();
    delete base['cache'];
    peers.push(await startEdge({ config: { ...base, pop: 'PEA9-C1', peers: [`http://127.0.0.1:${portB}`] }, port: viewerA, controlPort: portA, workers: WORKERS, credentials: creds, log: () => {} }));
    peers.push(await startEdge({ config: { ...base, pop: 'PEB9-C1', peers: [`http://127.0.0.1:${portA}`] }, port: viewerB, controlPort: portB, workers: WORKERS, credentials: creds, log: () => {} }));
    const [a, b] = peers as [RunningEdge, RunningEdge];
    // Its own bucket: the configuration's only distribution (which would answer an unclaimed Host) serves `site`.
    await createWebsiteBucket(origin.s3, 'peer');
    await origin.s3.send(new PutObjectCommand({ Bucket: 'peer', Key: 'index.html', Body: 'peer page', ContentType: 'text/html' }));
    expect((await viewer('peered.test', '/', b)).body).toBe('page index.html');
    const client = new CloudFrontClient({ endpoint: a.controlUrl, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    try {
      const config = {
        CallerReference: 'peers-1',
        Comment: '',
        Enabled: true,
        DefaultRootObject: 'index.html',
        Aliases: { Quantity: 1, Items: ['peered.test'] },
        Origins: {
          Quantity: 1,
          Items: [{ Id: 'web', DomainName: 'peer.s3-website-us-east-1.localhost', CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'http-only' as const } }],
        },
        DefaultCacheBehavior: { TargetOriginId: 'web', ViewerProtocolPolicy: 'allow-all' as const, MinTTL: 0, ForwardedValues: { QueryString: false, Cookies: { Forward: 'none' as const } } },
      };
      const created = await client.send(new CreateDistributionCommand({ DistributionConfig: config }));
      const id = created.Distribution!.Id!;
      let status = created.Distribution!.Status;
      for (let i = 0; i < 500 && status !== 'Deployed'; i++) {
        await new Promise((r) => setTimeout(r, 10));
        status = (await client.send(new GetDistributionCommand({ Id: id }))).Distribution!.Status;
      }
      expect(status).toBe('Deployed');
      for (const r of await spread('peered.test', '/', b)) expect([r.status, r.body]).toEqual([200, 'peer page']);

      const disabled = await client.send(new UpdateDistributionCommand({ Id: id, IfMatch: created.ETag!, DistributionConfig: { ...config, Enabled: false } }));
      for (let i = 0; i < 500 && (await viewer('peered.test', '/', b)).status !== 403; i++) await new Promise((r) => setTimeout(r, 10));
      for (const r of await spread('peered.test', '/', b)) expect(r.status).toBe(403);

      const del = await runAws(['cloudfront', 'delete-distribution', '--id', id, '--if-match', disabled.ETag!], { endpointUrl: a.controlUrl, credentials: creds });
      expect(del.code, del.stderr).toBe(0);
      const onB = new CloudFrontClient({ endpoint: b.controlUrl, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
      try {
        let gone = false;
        for (let i = 0; i < 500 && !gone; i++) {
          gone = await onB.send(new GetDistributionCommand({ Id: id })).then(
            () => false,
            (err: { name: string }) => err.name === 'NoSuchDistribution',
          );
          if (!gone) await new Promise((r) => setTimeout(r, 10));
        }
        expect(gone).toBe(true);
      } finally {
        onB.destroy();
      }
    } finally {
      client.destroy();
    }
  });
});
