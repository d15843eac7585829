/**
 * Two origin nodes (`bucketfront origin --store s3:…`, each its own process)
 * over one Ceph cluster, and an edge in front of both (an origin group).
 * - A website configuration, a bucket policy and a deploy made through node A
 *   are served by node B, and through the edge, within the documented bound
 *   (docs/scaling-out.md: bucket facts are revalidated after 500 ms, so
 *   another node's change is honoured within 1 s).
 * - Both nodes answer to the same credentials (kept in the cluster).
 * - Node A is SIGKILLed while viewers load the edge: zero errors (failover to B).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { CreateBucketCommand, PutBucketPolicyCommand, PutBucketWebsiteCommand } from '@aws-sdk/client-s3';
import { startEdge, type RunningEdge } from '@bucketfront/edge';
import { cephCluster, makeS3Client, makeTestCredentials, publicReadPolicy, uniquePrefix } from '@bucketfront/test-support';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli, spawnCli, writeTree } from './helpers.js';

const ceph = cephCluster();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The bound docs/scaling-out.md promises for a change made through another node. */
const BOUND_MS = 1000;

interface Node {
  child: ChildProcess;
  url: string;
  websiteUrl: string;
}

/** `bucketfront origin --store … --port 0 --website-port 0`; its URLs come from its start-up lines. */
function startNode(store: string, env: NodeJS.ProcessEnv): Promise<Node> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(['origin', '--store', store, '--port', '0', '--website-port', '0', '--no-access-log'], env);
    let err = '';
    const timer = setTimeout(() => reject(new Error(`origin did not start: ${err}`)), 30_000);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      const api = /S3 API:\s+(http:\/\/\S+)/.exec(err);
      const web = /website \(port\):\s+(http:\/\/\S+)/.exec(err);
      if (api && web) {
        clearTimeout(timer);
        resolve({ child, url: api[1]!, websiteUrl: web[1]! });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`origin exited (${code}): ${err}`));
    });
  });
}

const children: ChildProcess[] = [];
let edge: RunningEdge | undefined;
let work: string | undefined;
afterAll(async () => {
  await edge?.close();
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  if (work) await rm(work, { recursive: true, force: true });
});

async function getText(url: string, host?: string): Promise<{ status: number; body: string }> {
  const res = await request(url, { headers: host ? { host } : {} });
  return { status: res.statusCode, body: await res.body.text() };
}

describe.skipIf(!ceph)('two origin nodes over one Ceph cluster', () => {
  it("a change through node A is served by node B and the edge within the bound; the edge survives A's death", async () => {
    const cluster = ceph!;
    const credentials = makeTestCredentials();
    work = await mkdtemp(join(tmpdir(), 'bf-two-nodes-'));
    const store = `s3:${cluster.endpoint}?bucketPrefix=${uniquePrefix('bf-two')}`;
    const env = cliEnv(
      { credentials, cacheDir: join(work, 'cache') },
      {
        BUCKETFRONT_ACCESS_KEY_ID: credentials.accessKeyId,
        BUCKETFRONT_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        BUCKETFRONT_STORE_ACCESS_KEY_ID: cluster.accessKeyId,
        BUCKETFRONT_STORE_SECRET_ACCESS_KEY: cluster.secretAccessKey,
      },
    );
    const a = await startNode(store, env);
    children.push(a.child);
    const b = await startNode(store, env);
    children.push(b.child);
    const s3a = makeS3Client(a.url, credentials);
    const bucket = 'site';

    // Node B has seen the bucket missing before A creates it (so B holds cached facts to revalidate).
    expect((await getText(`${b.websiteUrl}/`, bucket)).status).toBe(404);
    await s3a.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3a.send(
      new PutBucketWebsiteCommand({
        Bucket: bucket,
        WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' }, ErrorDocument: { Key: '404.html' } },
      }),
    );
    await s3a.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: publicReadPolicy(bucket) }));
    const site = join(work, 'site');
    await writeTree(site, { 'index.html': '<h1>v1</h1>', '404.html': 'not here', 'docs/index.html': 'docs v1' });
    const deploy = await runCli(['sync', site, `s3://${bucket}`, '--endpoint-url', a.url], env);
    expect(deploy.code, deploy.stderr).toBe(0);
    const changedAt = Date.now();

    // Within the bound, node B serves the website (configuration + policy + deployed files).
    await sleep(Math.max(0, BOUND_MS - (Date.now() - changedAt)));
    expect(await getText(`${b.websiteUrl}/`, bucket)).toEqual({ status: 200, body: '<h1>v1</h1>' });
    expect(await getText(`${b.websiteUrl}/docs/`, bucket)).toEqual({ status: 200, body: 'docs v1' });
    // Anonymous readers without s3:ListBucket get 403 for a missing key, with the error document (as AWS).
    expect(await getText(`${b.websiteUrl}/nope`, bucket)).toEqual({ status: 403, body: 'not here' });
    // The same credentials work on B (they live in the cluster, not on a node).
    const s3b = makeS3Client(b.url, credentials);
    expect((await s3b.send(new (await import('@aws-sdk/client-s3')).ListObjectsV2Command({ Bucket: bucket }))).KeyCount).toBe(3);

    // A policy removed through A: B stops serving anonymous reads within the bound.
    await s3a.send(new (await import('@aws-sdk/client-s3')).DeleteBucketPolicyCommand({ Bucket: bucket }));
    const removedAt = Date.now();
    await sleep(Math.max(0, BOUND_MS - (Date.now() - removedAt)));
    expect((await getText(`${b.websiteUrl}/`, bucket)).status).toBe(403);
    await s3a.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: publicReadPolicy(bucket) }));

    // The edge fronts both nodes (origin group: A primary, B secondary); caching off so every
    // viewer request reaches an origin node.
    edge = await startEdge({
      config: {
        distributions: [
          {
            id: 'ETWONODES',
            origins: [
              { id: 'a', url: a.websiteUrl, hostHeader: bucket, connectionAttempts: 1, connectionTimeout: 1 },
              { id: 'b', url: b.websiteUrl, hostHeader: bucket },
            ],
            originGroups: [{ id: 'ab', primaryOriginId: 'a', secondaryOriginId: 'b', failoverCriteria: { statusCodes: [500, 502, 503, 504] } }],
            defaultCacheBehavior: { targetOriginId: 'ab', minTTL: 0, defaultTTL: 0, maxTTL: 0 },
          },
        ],
      },
      port: 0,
      controlPort: 0,
      workers: 1,
      credentials,
      log: () => {},
    });
    await sleep(BOUND_MS);
    expect(await getText(`${edge.url}/docs/`)).toEqual({ status: 200, body: 'docs v1' });

    // Viewers load the edge while node A is SIGKILLed.
    const statuses = new Map<number, number>();
    let stop = false;
    const viewer = async () => {
      while (!stop) {
        const r = await getText(`${edge!.url}/`).catch(() => ({ status: 0, body: '' }));
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 200) expect(r.body).toBe('<h1>v1</h1>');
      }
    };
    const viewers = Array.from({ length: 4 }, viewer);
    await sleep(1000);
    a.child.kill('SIGKILL');
    await new Promise((r) => a.child.once('exit', r));
    await sleep(2000);
    stop = true;
    await Promise.all(viewers);
    expect([...statuses.keys()]).toEqual([200]);
    expect(statuses.get(200)).toBeGreaterThan(10);
    s3a.destroy();
    s3b.destroy();
  }, 180_000);
});
