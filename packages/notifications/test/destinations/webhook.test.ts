import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createDestination, DestinationTimeoutError, parseDestinationsConfig, type Destination } from '@bucketfront/notifications';
import { freePort, hasTool, makeTempDir, missingPrerequisite } from '@bucketfront/test-support';
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

/** `openssl version` runs (`openssl --version` does not exist); else a loud skip, or a failure under CI. */
function hasOpenssl(): boolean {
  const ok = hasTool('openssl', ['version']);
  if (!ok) missingPrerequisite("'openssl' is not installed", 'Install it with: apt-get install -y openssl');
  return ok;
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

  describe.skipIf(!hasOpenssl())('over https with a private CA', () => {
    /** A CA and a certificate it signs for 127.0.0.1, made with the openssl CLI in `dir`. */
    function makeCertificates(dir: string): { caFile: string; cert: string; key: string } {
      const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
      run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=bucketfront test CA');
      run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=127.0.0.1');
      writeFileSync(join(dir, 'leaf.ext'), 'subjectAltName = IP:127.0.0.1\n');
      run('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '2', '-extfile', 'leaf.ext');
      return { caFile: join(dir, 'ca.pem'), cert: readFileSync(join(dir, 'leaf.pem'), 'utf8'), key: readFileSync(join(dir, 'leaf.key'), 'utf8') };
    }

    it('trusts the receiver only with caFile', async () => {
      const dir = await makeTempDir();
      cleanups.push(() => dir.cleanup());
      const { caFile, cert, key } = makeCertificates(dir.path);
      const bodies: string[] = [];
      const server = createHttpsServer({ cert, key }, (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          bodies.push(Buffer.concat(chunks).toString('utf8'));
          res.end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => stop(server as unknown as Server));
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

      const untrusting = webhook(url, { timeoutMs: 2000 });
      cleanups.push(() => untrusting.close());
      await expect(untrusting.deliver(makeMessages(1))).rejects.toThrow(/certificate/i);

      const trusting = webhook(url, { caFile });
      cleanups.push(() => trusting.close());
      const messages = makeMessages(5);
      await trusting.deliver(messages);
      expect(bodies).toEqual(messages.map((m) => m.body));
    });
  });
});
