/**
 * Attacks on the functions runtime through its webhook trigger (real HTTP with undici, real
 * worker threads): handlers that crash or exit *after* answering (while their environment sits
 * idle), exit or exhaust their heap during an invocation, and requests without or with a wrong
 * token, oversized or malformed bodies. The runtime must stay up and keep answering.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from '@bucketfront/test-support';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FunctionsConfigInput, type RunningFunctions, startFunctions } from '../src/index.js';
import { s3Event } from './fixtures/s3-event.js';

async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await request(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const text = await res.body.text();
  return { status: res.statusCode, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const HANDLERS: Record<string, string> = {
  // Answers, then throws from a timer while its environment is idle.
  'throws-later.mjs': `export async function handler(event) { setTimeout(() => { throw new Error('late crash'); }, 20); return 'ok'; }`,
  // Answers, then exits its environment while it is idle.
  'exits-later.mjs': `export async function handler(event) { setTimeout(() => process.exit(3), 20); return 'ok'; }`,
  // Exits during the invocation.
  'exits-now.mjs': `export async function handler(event) { process.exit(4); }`,
  // Allocates without bound.
  'hog.mjs': `export async function handler(event) { const a = []; for (;;) a.push(new Array(1e5).fill({ x: Math.random() })); }`,
  'ok.mjs': `export async function handler(event) { return 'ok'; }`,
};

describe('functions runtime under attack (webhook trigger)', () => {
  let temp: TempDir;
  let fns: RunningFunctions;
  const token = 'a-token-of-32-characters-0123456';

  beforeAll(async () => {
    temp = await makeTempDir('bucketfront-fn-attacks-');
    for (const [name, code] of Object.entries(HANDLERS)) await writeFile(join(temp.path, name), code);
    const fn = (name: string, handler: string, extra: Record<string, unknown> = {}) => ({ name, handler, trigger: { type: 'webhook' as const }, retries: 0, ...extra });
    const config: FunctionsConfigInput = {
      origin: { endpoint: 'http://127.0.0.1:1', accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      listen: { host: '127.0.0.1', port: 0 },
      functions: [
        fn('throws-later', 'throws-later.mjs', { timeout: 5 }),
        fn('exits-later', 'exits-later.mjs', { timeout: 5 }),
        fn('exits-now', 'exits-now.mjs'),
        fn('hog', 'hog.mjs', { memorySize: 128, timeout: 60 }),
        fn('guarded', 'ok.mjs', { trigger: { type: 'webhook', authToken: token } }),
      ],
    };
    fns = await startFunctions({ config, baseDir: temp.path, log: () => {} });
  });

  afterAll(async () => {
    await fns?.close();
    await temp?.cleanup();
  });

  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('an idle environment that crashes is not reused, and the runtime stays up', async () => {
    const first = await post(fns.webhookUrlOf('throws-later'), JSON.stringify(s3Event('b', 'one')));
    expect(first.json).toMatchObject({ status: 'success' });
    await pause(300); // the environment throws while idle
    const second = await post(fns.webhookUrlOf('throws-later'), JSON.stringify(s3Event('b', 'two')));
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({ status: 'success', attempts: 1 });
  });

  it('an idle environment that exits is not reused (no timeout on a dead thread)', async () => {
    const first = await post(fns.webhookUrlOf('exits-later'), JSON.stringify(s3Event('b', 'one')));
    expect(first.json).toMatchObject({ status: 'success' });
    await pause(300);
    const second = await post(fns.webhookUrlOf('exits-later'), JSON.stringify(s3Event('b', 'two')));
    expect(second.json).toMatchObject({ status: 'success', attempts: 1 });
  });

  it('process.exit during an invocation fails the attempt, not the runtime', async () => {
    const res = await post(fns.webhookUrlOf('exits-now'), JSON.stringify(s3Event('b', 'x')));
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('a handler exhausting its heap fails its attempt, not the runtime', async () => {
    const res = await post(fns.webhookUrlOf('hog'), JSON.stringify(s3Event('b', 'x')));
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'failed', attempts: 1 });
  }, 60_000);

  it('refuses a missing or wrong bearer token, oversized and malformed bodies', async () => {
    const url = fns.webhookUrlOf('guarded');
    const body = JSON.stringify(s3Event('b', 'x'));
    expect((await post(url, body)).status).toBe(401);
    expect((await post(url, body, { authorization: `Bearer ${token}x` })).status).toBe(401);
    expect((await post(url, body, { authorization: `bearer ${token.slice(1)}` })).status).toBe(401);
    expect((await post(url, body, { authorization: `Bearer ${token}` })).json).toMatchObject({ status: 'success' });
    const auth = { authorization: `Bearer ${token}` };
    expect((await post(url, '{"Records":', auth)).status).toBe(400);
    expect((await post(url, 'null', auth)).status).toBe(400);
    expect((await post(url, Buffer.alloc(300 * 1024, 0x20), auth)).status).toBe(413);
    // Still up.
    expect((await post(url, body, auth)).json).toMatchObject({ status: 'success' });
  });
});
