/**
 * The six destination types, built from their validated configuration (config.ts).
 * Each connects lazily, reconnects after a failure and bounds every broker operation by its
 * `timeoutMs`; see docs/notifications.md, "Destinations".
 */
import { readFileSync } from 'node:fs';
import type { DeliveryMessage, Destination } from '../types.js';
import type { DestinationConfig } from './config.js';

export { parseDestinationsConfig, DestinationConfigError, DESTINATION_ARN, DEFAULT_TIMEOUT_MS, type DestinationConfig } from './config.js';
export { DestinationTimeoutError } from './bounded.js';

/**
 * Each type's module, imported on first use: the broker clients (amqplib, mqtt, nats, pg,
 * ioredis, undici) take ~45 MiB of an origin's memory, and most origins configure none or one.
 */
async function load(config: DestinationConfig): Promise<Destination> {
  switch (config.type) {
    case 'webhook':
      return new (await import('./webhook.js')).WebhookDestination(config);
    case 'amqp':
      return new (await import('./amqp.js')).AmqpDestination(config);
    case 'nats':
      return new (await import('./nats.js')).NatsDestination(config);
    case 'mqtt':
      return new (await import('./mqtt.js')).MqttDestination(config);
    case 'redis':
      return new (await import('./redis.js')).RedisDestination(config);
    case 'postgres':
      return new (await import('./postgres.js')).PostgresDestination(config);
  }
}

/** A destination whose client module is imported by its first delivery. */
class LazyDestination implements Destination {
  readonly arn: string;
  readonly type: Destination['type'];
  #loaded: Promise<Destination> | undefined;
  #closed = false;

  constructor(private readonly config: DestinationConfig) {
    this.arn = config.arn;
    this.type = config.type;
    // What a destination reads from disk is read now, so a missing file still stops the start-up.
    if (config.type === 'webhook' && config.caFile !== undefined) readFileSync(config.caFile, 'utf8');
  }

  async deliver(messages: DeliveryMessage[]): Promise<void> {
    if (this.#closed) throw new Error(`${this.type} ${this.arn}: the destination is closed`);
    if (messages.length === 0) return;
    const loading = (this.#loaded ??= load(this.config));
    let destination: Destination;
    try {
      destination = await loading;
    } catch (err) {
      if (this.#loaded === loading) this.#loaded = undefined; // the next delivery tries again
      throw err;
    }
    await destination.deliver(messages);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const destination = await this.#loaded?.catch(() => undefined);
    await destination?.close();
  }
}

/** The Destination for one configured destination (neither its client module nor a connection is opened until the first deliver). */
export function createDestination(config: DestinationConfig): Destination {
  return new LazyDestination(config);
}
