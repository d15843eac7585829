/**
 * The runtime behind its webhook trigger, driven by real HTTP POSTs of S3 events (undici), with
 * handlers that record what they saw in files: the context, the concurrency bound, retries and the
 * error destination, timeouts that terminate a hung handler, and the answers to bad input.
 */
import { createServer, type Server } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir, type TempDir } from '@bucketfront/test-support';
import { closeServer, listen } from '@bucketfront/http-basics';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FunctionsConfigInput, type InvocationReport, type RunningFunctions, startFunctions } from '../src/index.js';
import { s3Event } from './fixtures/s3-event.js';

const handlers = fileURLToPath(new URL('./fixtures/handlers/', import.meta.url));

async function post(url: string, body: unknown) {
  const res = await request(url, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function lines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l !== '');
}

describe('functions runtime behind the webhook trigger', () => {
  let temp: TempDir;
  let fns: RunningFunctions;
  const reports: InvocationReport[] = [];
  const logLines: string[] = [];
  /** Records the failure records posted to the error-destination webhook; answers 500 while `failing`. */
  let errorSink: Server;
  let errorSinkUrl: string;
  const sunk: unknown[] = [];
  let failing = false;
  const file = (name: string) => join(temp.path, name);

  beforeAll(async () => {
    temp = await makeTempDir('bucketfront-functions-');
    errorSink = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (failing) {
          res.writeHead(500).end();
          return;
        }
        sunk.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        res.writeHead(204).end();
      });
    });
    errorSinkUrl = `http://127.0.0.1:${await listen(errorSink, 0, '127.0.0.1')}/failures`;
    process.env['RUNTIME_SECRET'] = 'must not reach a function';
    const fn = (name: string, handler: string, extra: Record<string, unknown> = {}) => ({
      name,
      handler,
      trigger: { type: 'webhook' as const },
      environment: { RECORD_FILE: file(`${name}.log`) },
      ...extra,
    });
    const config: FunctionsConfigInput = {
      origin: { endpoint: 'http://127.0.0.1:1', accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      listen: { host: '127.0.0.1', port: 0 },
      functions: [
        fn('record', 'record.mjs', { environment: { RECORD_FILE: file('record.log'), GREETING: 'hello' } }),
        fn('overlap', 'overlap.mjs', { concurrency: 2, environment: { RECORD_FILE: file('overlap.log'), PAUSE_MS: '300' } }),
        fn('throws', 'throws.mjs', { retries: 2, retryDelay: 20, onFailure: { type: 'file', path: file('failures.jsonl') } }),
        fn('throws-webhook', 'throws.mjs#handler', { retries: 0, onFailure: { type: 'webhook', url: errorSinkUrl } }),
        fn('hangs', 'hangs.mjs', { timeout: 0.5, retries: 0 }),
        fn('guarded', 'record.mjs', { trigger: { type: 'webhook', path: '/guarded', authToken: 'a-token-of-32-characters-0123456' }, environment: { RECORD_FILE: file('guarded.log') } }),
      ],
    };
    fns = await startFunctions({ config, baseDir: handlers, onInvocation: (r) => reports.push(r), log: (l) => logLines.push(l) });
  });

  afterAll(async () => {
    delete process.env['RUNTIME_SECRET'];
    await fns?.close();
    if (errorSink) await closeServer(errorSink);
    await temp?.cleanup();
  });

  it('invokes the handler with the event and a Lambda-style context, then answers 200', async () => {
    const res = await post(fns.webhookUrlOf('record'), s3Event('uploads', 'photos/cat one.jpg'));
    expect(res.status).toBe(200);
    expect(res.json['status']).toBe('success');
    const [seen] = (await lines(file('record.log'))).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(seen).toMatchObject({
      key: 'photos%2Fcat+one.jpg',
      functionName: 'record',
      awsRequestId: res.json['requestId'],
      hasS3: true,
      greeting: 'hello',
      lambdaName: 'record',
      secretLeaked: false,
    });
    expect(seen!['remaining']).toBeGreaterThan(0);
    expect(seen!['remaining']).toBeLessThanOrEqual(3000);
    expect(logLines.some((l) => l.includes(String(res.json['requestId'])) && l.includes('recorded photos%2Fcat+one.jpg'))).toBe(true);
    expect(reports.find((r) => r.awsRequestId === res.json['requestId'])).toMatchObject({ functionName: 'record', key: 'photos/cat one.jpg', outcome: 'success', attempt: 1 });
  });

  it('runs at most `concurrency` invocations at once and queues the rest', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => post(fns.webhookUrlOf('overlap'), s3Event('uploads', `k${i}`))));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    let running = 0;
    let most = 0;
    const marks = await lines(file('overlap.log'));
    for (const mark of marks) {
      running += mark.startsWith('+') ? 1 : -1;
      most = Math.max(most, running);
    }
    expect(marks).toHaveLength(12);
    expect(most).toBe(2);
  });

  it('retries a throwing handler, then writes Lambda’s failure record to the error destination and answers 200', async () => {
    const event = s3Event('uploads', 'broken.jpg');
    const res = await post(fns.webhookUrlOf('throws'), event);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'failed', attempts: 3 });
    expect(await lines(file('throws.log'))).toEqual([res.json['requestId'], res.json['requestId'], res.json['requestId']]);
    const records = (await lines(file('failures.jsonl'))).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      version: '1.0',
      requestContext: { requestId: res.json['requestId'], functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:throws', condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: event,
      responseContext: { functionError: 'Unhandled' },
      responsePayload: { errorType: 'TypeError', errorMessage: 'cannot process broken.jpg' },
    });
    const attempts = reports.filter((r) => r.awsRequestId === res.json['requestId']);
    expect(attempts.map((r) => [r.attempt, r.outcome, r.retryInMs])).toEqual([
      [1, 'error', 20],
      [2, 'error', 40],
      [3, 'error', undefined],
    ]);
  });

  it('posts the failure record to a webhook error destination; while that fails, the event is refused (503) so its sender keeps it', async () => {
    const ok = await post(fns.webhookUrlOf('throws-webhook'), s3Event('uploads', 'a.jpg'));
    expect(ok.status).toBe(200);
    expect(sunk).toHaveLength(1);
    expect(sunk[0]).toMatchObject({ requestContext: { approximateInvokeCount: 1 }, responsePayload: { errorType: 'TypeError' } });
    failing = true;
    try {
      const refused = await post(fns.webhookUrlOf('throws-webhook'), s3Event('uploads', 'b.jpg'));
      expect(refused.status).toBe(503);
      expect(String(refused.json['message'])).toContain('answered 500');
      expect(reports.find((r) => r.key === 'b.jpg' && r.failureNotRecorded !== undefined)?.failureNotRecorded).toContain('answered 500');
    } finally {
      failing = false;
    }
    expect(sunk).toHaveLength(1);
  });

  it('stops a handler that hangs at its timeout and keeps serving, that function included', async () => {
    const hung = await post(fns.webhookUrlOf('hangs'), s3Event('uploads', 'hang.jpg'));
    expect(hung.status).toBe(200);
    expect(hung.json).toMatchObject({ status: 'failed', attempts: 1 });
    expect(reports.find((r) => r.awsRequestId === hung.json['requestId'])).toMatchObject({
      outcome: 'timeout',
      error: { errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 0.50 seconds' },
    });
    // The busy loop's thread was terminated: the next event runs in a fresh environment.
    const next = await post(fns.webhookUrlOf('hangs'), s3Event('uploads', 'fine.jpg'));
    expect(next.json).toMatchObject({ status: 'success' });
    const other = await post(fns.webhookUrlOf('record'), s3Event('uploads', 'still-alive.jpg'));
    expect(other.json).toMatchObject({ status: 'success' });
    expect(await lines(file('hangs.log'))).toEqual(['hang.jpg', 'fine.jpg']);
  });

  it('runs a copy of an event that arrives while the first is still handled only once', async () => {
    const event = JSON.stringify(s3Event('uploads', 'twice.jpg'));
    const before = (await lines(file('overlap.log'))).length;
    const [a, b] = await Promise.all([post(fns.webhookUrlOf('overlap'), event), post(fns.webhookUrlOf('overlap'), event)]);
    expect(a.json['requestId']).toBe(b.json['requestId']);
    expect((await lines(file('overlap.log'))).slice(before)).toEqual(['+ twice.jpg', '- twice.jpg']);
  });

  it('answers an S3 test event 200 without invoking, and refuses what is not an event', async () => {
    const before = (await lines(file('record.log'))).length;
    const test = await post(fns.webhookUrlOf('record'), { Service: 'Amazon S3', Event: 's3:TestEvent', Time: new Date().toISOString(), Bucket: 'uploads', RequestId: 'R', HostId: 'H' });
    expect(test.status).toBe(200);
    expect((await post(fns.webhookUrlOf('record'), 'not json')).status).toBe(400);
    expect((await post(fns.webhookUrlOf('record'), { hello: 'world' })).status).toBe(400);
    expect((await post(`${fns.webhookUrl}/nope`, s3Event('uploads', 'x'))).status).toBe(404);
    const get = await request(fns.webhookUrlOf('record'));
    await get.body.dump();
    expect(get.statusCode).toBe(405);
    expect((await post(fns.webhookUrlOf('record'), 'x'.repeat(300 * 1024))).status).toBe(413);
    expect((await lines(file('record.log'))).length).toBe(before);
  });

  it('refuses a POST without the trigger’s bearer token (401) and runs one that has it', async () => {
    const url = fns.webhookUrlOf('guarded');
    const body = JSON.stringify(s3Event('uploads', 'guarded.jpg'));
    for (const authorization of [undefined, 'Bearer wrong-token', 'Basic a-token-of-32-characters-0123456']) {
      const res = await request(url, { method: 'POST', body, headers: authorization ? { authorization } : {} });
      await res.body.dump();
      expect(res.statusCode).toBe(401);
    }
    expect(await lines(file('guarded.log'))).toEqual([]);
    const ok = await request(url, { method: 'POST', body, headers: { authorization: 'Bearer a-token-of-32-characters-0123456' } });
    expect(await ok.body.json()).toMatchObject({ status: 'success' });
    expect(await lines(file('guarded.log'))).toHaveLength(1);
  });

  it('keeps a module that fails to load from taking the runtime down (the error is the invocation’s)', async () => {
    const broken = join(temp.path, 'broken.mjs');
    await writeFile(broken, 'export const notAHandler = 1;\n');
    const more = await startFunctions({
      config: {
        origin: { endpoint: 'http://127.0.0.1:1', accessKeyId: 'A', secretAccessKey: 'B' },
        listen: { port: 0 },
        functions: [{ name: 'broken', handler: broken, trigger: { type: 'webhook' }, retries: 0 }],
      },
    });
    try {
      const res = await post(more.webhookUrlOf('broken'), s3Event('uploads', 'x'));
      expect(res.json).toMatchObject({ status: 'failed' });
    } finally {
      await more.close();
    }
  });
});
