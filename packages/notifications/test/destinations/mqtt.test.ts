import { createDestination, parseDestinationsConfig, type Destination } from '@bucketfront/notifications';
import { freePort, hasBroker, startPrivateBroker, type PrivateBroker } from '@bucketfront/test-support';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMessages } from './messages.js';

const MACHINE_BROKER = 'mqtt://127.0.0.1:1883';
const SENTINEL = 'sentinel';

function mqttDestination(url: string, topic: string, extra: Record<string, unknown> = {}): Destination {
  const [config] = parseDestinationsConfig([{ arn: `arn:bucketfront:sqs:us-east-1:000000000000:${topic.replaceAll('/', '-')}`, type: 'mqtt', url, topic, ...extra }]);
  return createDestination(config!);
}

/** A QoS 1 subscriber to `topic`, recording every payload in arrival order. */
async function subscribe(url: string, topic: string): Promise<{ client: MqttClient; received: string[]; untilSentinel: () => Promise<string[]> }> {
  const client = await connectAsync(url, { reconnectPeriod: 0 });
  const received: string[] = [];
  let onSentinel: (() => void) | undefined;
  client.on('message', (_topic, payload) => {
    const text = payload.toString('utf8');
    if (text === SENTINEL) onSentinel?.();
    else received.push(text);
  });
  await client.subscribeAsync(topic, { qos: 1 });
  /** Publishes a sentinel after the destination's messages and resolves with all that arrived before it. */
  const untilSentinel = async () => {
    const arrived = new Promise<void>((resolve) => {
      onSentinel = resolve;
    });
    await client.publishAsync(topic, SENTINEL, { qos: 1 });
    await arrived;
    return [...received];
  };
  return { client, received, untilSentinel };
}

describe.skipIf(!hasBroker('mosquitto'))('mqtt destination', () => {
  const topic = `bucketfront/test/${process.pid}/${Date.now()}`;

  it('publishes 1,000 messages with QoS 1 (PUBACK each), in order and exactly once', async () => {
    const subscriber = await subscribe(MACHINE_BROKER, topic);
    const destination = mqttDestination(MACHINE_BROKER, topic, { clientId: `bf-dest-${process.pid}` });
    try {
      const messages = makeMessages(1000);
      await destination.deliver(messages);
      expect(await subscriber.untilSentinel()).toEqual(messages.map((m) => m.body));
    } finally {
      await destination.close();
      await subscriber.client.endAsync();
    }
  });

  it('rejects (no hang) when nothing listens on the port', async () => {
    const destination = mqttDestination(`mqtt://127.0.0.1:${await freePort()}`, topic, { timeoutMs: 1000 });
    try {
      await expect(destination.deliver(makeMessages(3))).rejects.toThrow();
    } finally {
      await destination.close();
    }
  });

  describe('with a private mosquitto stopped and started again', () => {
    let broker: PrivateBroker | null = null;
    beforeAll(async () => {
      broker = await startPrivateBroker('mosquitto');
    });
    afterAll(async () => {
      await broker?.destroy();
    });

    it('rejects while the broker is down and delivers through the same Destination after it returns', async () => {
      const destination = mqttDestination(broker!.url, 'outage', { timeoutMs: 2000 });
      try {
        const first = await subscribe(broker!.url, 'outage');
        const before = makeMessages(10, 'before');
        await destination.deliver(before);
        expect(await first.untilSentinel()).toEqual(before.map((m) => m.body));
        await first.client.endAsync(true);

        await broker!.stop();
        await expect(destination.deliver(makeMessages(10, 'during'))).rejects.toThrow();
        await broker!.start();

        const second = await subscribe(broker!.url, 'outage');
        const after = makeMessages(10, 'after');
        await destination.deliver(after);
        expect(await second.untilSentinel()).toEqual(after.map((m) => m.body));
        await second.client.endAsync();
      } finally {
        await destination.close();
      }
    });
  });
});
