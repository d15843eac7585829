/**
 * Redis Streams destination (ioredis): each message is an `XADD <stream> [MAXLEN ~ n] * id … event
 * … key … body …` entry (https://redis.io/docs/latest/commands/xadd/). A call sends all its XADDs
 * in one MULTI/EXEC transaction, so the list is added whole, in order, or not at all, and resolves
 * on the EXEC reply. The client's own reconnect and offline queue are off: a lost connection fails
 * the call, and the next call connects again.
 */
import { Redis } from 'ioredis';
import type { DeliveryMessage, Destination } from '../types.js';
import { LazyConnection, useConnection } from './bounded.js';
import type { RedisDestinationConfig } from './config.js';

export class RedisDestination implements Destination {
  readonly type = 'redis';
  readonly arn: string;
  readonly #config: RedisDestinationConfig;
  readonly #connection: LazyConnection<Redis>;

  constructor(config: RedisDestinationConfig) {
    this.arn = config.arn;
    this.#config = config;
    this.#connection = new LazyConnection(
      () => this.#open(),
      async (client) => {
        client.disconnect();
      },
      config.timeoutMs,
      `Redis server of ${config.arn}`,
      (client) => client.status === 'ready',
    );
  }

  async #open(): Promise<Redis> {
    const client = new Redis(this.#config.url, {
      lazyConnect: true,
      connectTimeout: this.#config.timeoutMs,
      commandTimeout: this.#config.timeoutMs,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    // A failure surfaces as a rejected command; without a listener ioredis would log it.
    client.on('error', () => {});
    try {
      await client.connect();
      return client;
    } catch (error) {
      client.disconnect();
      throw error;
    }
  }

  async deliver(messages: DeliveryMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const trim = this.#config.maxLen === undefined ? [] : ['MAXLEN', '~', String(this.#config.maxLen)];
    await useConnection(this.#connection, this.#config.timeoutMs, `adding to the stream of ${this.arn}`, async (client) => {
      const transaction = client.multi();
      for (const m of messages) transaction.xadd(this.#config.stream, ...trim, '*', 'id', m.id, 'event', m.eventName, 'key', m.key, 'body', m.body);
      const replies = await transaction.exec();
      if (replies === null) throw new Error(`Redis server of ${this.arn}: the transaction was aborted`);
      for (const [error] of replies) if (error) throw error;
    });
  }

  close(): Promise<void> {
    return this.#connection.close();
  }
}
