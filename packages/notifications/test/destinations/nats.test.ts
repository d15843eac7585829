import { createDestination, parseDestinationsConfig, type Destination } from '@bucketfront/notifications';
import { freePort, hasBroker, startPrivateBroker, type PrivateBroker } from '@bucketfront/test-support';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMessages } from './messages.js';

const MACHINE_SERVER = 'nats://127.0.0.1:4222';

function natsDestination(servers: string, stream: string, extra: Record<string, unknown> = {}): Destination {
  const [config] = parseDestinationsConfig([{ arn: `arn:bucketfront:sqs:us-east-1:000000000000:${stream}`, type: 'nats', servers, subject: `${stream}.events`, stream, ...extra }]);
  return createDestination(config!);
}

/** Every message stored in `stream`, in stream order: its Nats-Msg-Id and body. */
async function storedMessages(manager: JetStreamManager, stream: string): Promise<{ id: string; body: string }[]> {
  const { state } = await manager.streams.info(stream);
  const out: { id: string; body: string }[] = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const stored = await manager.streams.getMessage(stream, { seq });
    if (stored) out.push({ id: stored.header.get('Nats-Msg-Id'), body: stored.string() });
  }
  return out;
}

describe.skipIf(!hasBroker('nats'))('nats destination', () => {
  let reader: NatsConnection;
  let manager: JetStreamManager;
  const stream = `BFDEST${process.pid}${Date.now()}`;

  beforeAll(async () => {
    reader = await connect({ servers: MACHINE_SERVER });
    manager = await jetstreamManager(reader);
  });
  afterAll(async () => {
    await manager?.streams.delete(stream).catch(() => {});
    await reader?.close();
  });

  it('publishes 1,000 messages to a stream it creates, acknowledged, in order and exactly once; a retry is deduplicated', async () => {
    const destination = natsDestination(MACHINE_SERVER, stream);
    try {
      const messages = makeMessages(1000);
      await destination.deliver(messages);
      const stored = await storedMessages(manager, stream);
      expect(stored.map((m) => m.id)).toEqual(messages.map((m) => m.id));
      expect(stored.map((m) => m.body)).toEqual(messages.map((m) => m.body));

      // The sender retries a whole list after a fault: JetStream drops the ids it already stored.
      await destination.deliver(messages.slice(990));
      expect((await manager.streams.info(stream)).state.messages).toBe(1000);
    } finally {
      await destination.close();
    }
  });

  it('rejects when no stream captures the subject and none is to be created', async () => {
    const destination = natsDestination(MACHINE_SERVER, `${stream}NONE`, { stream: undefined, timeoutMs: 1000 });
    try {
      await expect(destination.deliver(makeMessages(1))).rejects.toThrow();
    } finally {
      await destination.close();
    }
  });

  it('rejects (no hang) when nothing listens on the port', async () => {
    const destination = natsDestination(`nats://127.0.0.1:${await freePort()}`, stream, { timeoutMs: 1000 });
    try {
      await expect(destination.deliver(makeMessages(3))).rejects.toThrow();
    } finally {
      await destination.close();
    }
  });

  describe('with a private nats-server stopped and started again', () => {
    let broker: PrivateBroker | null = null;
    beforeAll(async () => {
      broker = await startPrivateBroker('nats');
    });
    afterAll(async () => {
      await broker?.destroy();
    });

    it('rejects while the server is down and delivers through the same Destination after it returns', async () => {
      const destination = natsDestination(broker!.url, 'OUTAGE', { timeoutMs: 2000 });
      try {
        const before = makeMessages(10, 'before');
        await destination.deliver(before);

        await broker!.stop();
        await expect(destination.deliver(makeMessages(10, 'during'))).rejects.toThrow();
        await broker!.start();

        const after = makeMessages(10, 'after');
        await destination.deliver(after);
        const privateReader = await connect({ servers: broker!.url });
        const stored = await storedMessages(await jetstreamManager(privateReader), 'OUTAGE');
        await privateReader.close();
        expect(stored.map((m) => m.id)).toEqual([...before, ...after].map((m) => m.id));
      } finally {
        await destination.close();
      }
    });
  });
});
