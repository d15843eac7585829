import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDestination, DestinationTimeoutError, parseDestinationsConfig, type Destination } from '@bucketfront/notifications';
import { freePort } from '@bucketfront/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { makeMessages } from './messages.js';

interface Received {
  id: string | undefined;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

/** A real HTTP receiver: records every POST and answers `status(n)` to the n-th one (0-based). */
async function startReceiver(status: (n: number) => number = () => 200, port = 0): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = received.length;
      received.push({
        id: req.headers['x-bucketfront-message-id'] as string | undefined,
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.statusCode = status(n);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

function webhook(url: string, extra: Record<string, unknown> = {}): Destination {
  const [config] = parseDestinationsConfig([{ arn: 'arn:bucketfront:sqs:us-east-1:000000000000:hook', type: 'webhook', url, ...extra }]);
  return createDestination(config!);
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('webhook destination', () => {
  it('POSTs 1,000 messages in order, each exactly once, with the bearer token and JSON body', async () => {
    const receiver = await startReceiver();
    cleanups.push(() => stop(receiver.server));
    const destination = webhook(receiver.url, { authToken: 's3cr3t' });
    cleanups.push(() => destination.close());
    const messages = makeMessages(1000);

    await destination.deliver(messages);

    expect(receiver.received.map((r) => r.id)).toEqual(messages.map((m) => m.id));
    expect(receiver.received.map((r) => r.body)).toEqual(messages.map((m) => m.body));
    expect(new Set(receiver.received.map((r) => r.authorization))).toEqual(new Set(['Bearer s3cr3t']));
    expect(new Set(receiver.received.map((r) => r.contentType))).toEqual(new Set(['application/json']));
  });

  it('rejects when the receiver answers anything but 2xx, and stops at that message', async () => {
    const receiver = await startReceiver((n) => (n === 2 ? 503 : 204));
    cleanups.push(() => stop(receiver.server));
    const destination = webhook(receiver.url);
    cleanups.push(() => destination.close());
    const messages = makeMessages(5);

    await expect(destination.deliver(messages)).rejects.toThrow(/answered 503 to message b1-2/);
    expect(receiver.received.map((r) => r.id)).toEqual(['b1-0', 'b1-1', 'b1-2']);
  });

  it('treats a redirect as a failure (it is not followed)', async () => {
    const receiver = await startReceiver(() => 302);
    cleanups.push(() => stop(receiver.server));
    const destination = webhook(receiver.url);
    cleanups.push(() => destination.close());
    await expect(destination.deliver(makeMessages(1))).rejects.toThrow(/answered 302/);
  });

  it('rejects (no hang) when nothing listens on the port', async () => {
    const destination = webhook(`http://127.0.0.1:${await freePort()}/hook`, { timeoutMs: 1000 });
    cleanups.push(() => destination.close());
    await expect(destination.deliver(makeMessages(3))).rejects.toThrow(/failed/);
  });

  it('rejects with a timeout when the receiver never answers', async () => {
    const silent = createServer(() => {
      /* never answers */
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => stop(silent));
    const destination = webhook(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, { timeoutMs: 300 });
    cleanups.push(() => destination.close());
    await expect(destination.deliver(makeMessages(1))).rejects.toBeInstanceOf(DestinationTimeoutError);
  });

  it('delivers again through the same Destination after the receiver was down', async () => {
    const first = await startReceiver();
    const port = Number(new URL(first.url).port);
    const destination = webhook(first.url, { timeoutMs: 1000 });
    cleanups.push(() => destination.close());
    await destination.deliver(makeMessages(10, 'before'));
    expect(first.received).toHaveLength(10);

    await stop(first.server);
    await expect(destination.deliver(makeMessages(10, 'during'))).rejects.toThrow();

    const second = await startReceiver(() => 200, port);
    cleanups.push(() => stop(second.server));
    const after = makeMessages(10, 'after');
    await destination.deliver(after);
    expect(second.received.map((r) => r.id)).toEqual(after.map((m) => m.id));
  });

  it('refuses to deliver once closed', async () => {
    const destination = webhook('http://127.0.0.1:9/hook');
    await destination.close();
    await expect(destination.deliver(makeMessages(1))).rejects.toThrow(/closed/);
  });
});
