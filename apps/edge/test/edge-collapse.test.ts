import { afterEach, describe, expect, it } from 'vitest';
import { childServer, edgeFor, edgeInChild, get, herd, withPriority, oneDistribution, startTinyOrigin, type TinyOrigin } from './helpers.js';
import type { RunningEdge } from '../src/index.js';

let origin: TinyOrigin;
let edge: RunningEdge;
afterEach(async () => { await edge?.close(); await origin?.close(); });

const ORIGIN_DELAY_MS = 200;
const BODY_BYTES = 10 * 1024;

describe('request collapsing — spec §1.9', () => {
  it('200 concurrent cold requests → exactly 1 origin request; no follower waits longer than the origin fetch + 50 ms', async () => {
    // Edge and origin each run in their own process, so that the 200 clients here share an event
    // loop with neither; the origin measures its own fetch time (arrival → response flushed).
    // 10 KiB bodies: the bound is about waiting, not transfer (the cross-worker test below and the
    // bench use 100 KiB); 200 × 100 KiB of copies on a shared 2-core box would measure the box.
    const slow = await childServer('slow-origin.ts', [String(ORIGIN_DELAY_MS), String(BODY_BYTES)]);
    const child = await edgeInChild({ config: oneDistribution(slow.url), workers: 1 });
    const stats = async (): Promise<Record<string, { count: number; fetchMs: number }>> => JSON.parse((await get(`${slow.url}/__stats`)).body.toString());
    try {
      await herd(child.url, '/warm.jpg', 50); // JIT and the origin keep-alive pool
      await withPriority([slow.pid, child.pid], async () => {
        // The machine is shared (2 cores, many test runs): edge, origin and this process run at a
        // raised priority (when permitted), and the latency bound gets up to 3 attempts
        // with a fresh object each; a lock-polling design (nginx: 500 ms) fails all of them.
        const attempts: Array<{ maxWait: number; fetchMs: number }> = [];
        for (let attempt = 1; attempt <= 3; attempt++) {
          const path = `/big-${attempt}.jpg`;
          const results = await herd(child.url, path, 200);
          const st = (await stats())[path]!;
          // Functional checks: always exact.
          expect(st.count).toBe(1);
          expect(results.every((r) => r.status === 200 && r.bodyBytes === BODY_BYTES)).toBe(true);
          expect(results.filter((r) => r.xcache === 'Miss from cloudfront').length).toBe(1);
          expect(results.filter((r) => r.xcache === 'Hit from cloudfront').length).toBe(199);
          expect(st.fetchMs).toBeGreaterThanOrEqual(ORIGIN_DELAY_MS - 5);
          // Wait = from the client's request to the first byte of its response.
          const maxWait = Math.max(...results.map((r) => r.firstByteAt - r.sentAt));
          attempts.push({ maxWait, fetchMs: st.fetchMs });
          if (maxWait <= st.fetchMs + 50) break;
        }
        const last = attempts[attempts.length - 1]!;
        const report = attempts.map((a, i) => `attempt ${i + 1}: max wait ${a.maxWait.toFixed(1)} ms, origin fetch ${a.fetchMs.toFixed(1)} ms`).join('; ');
        expect(last.maxWait, report).toBeLessThanOrEqual(last.fetchMs + 50);
      });
    } finally {
      await child.close();
      await slow.close();
    }
  });

  it('no collapsing when the origin disables it (no-store, MinTTL 0): followers fetch themselves', async () => {
    let n = 0;
    origin = await startTinyOrigin({
      '/p': async (_req, res) => {
        n++;
        await new Promise((r) => setTimeout(r, 50));
        res.writeHead(200, { 'cache-control': 'no-store', 'content-length': '1' });
        res.end('p');
      },
    });
    edge = await edgeFor(oneDistribution(origin.url));
    const rs = await Promise.all(Array.from({ length: 5 }, () => get(`${edge.url}/p`)));
    expect(rs.every((r) => r.status === 200)).toBe(true);
    expect(n).toBe(5);
  });

  it('never collapses POST', async () => {
    origin = await startTinyOrigin({
      '/api': async (req, res) => {
        let body = '';
        for await (const c of req) body += c;
        await new Promise((r) => setTimeout(r, 30));
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`echo:${body}`);
      },
    });
    edge = await edgeFor(oneDistribution(origin.url, {}, { allowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'] }));
    const rs = await Promise.all([1, 2, 3].map((i) => get(`${edge.url}/api`, { 'content-type': 'text/plain' }, 'POST', `b${i}`)));
    expect(rs.map((r) => r.body.toString()).sort()).toEqual(['echo:b1', 'echo:b2', 'echo:b3']);
    expect(origin.count('/api')).toBe(3);
  });
});

describe('collapsing across cluster workers', () => {
  it('workers: 2 — a herd spread over both workers costs exactly 1 origin request; both caches filled', async () => {
    const body = Buffer.alloc(100 * 1024, 5);
    origin = await startTinyOrigin({
      '*': async (_req, res) => {
        await new Promise((r) => setTimeout(r, ORIGIN_DELAY_MS));
        res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(body.length), 'cache-control': 'max-age=300' });
        res.end(body);
      },
    });
    const child = await edgeInChild({ config: oneDistribution(origin.url), workers: 2 });
    try {
      const results = await herd(child.url, '/shared.jpg', 100);
      expect(origin.count('/shared.jpg')).toBe(1);
      expect(results.every((r) => r.status === 200 && r.bodyBytes === body.length)).toBe(true);
      expect(results.filter((r) => r.xcache === 'Miss from cloudfront').length).toBe(1);
      // Later requests on fresh connections (round-robin over both workers) are all hits.
      const again = await herd(child.url, '/shared.jpg', 20);
      expect(again.every((r) => r.xcache === 'Hit from cloudfront')).toBe(true);
      expect(origin.count('/shared.jpg')).toBe(1);
    } finally {
      await child.close();
    }
  });
});
