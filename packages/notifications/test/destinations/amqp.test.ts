import { createDestination, parseDestinationsConfig, type Destination } from '@bucketfront/notifications';
import { freePort, hasBroker, startPrivateBroker, type PrivateBroker } from '@bucketfront/test-support';
import { type Channel, type ChannelModel, connect } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMessages } from './messages.js';

const MACHINE_BROKER = 'amqp://guest:guest@127.0.0.1:5672';

function amqpDestination(url: string, exchange: string, extra: Record<string, unknown> = {}): Destination {
  const [config] = parseDestinationsConfig([
    { arn: `arn:bucketfront:sqs:us-east-1:000000000000:${exchange || 'default'}`, type: 'amqp', url, exchange, routingKey: 's3.events', declareExchange: true, ...extra },
  ]);
  return createDestination(config!);
}

/** A durable queue bound to `exchange` (declared here too, so the binding exists before the first publish). */
async function boundQueue(channel: Channel, exchange: string): Promise<string> {
  await channel.assertExchange(exchange, 'topic', { durable: true });
  const { queue } = await channel.assertQueue(`${exchange}.q`, { durable: true });
  await channel.bindQueue(queue, exchange, 's3.events');
  return queue;
}

/** Every message now in `queue`, in queue order, acknowledged (the queue is left empty). */
async function drain(channel: Channel, queue: string): Promise<{ id: string; body: string; persistent: boolean }[]> {
  const out: { id: string; body: string; persistent: boolean }[] = [];
  for (;;) {
    const message = await channel.get(queue, { noAck: true });
    if (message === false) return out;
    out.push({ id: String(message.properties.messageId), body: message.content.toString('utf8'), persistent: message.properties.deliveryMode === 2 });
  }
}

describe.skipIf(!hasBroker('rabbitmq'))('amqp destination', () => {
  let consumer: ChannelModel;
  let channel: Channel;
  const exchange = `bf-dest-test-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    consumer = await connect(MACHINE_BROKER);
    channel = await consumer.createChannel();
  });
  afterAll(async () => {
    await channel?.deleteQueue(`${exchange}.q`).catch(() => {});
    await channel?.deleteExchange(exchange).catch(() => {});
    await consumer?.close();
  });

  it('publishes 1,000 persistent messages, confirmed, in order and exactly once', async () => {
    const queue = await boundQueue(channel, exchange);
    const destination = amqpDestination(MACHINE_BROKER, exchange);
    try {
      const messages = makeMessages(1000);
      await destination.deliver(messages);
      const received = await drain(channel, queue);
      expect(received.map((m) => m.id)).toEqual(messages.map((m) => m.id));
      expect(received.map((m) => m.body)).toEqual(messages.map((m) => m.body));
      expect(received.every((m) => m.persistent)).toBe(true);
    } finally {
      await destination.close();
    }
  });

  it('rejects when the exchange does not exist and is not declared, then recovers on the same Destination once it exists', async () => {
    const missing = `${exchange}-missing`;
    const destination = amqpDestination(MACHINE_BROKER, missing, { declareExchange: false });
    try {
      await expect(destination.deliver(makeMessages(3))).rejects.toThrow(/NOT_FOUND - no exchange/);
      const queue = await boundQueue(channel, missing);
      const after = makeMessages(3, 'after');
      await destination.deliver(after);
      expect((await drain(channel, queue)).map((m) => m.id)).toEqual(after.map((m) => m.id));
    } finally {
      await destination.close();
      await channel.deleteQueue(`${missing}.q`).catch(() => {});
      await channel.deleteExchange(missing).catch(() => {});
    }
  });

  it('publishes through the default exchange straight to the queue named by the routing key', async () => {
    const { queue } = await channel.assertQueue(`${exchange}.direct`, { durable: true });
    const destination = amqpDestination(MACHINE_BROKER, '', { declareExchange: false, routingKey: queue });
    try {
      const messages = makeMessages(20);
      await destination.deliver(messages);
      expect((await drain(channel, queue)).map((m) => m.id)).toEqual(messages.map((m) => m.id));
    } finally {
      await destination.close();
      await channel.deleteQueue(queue).catch(() => {});
    }
  });

  it('rejects (no hang) when nothing listens on the port', async () => {
    const destination = amqpDestination(`amqp://guest:guest@127.0.0.1:${await freePort()}`, exchange, { timeoutMs: 1000 });
    try {
      await expect(destination.deliver(makeMessages(3))).rejects.toThrow();
    } finally {
      await destination.close();
    }
  });

  describe('with a private RabbitMQ node stopped and started again', () => {
    let broker: PrivateBroker | null = null;
    beforeAll(async () => {
      broker = await startPrivateBroker('rabbitmq');
    }, 180_000);
    afterAll(async () => {
      await broker?.destroy();
    }, 60_000);

    it('rejects while the broker is down and delivers through the same Destination after it returns', async () => {
      const destination = amqpDestination(broker!.url, 'outage', { timeoutMs: 2000 });
      try {
        const admin = await connect(broker!.url);
        const queue = await boundQueue(await admin.createChannel(), 'outage');
        await admin.close();
        const before = makeMessages(10, 'before');
        await destination.deliver(before);

        await broker!.stop();
        await expect(destination.deliver(makeMessages(10, 'during'))).rejects.toThrow();
        await broker!.start();

        const after = makeMessages(10, 'after');
        await destination.deliver(after);
        const reader = await connect(broker!.url);
        const received = await drain(await reader.createChannel(), queue);
        await reader.close();
        // Persistent messages in a durable queue survive the restart; nothing of the failed call arrived.
        expect(received.map((m) => m.id)).toEqual([...before, ...after].map((m) => m.id));
      } finally {
        await destination.close();
      }
    }, 180_000);
  });
});
