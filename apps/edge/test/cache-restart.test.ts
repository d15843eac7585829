/**
 * The shared tier survives the edge: SIGKILL the whole edge (primary and workers), start it again
 * on the same cache directory, and fresh objects are hits without an origin fetch; expired ones
 * follow the stale rules; a body truncated on disk while the edge was down is refetched, never
 * served; invalidations made before the restart still hold, and their history is kept.
 */
import { mkdtemp, readFile, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killGroup, startEdgeProcess } from './fixtures/edge-process.js';
import { CloudFrontClient, CreateInvalidationCommand, ListInvalidationsCommand } from '@aws-sdk/client-cloudfront';
import { filesUnder } from '@bucketfront/test-support';
import { Agent, request } from 'undici';
import { oneDistribution, startTinyOrigin, type TinyOrigin } from './helpers.js';

const creds = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const N = 1000;

const agent = new Agent({ connections: 16 });
async function fetchAll(base: string, paths: string[]): Promise<Array<{ xcache: string; body: string }>> {
  const out: Array<{ xcache: string; body: string }> = new Array(paths.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < paths.length) {
        const i = next++;
        const r = await request(`${base}${paths[i]}`, { dispatcher: agent });
        out[i] = { xcache: String(r.headers['x-cache'] ?? ''), body: await r.body.text() };
      }
    }),
  );
  return out;
}

describe('restart on the same cache directory', () => {
  let dir: string;
  let origin: TinyOrigin;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bf-edge-restart-'));
    origin = await startTinyOrigin({
      '*': (req, res) => {
        const short = req.url!.startsWith('/short/');
        const b = `body of ${req.url} `.repeat(20);
        res.writeHead(200, {
          'content-type': 'text/plain',
          'content-length': String(Buffer.byteLength(b)),
          'cache-control': short ? 'max-age=1' : 'max-age=3600',
          'last-modified': 'Wed, 01 Jan 2025 00:00:00 GMT',
        });
        res.end(b);
      },
    });
  });
  afterAll(async () => {
    await origin.close();
    await agent.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(`${N} objects: 0 origin fetches after SIGKILL and restart; a truncated body is refetched; invalidations hold`, async () => {
    const opts = { config: { ...oneDistribution(origin.url), cache: { diskPath: dir } }, workers: 2, credentials: creds };
    const paths = Array.from({ length: N }, (_, i) => `/o/${i}.txt`);
    const short = ['/short/1.txt', '/short/2.txt'];
    let edge = await startEdgeProcess(opts);
    const first = await fetchAll(edge.url, [...paths, ...short, '/gone.txt']);
    expect(first.every((r) => r.xcache === 'Miss from cloudfront')).toBe(true);
    const cf = new CloudFrontClient({ endpoint: edge.controlUrl, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    await cf.send(new CreateInvalidationCommand({ DistributionId: 'E1TEST', InvalidationBatch: { CallerReference: 'before-restart', Paths: { Quantity: 1, Items: ['/gone.txt'] } } }));
    const fetchesBefore = origin.requests.length;

    await killGroup(edge);
    // While the edge is down: cut one body file short.
    const bodies = await filesUnder(join(dir, 'bodies'));
    expect(bodies.length).toBeGreaterThanOrEqual(N);
    let victim = '';
    for (const f of bodies)
      if ((await readFile(f, 'latin1')).startsWith('body of /o/5')) {
        victim = f;
        break;
      }
    expect(victim).not.toBe('');
    await truncate(victim, Math.floor((await stat(victim)).size / 2));
    await new Promise((r) => setTimeout(r, 1_100)); // the /short/ objects are now expired

    edge = await startEdgeProcess(opts);
    try {
      const again = await fetchAll(edge.url, paths);
      const refetched = origin.requests.slice(fetchesBefore).filter((r) => r.url.startsWith('/o/'));
      // Exactly the truncated body went back to the origin; every viewer got a whole body.
      expect(refetched.length).toBe(1);
      again.forEach((r, i) => {
        expect(r.body).toBe(`body of ${paths[i]} `.repeat(20));
      });
      expect(again.filter((r) => r.xcache === 'Hit from cloudfront').length).toBe(N - 1);

      // Expired objects are revalidated (conditional GET → 304 is not sent by this origin: 200 = Miss).
      const s = await fetchAll(edge.url, short);
      expect(s.map((r) => r.xcache).every((x) => x === 'Miss from cloudfront' || x === 'RefreshHit from cloudfront')).toBe(true);
      expect(origin.requests.slice(fetchesBefore).filter((r) => r.url.startsWith('/short/')).length).toBe(2);

      // The invalidation made before the restart still applies, and its history is kept.
      const gone = await fetchAll(edge.url, ['/gone.txt']);
      expect(gone[0]!.xcache).toBe('Miss from cloudfront');
      const cf2 = new CloudFrontClient({ endpoint: edge.controlUrl, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
      const list = await cf2.send(new ListInvalidationsCommand({ DistributionId: 'E1TEST' }));
      expect(list.InvalidationList?.Items?.map((i) => i.Status)).toEqual(['Completed']);
    } finally {
      await killGroup(edge);
    }
  });
});
