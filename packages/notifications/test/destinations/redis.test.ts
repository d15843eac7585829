import { createDestination, parseDestinationsConfig, type Destination } from '@bucketfront/notifications';
import { freePort, hasBroker, startPrivateBroker, type PrivateBroker } from '@bucketfront/test-support';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMessages } from './messages.js';

const MACHINE_SERVER = 'redis://127.0.0.1:6379';

function redisDestination(url: string, stream: string, extra: Record<string, unknown> = {}): Destination {
  const [config] = parseDestinationsConfig([{ arn: 'arn:bucketfront:sqs:us-east-1:000000000000:redis', type: 'redis', url, stream, ...extra }]);
  return createDestination(config!);
}

/** Every entry of `stream` (XRANGE - +), its fields as an object. */
async function entries(client: Redis, stream: string): Promise<Record<string, string>[]> {
  const range = await client.xrange(stream, '-', '+');
  return range.map(([, fields]) => {
    const entry: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) entry[fields[i]!] = fields[i + 1]!;
    return entry;
  });
}

describe.skipIf(!hasBroker('redis'))('redis destination', () => {
  let reader: Redis;
  const stream = `bucketfront:test:${process.pid}:${Date.now()}`;

  beforeAll(() => {
    reader = new Redis(MACHINE_SERVER);
  });
  afterAll(async () => {
    await reader?.del(stream, `${stream}:trimmed`);
    reader?.disconnect();
  });

  it('adds 1,000 entries (id, event, key, body) in one transaction, in order and exactly once', async () => {
    const destination = redisDestination(MACHINE_SERVER, stream);
    try {
      const messages = makeMessages(1000);
      await destination.deliver(messages);
      expect(await entries(reader, stream)).toEqual(messages.map((m) => ({ id: m.id, event: m.eventName, key: m.key, body: m.body })));
    } finally {
      await destination.close();
    }
  });

  it('trims the stream approximately to maxLen', async () => {
    const destination = redisDestination(MACHINE_SERVER, `${stream}:trimmed`, { maxLen: 100 });
    try {
      const messages = makeMessages(1000);
      await destination.deliver(messages);
      const kept = await entries(reader, `${stream}:trimmed`);
      // MAXLEN ~ keeps at least maxLen entries, the newest ones, and drops most of the rest.
      expect(kept.length).toBeGreaterThanOrEqual(100);
      expect(kept.length).toBeLessThan(1000);
      expect(kept.at(-1)!.id).toBe(messages.at(-1)!.id);
    } finally {
      await destination.close();
    }
  });

  it('rejects (no hang) when nothing listens on the port', async () => {
    const destination = redisDestination(`redis://127.0.0.1:${await freePort()}`, stream, { timeoutMs: 1000 });
    try {
      await expect(destination.deliver(makeMessages(3))).rejects.toThrow();
    } finally {
      await destination.close();
    }
  });

  describe('with a private redis-server stopped and started again', () => {
    let broker: PrivateBroker | null = null;
    beforeAll(async () => {
      broker = await startPrivateBroker('redis');
    });
    afterAll(async () => {
      await broker?.destroy();
    });

    it('rejects while the server is down and delivers through the same Destination after it returns', async () => {
      const destination = redisDestination(broker!.url, 'outage', { timeoutMs: 2000 });
      try {
        const before = makeMessages(10, 'before');
        await destination.deliver(before);

        await broker!.stop();
        await expect(destination.deliver(makeMessages(10, 'during'))).rejects.toThrow();
        await broker!.start();

        const after = makeMessages(10, 'after');
        await destination.deliver(after);
        const privateReader = new Redis(broker!.url);
        const stored = await entries(privateReader, 'outage');
        privateReader.disconnect();
        // The private server appends and fsyncs every write, so what was acknowledged survived the restart.
        expect(stored.map((e) => e['id'])).toEqual([...before, ...after].map((m) => m.id));
      } finally {
        await destination.close();
      }
    });
  });
});
