/**
 * AMQP 0-9-1 destination (RabbitMQ, amqplib): each message is published, persistent, to the
 * configured exchange with the configured routing key, on a confirm channel; deliver() resolves
 * once the broker confirmed every one (publisher confirms:
 * https://www.rabbitmq.com/docs/confirms#publisher-confirms). A nack, a closed channel or
 * connection, or no confirm within `timeoutMs` rejects, and the next call reconnects.
 * The AMQP `message-id` property is the message id, so a consumer can drop a duplicate.
 */
import { once } from 'node:events';
import { type ChannelModel, type ConfirmChannel, connect } from 'amqplib';
import type { DeliveryMessage, Destination } from '../types.js';
import { LazyConnection, useConnection } from './bounded.js';
import type { AmqpDestinationConfig } from './config.js';

interface AmqpSession {
  model: ChannelModel;
  channel: ConfirmChannel;
  /** Set once the connection or the channel closed or failed: the session is not reused. */
  broken: Error | undefined;
}

export class AmqpDestination implements Destination {
  readonly type = 'amqp';
  readonly arn: string;
  readonly #config: AmqpDestinationConfig;
  readonly #connection: LazyConnection<AmqpSession>;

  constructor(config: AmqpDestinationConfig) {
    this.arn = config.arn;
    this.#config = config;
    this.#connection = new LazyConnection(
      () => this.#open(),
      (session) => session.model.close(),
      config.timeoutMs,
      `AMQP broker of ${config.arn}`,
      (session) => session.broken === undefined,
    );
  }

  async #open(): Promise<AmqpSession> {
    const model = await connect(this.#config.url, { timeout: this.#config.timeoutMs });
    const session: AmqpSession = { model, channel: undefined as unknown as ConfirmChannel, broken: undefined };
    const markBroken = (error?: Error) => {
      session.broken ??= error ?? new Error('the AMQP connection closed');
    };
    model.on('error', markBroken);
    model.on('close', markBroken);
    try {
      session.channel = await model.createConfirmChannel();
      session.channel.on('error', markBroken);
      session.channel.on('close', () => markBroken(new Error('the AMQP channel closed')));
      if (this.#config.declareExchange) await session.channel.assertExchange(this.#config.exchange, this.#config.exchangeType, { durable: true });
      return session;
    } catch (error) {
      await model.close().catch(() => {});
      throw error;
    }
  }

  async deliver(messages: DeliveryMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await useConnection(this.#connection, this.#config.timeoutMs, `publishing to ${this.arn}`, async (session) => {
      if (session.broken) throw session.broken;
      const { channel } = session;
      // This call's own confirms: waitForConfirms() would wait for every lane's messages on the
      // channel (and wrap each pending callback again, per call). A closed channel fails them all.
      const confirms: Promise<void>[] = [];
      for (const message of messages) {
        let written = true;
        const confirmed = new Promise<void>((resolve, reject) => {
          written = channel.publish(
            this.#config.exchange,
            this.#config.routingKey,
            Buffer.from(message.body),
            {
              persistent: true,
              contentType: 'application/json',
              messageId: message.id,
              timestamp: Math.floor(Date.parse(message.eventTime) / 1000) || undefined,
            },
            (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()),
          );
        });
        confirmed.catch(() => {}); // awaited below; a rejection while waiting for 'drain' is not unhandled
        confirms.push(confirmed);
        // Back-pressure: wait until the socket takes more (a broken channel rejects through the timeout).
        if (!written) await once(channel, 'drain');
      }
      // A closed channel fails the pending confirms with amqplib's bare "channel closed"; the
      // broker's own reason (a 404 for a missing exchange, …) is the one worth reporting.
      await Promise.all(confirms).catch((error: unknown) => {
        throw session.broken ?? error;
      });
      if (session.broken) throw session.broken;
    });
  }

  close(): Promise<void> {
    return this.#connection.close();
  }
}
