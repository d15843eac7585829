/**
 * The outbox sender over a real fs store outbox and the real webhook destination, against a real
 * receiver: per-key order across lanes, a poison message isolated and dead-lettered alone, batches
 * removed once settled, recovery of what a previous sender left.
 */
import { createFsStore } from '@bucketfront/object-store';
import { makeTempDir, startWebhookReceiver, type TempDir, type WebhookReceiver } from '@bucketfront/test-support';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createDestination, DEAD_LETTER_PARTITION, encodeOutboxRecord, OutboxSender, type DeliveryMessage } from '../src/index.js';

const ARN = 'arn:bucketfront:sqs:us-east-1:000000000000:sender';
let tmp: TempDir;
let receiver: WebhookReceiver;
beforeEach(async () => {
  tmp = await makeTempDir('bucketfront-sender-');
  receiver = await startWebhookReceiver();
});
afterEach(async () => {
  await receiver.stop();
  await tmp.cleanup();
});

const record = (key: string, n: number): string =>
  encodeOutboxRecord({ arn: ARN, message: { bucket: 'b', key, eventName: 'ObjectCreated:Put', eventTime: new Date().toISOString(), body: JSON.stringify({ key, n }) } });

function sender(store: Awaited<ReturnType<typeof createFsStore>>, opts: Partial<ConstructorParameters<typeof OutboxSender>[0]> = {}): OutboxSender {
  return new OutboxSender({
    outbox: store,
    partition: 'node-a',
    destinations: [createDestination({ type: 'webhook', arn: ARN, url: receiver.url, timeoutMs: 2000 })],
    policy: { maxAttempts: 3, initialBackoffMs: 5, maxBackoffMs: 20 },
    log: () => {},
    ...opts,
  });
}

it('a poison message in a lane of 40 is isolated: only it is dead-lettered, every other arrives in order', async () => {
  const store = await createFsStore({ dataDir: tmp.path });
  receiver.decide = (post) => ((JSON.parse(post.body) as { n: number }).n === 17 ? 500 : 'ok');
  const s = sender(store, { lanesPerDestination: 1 });
  try {
    const records = Array.from({ length: 40 }, (_, n) => record(`k${n % 3}`, n));
    s.offer(await store.appendOutbox('node-a', records), records);
    await s.idle();
    const delivered = [...new Set(receiver.acknowledged.map((p) => (JSON.parse(p.body) as { n: number }).n))];
    expect(delivered).toEqual(Array.from({ length: 40 }, (_, n) => n).filter((n) => n !== 17));
    const dead = (await store.readOutbox(DEAD_LETTER_PARTITION, 10)).flatMap((b) => b.records.map((r) => JSON.parse(r) as { message: DeliveryMessage; attempts: number }));
    expect(dead.map((d) => [JSON.parse(d.message.body).n, d.attempts])).toEqual([[17, 3]]);
    expect(await store.readOutbox('node-a', 10)).toEqual([]);
  } finally {
    await s.close();
    await store.close();
  }
});

it('start() re-sends what the partition holds (a previous process died), with the same message ids', async () => {
  const store = await createFsStore({ dataDir: tmp.path });
  const ids = [await store.appendOutbox('node-a', [record('a', 1), record('b', 2)]), await store.appendOutbox('node-a', [record('a', 3)])];
  const s = sender(store);
  try {
    await s.start();
    await s.idle();
    expect(receiver.acknowledged.map((p) => p.id).sort()).toEqual([`${ids[0]}:0`, `${ids[0]}:1`, `${ids[1]}:0`].sort());
    // Key a: 1 before 3.
    expect(
      receiver.acknowledged
        .map((p) => JSON.parse(p.body) as { key: string; n: number })
        .filter((m) => m.key === 'a')
        .map((m) => m.n),
    ).toEqual([1, 3]);
    expect(await store.readOutbox('node-a', 10)).toEqual([]);
  } finally {
    await s.close();
    await store.close();
  }
});

it('batches that finish close together are removed together, not one outbox write each', async () => {
  const store = await createFsStore({ dataDir: tmp.path });
  const removals: number[] = [];
  const outbox = {
    appendOutbox: store.appendOutbox.bind(store),
    readOutbox: store.readOutbox.bind(store),
    removeOutbox: (partition: string, ids: string[]) => {
      removals.push(ids.length);
      return store.removeOutbox(partition, ids);
    },
  };
  const s = sender(store, { outbox });
  try {
    // Appended first (each a flush), offered together: the 30 deliveries then end close together.
    const batches = [];
    for (let n = 0; n < 30; n++) {
      const records = [record(`k${n}`, n)];
      batches.push({ id: await store.appendOutbox('node-a', records), records });
    }
    for (const b of batches) s.offer(b.id, b.records);
    await s.idle();
    expect(receiver.acknowledged).toHaveLength(30);
    expect(removals.reduce((a, b) => a + b, 0)).toBe(30);
    // One removal, a few on a loaded machine (2–4 beside a CI run); a write per finished batch made 17–26.
    expect(removals.length).toBeLessThanOrEqual(8);
    expect(await store.readOutbox('node-a', 100)).toEqual([]);
  } finally {
    await s.close();
    await store.close();
  }
});
