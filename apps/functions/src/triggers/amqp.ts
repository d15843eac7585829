/**
 * The AMQP trigger: consumes a RabbitMQ queue (the origin's `amqp` destination publishes one
 * message per event, body `{"Records":[record]}`) with manual acknowledgements
 * (https://www.rabbitmq.com/docs/confirms#consumer-acknowledgements):
 * - ack once the event is handled (success, or failure recorded in the error destination);
 * - nack with requeue when it is not (the error destination failed, the runtime is stopping);
 *   a message still unacknowledged when the runtime dies is redelivered by the broker;
 * - reject without requeue a body that is not an S3 event (no retry can fix it; a dead-letter
 *   exchange on the queue keeps it);
 * - ack an S3 test event without an invocation.
 * Prefetch is the function's concurrency, so the broker holds what the function cannot run yet.
 * A lost connection is re-opened with backoff (amqplib's recovery) and consumption resumes.
 */
import { connect, type Channel, type ChannelModel, type ConsumeMessage, type RecoveringChannelModel } from 'amqplib';
import type { FunctionRunner } from '../function-runner.js';

/** How long an event that could not be handled stays with the consumer before it goes back to the queue. */
const REQUEUE_DELAY_MS = 1000;

export interface AmqpTrigger {
  close(): Promise<void>;
}

export async function startAmqpTrigger(runner: FunctionRunner, log: (line: string) => void): Promise<AmqpTrigger> {
  const trigger = runner.config.trigger;
  if (trigger.type !== 'amqp') throw new Error(`${runner.name} has no amqp trigger`);
  let closing = false;
  const channels = new Set<Channel>();

  const onMessage = (channel: Channel, msg: ConsumeMessage) => {
    let event: unknown;
    try {
      event = JSON.parse(msg.content.toString('utf8'));
    } catch {
      event = undefined;
    }
    const settle = (how: 'ack' | 'requeue' | 'drop') => {
      // The channel may have closed meanwhile: the broker then redelivers the message itself.
      try {
        if (how === 'ack') channel.ack(msg);
        else channel.nack(msg, false, how === 'requeue');
      } catch {}
    };
    if ((event as { Event?: unknown } | undefined)?.Event === 's3:TestEvent') return settle('ack');
    if (!Array.isArray((event as { Records?: unknown } | undefined)?.Records)) {
      log(`${runner.name}: rejected a message on ${trigger.queue} that is not an S3 event`);
      return settle('drop');
    }
    runner.invoke(event).then(
      () => settle('ack'),
      (err: unknown) => {
        if (closing) return settle('requeue');
        log(`${runner.name}: event left on ${trigger.queue}: ${(err as Error).message}`);
        // Not at once: a broken error destination would otherwise spin the message through the broker.
        setTimeout(() => settle('requeue'), REQUEUE_DELAY_MS).unref();
      },
    );
  };

  const model: RecoveringChannelModel = await connect(trigger.url, {
    recovery: {
      initialDelay: 200,
      maxDelay: 10_000,
      // Fail the start fast when the broker is not there; once connected, keep trying.
      initialMaxRetries: 2,
      setup: async (connection: ChannelModel) => {
        const channel = await connection.createChannel();
        channels.add(channel);
        channel.on('close', () => channels.delete(channel));
        channel.on('error', () => undefined);
        await channel.prefetch(runner.config.concurrency);
        await channel.assertQueue(trigger.queue, { durable: true });
        if (trigger.exchange !== undefined) await channel.bindQueue(trigger.queue, trigger.exchange, trigger.routingKey);
        await channel.consume(
          trigger.queue,
          (msg: ConsumeMessage | null) => {
            if (msg) onMessage(channel, msg);
          },
          { noAck: false },
        );
      },
    },
  });
  model.on('error', () => undefined);
  model.on('disconnect', (err: Error) => {
    if (!closing) log(`${runner.name}: lost the AMQP connection (${err.message}); reconnecting`);
  });

  return {
    async close() {
      closing = true;
      // Closing the channels returns every unacknowledged message to the queue.
      await Promise.all([...channels].map((c) => c.close().catch(() => undefined)));
      await model.close().catch(() => undefined);
    },
  };
}
