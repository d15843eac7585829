/**
 * The six destination types, built from their validated configuration (config.ts).
 * Each connects lazily, reconnects after a failure and bounds every broker operation by its
 * `timeoutMs`; see docs/notifications.md, "Destinations".
 */
import type { Destination } from '../types.js';
import { AmqpDestination } from './amqp.js';
import type { DestinationConfig } from './config.js';
import { MqttDestination } from './mqtt.js';
import { NatsDestination } from './nats.js';
import { PostgresDestination } from './postgres.js';
import { RedisDestination } from './redis.js';
import { WebhookDestination } from './webhook.js';

export { parseDestinationsConfig, DestinationConfigError, DESTINATION_ARN, DEFAULT_TIMEOUT_MS, type DestinationConfig } from './config.js';
export { DestinationTimeoutError } from './bounded.js';

/** The Destination for one configured destination (no connection is opened until the first deliver). */
export function createDestination(config: DestinationConfig): Destination {
  switch (config.type) {
    case 'webhook':
      return new WebhookDestination(config);
    case 'amqp':
      return new AmqpDestination(config);
    case 'nats':
      return new NatsDestination(config);
    case 'mqtt':
      return new MqttDestination(config);
    case 'redis':
      return new RedisDestination(config);
    case 'postgres':
      return new PostgresDestination(config);
  }
}
