/**
 * Issue 18 item 4: the edge's hit-for-miss and "too big" marks are bounded in bytes, not only in
 * count. A key is up to ~20 KB (the viewer's URL, keyed query strings included), so 10,000 marks
 * could hold ~200 MB per mark set in a worker whose memory formula has no room for them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningEdge } from '../src/index.js';
import { edgeFor, oneDistribution } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let origin: Server | undefined;
let edge: RunningEdge | undefined;
afterEach(async () => {
  await edge?.close();
  origin?.closeAllConnections();
  await new Promise((r) => origin?.close(r) ?? r(undefined));
  edge = undefined;
  origin = undefined;
});

/** An origin that remembers nothing (the heap measured is the edge's): `no-store` JSON. */
async function noStoreOrigin(): Promise<string> {
  origin = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '2', 'cache-control': 'no-store' });
    res.end('{}');
  });
  await new Promise<void>((r) => origin!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
}

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('hit-for-miss marks', () => {
  it('1,500 uncollapsible responses under distinct 12 KB keys keep at most a few MiB of marks', async () => {
    // no-store with MinTTL 0: not stored, not collapsed; the edge marks the key (hit-for-miss).
    edge = await edgeFor(oneDistribution(await noStoreOrigin(), {}, { minTTL: 0, cacheKey: { queryStrings: 'all' } }), { workers: 1 });
    const agent = new Agent({ connections: 8 });
    const pad = 'x'.repeat(12 * 1024); // the origin (node's 16 KiB header limit) must accept the URL too
    const send = async (i: number): Promise<void> => {
      const r = await request(`${edge!.url}/api?i=${i}&pad=${pad}`, { dispatcher: agent });
      await r.body.dump();
      expect(r.statusCode).toBe(200);
    };
    await send(-1);
    const before = heapAfterGc();
    for (let i = 0; i < 1500; i += 8) await Promise.all(Array.from({ length: 8 }, (_, j) => send(i + j)));
    const grown = heapAfterGc() - before;
    await agent.close();
    console.log(`heap grown by ${(grown / 1048576).toFixed(1)} MiB after 1,500 marks of 12 KB keys`);
    // 1,500 × 12 KB of keys is 18 MiB; the marks may hold 4 MiB of keys (+ slack for the rest).
    expect(grown).toBeLessThan(10 * 1048576);
  }, 120_000);
});
