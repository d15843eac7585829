/**
 * MQTT destination (mqtt.js): each message is published to `topic` with QoS 1 and resolves on
 * the broker's PUBACK, in order (MQTT 3.1.1 §4.3.2: "at least once";
 * https://docs.oasis-open.org/mqtt/mqtt/v3.1.1/os/mqtt-v3.1.1-os.html#_Toc398718101).
 * The client's own reconnect is off (reconnectPeriod 0): a lost connection fails the call and the
 * next call connects again, so a publish never waits inside the client for a broker to return.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import type { DeliveryMessage, Destination } from '../types.js';
import { LazyConnection, useConnection } from './bounded.js';
import type { MqttDestinationConfig } from './config.js';

export class MqttDestination implements Destination {
  readonly type = 'mqtt';
  readonly arn: string;
  readonly #config: MqttDestinationConfig;
  readonly #connection: LazyConnection<MqttClient>;

  constructor(config: MqttDestinationConfig) {
    this.arn = config.arn;
    this.#config = config;
    this.#connection = new LazyConnection(
      () => this.#open(),
      (client) => client.endAsync(true),
      config.timeoutMs,
      `MQTT broker of ${config.arn}`,
      (client) => client.connected && !client.disconnecting,
    );
  }

  async #open(): Promise<MqttClient> {
    const { clientId, username, password, timeoutMs } = this.#config;
    const client = await connectAsync(this.#config.url, {
      reconnectPeriod: 0,
      connectTimeout: timeoutMs,
      clean: true,
      ...(clientId ? { clientId } : {}),
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
    });
    // Errors after the connection is up surface as a failed publish; without a listener they would throw.
    client.on('error', () => {});
    return client;
  }

  async deliver(messages: DeliveryMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await useConnection(this.#connection, this.#config.timeoutMs * messages.length, `publishing to ${this.arn}`, async (client) => {
      for (const message of messages) {
        if (!client.connected) throw new Error(`MQTT broker of ${this.arn}: the connection was lost`);
        await client.publishAsync(this.#config.topic, message.body, { qos: 1 });
      }
    });
  }

  close(): Promise<void> {
    return this.#connection.close();
  }
}
