/**
 * NATS JetStream destination (@nats-io/transport-node + @nats-io/jetstream): each message is
 * published to `subject` and resolves on the stream's PubAck, in order (the next is published
 * once the previous one is stored). The `Nats-Msg-Id` header is the message id, so JetStream
 * drops a retried duplicate within the stream's duplicate window (2 minutes by default):
 * https://docs.nats.io/using-nats/developer/develop_jetstream/model_deep_dive#message-deduplication
 * With `stream`, the stream (capturing `subject`) is created when missing.
 *
 * The client's own reconnect is off: a lost connection fails the call, and the next call opens a
 * new connection (LazyConnection), so no publish waits inside the client for a broker to return.
 */
import { type JetStreamClient, JetStreamApiCodes, JetStreamApiError, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { DeliveryMessage, Destination } from '../types.js';
import { LazyConnection, useConnection } from './bounded.js';
import type { NatsDestinationConfig } from './config.js';

interface NatsSession {
  connection: NatsConnection;
  js: JetStreamClient;
}

export class NatsDestination implements Destination {
  readonly type = 'nats';
  readonly arn: string;
  readonly #config: NatsDestinationConfig;
  readonly #connection: LazyConnection<NatsSession>;

  constructor(config: NatsDestinationConfig) {
    this.arn = config.arn;
    this.#config = config;
    this.#connection = new LazyConnection(
      () => this.#open(),
      (session) => session.connection.close(),
      config.timeoutMs,
      `NATS server of ${config.arn}`,
      (session) => !session.connection.isClosed(),
    );
  }

  async #open(): Promise<NatsSession> {
    const servers = typeof this.#config.servers === 'string' ? [this.#config.servers] : this.#config.servers;
    const connection = await connect({ servers, timeout: this.#config.timeoutMs, reconnect: false, name: 'bucketfront-notifications' });
    try {
      if (this.#config.stream) await this.#ensureStream(connection, this.#config.stream);
      return { connection, js: jetstream(connection, { timeout: this.#config.timeoutMs }) };
    } catch (error) {
      await connection.close().catch(() => {});
      throw error;
    }
  }

  async #ensureStream(connection: NatsConnection, name: string): Promise<void> {
    const manager = await jetstreamManager(connection, { timeout: this.#config.timeoutMs });
    try {
      await manager.streams.info(name);
    } catch (error) {
      if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)) throw error;
      await manager.streams.add({ name, subjects: [this.#config.subject] });
    }
  }

  async deliver(messages: DeliveryMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await useConnection(this.#connection, this.#config.timeoutMs * messages.length, `publishing to ${this.arn}`, async ({ js }) => {
      for (const message of messages) {
        await js.publish(this.#config.subject, message.body, { msgID: message.id, timeout: this.#config.timeoutMs });
      }
    });
  }

  close(): Promise<void> {
    return this.#connection.close();
  }
}
