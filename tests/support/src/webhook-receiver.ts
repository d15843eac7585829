/**
 * A real webhook receiver (node:http on 127.0.0.1) for event-notification tests: records every
 * POST (its body and `x-bucketfront-message-id`), answers as the test says (2xx, an error status,
 * or never), and can go down and come back on the same port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ReceivedPost {
  id: string;
  body: string;
  receivedAt: number;
}

/** `ok`: 200; a number: that status; `hang`: read the body, never answer. */
export type ReceiverMode = 'ok' | number | 'hang';

export interface WebhookReceiver {
  url: string;
  port: number;
  /** Every POST answered 2xx (acknowledged), in arrival order. */
  acknowledged: ReceivedPost[];
  /** Every POST that arrived, whatever the answer. */
  attempts: ReceivedPost[];
  mode: ReceiverMode;
  /** When set, decides the answer per POST (instead of `mode`). */
  decide?: (post: ReceivedPost) => ReceiverMode;
  /** Resolves once `predicate` holds (checked on every POST); rejects after `timeoutMs`, saying what was waited for. */
  waitFor(what: string, predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** Closes the listener and every connection (the port is refused until `up`). */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(mode: ReceiverMode = 'ok'): Promise<WebhookReceiver> {
  const waiters = new Set<() => void>();
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const receiver: WebhookReceiver = {
    url: '',
    port: 0,
    acknowledged: [],
    attempts: [],
    mode,
    waitFor(what, predicate, timeoutMs = 120_000) {
      if (predicate()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!predicate()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`webhook receiver: timed out waiting for ${what} (${receiver.acknowledged.length} acknowledged, ${receiver.attempts.length} attempts)`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    async down() {
      const s = server;
      server = null;
      if (s === null) return;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
    async up() {
      server = listener();
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(receiver.port, '127.0.0.1', () => resolve());
      });
      receiver.port = (server.address() as AddressInfo).port;
      receiver.url = `http://127.0.0.1:${receiver.port}/events`;
    },
    async stop() {
      await receiver.down();
      waiters.clear();
    },
  };

  function listener(): Server {
    const s = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const post: ReceivedPost = { id: String(req.headers['x-bucketfront-message-id'] ?? ''), body: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() };
        receiver.attempts.push(post);
        const m = receiver.decide ? receiver.decide(post) : receiver.mode;
        if (m === 'hang') return;
        const status = m === 'ok' ? 200 : m;
        if (status >= 200 && status <= 299) receiver.acknowledged.push(post);
        res.writeHead(status, { 'content-length': '0' });
        res.end();
        for (const check of [...waiters]) check();
      });
    });
    s.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    return s;
  }

  await receiver.up();
  return receiver;
}
