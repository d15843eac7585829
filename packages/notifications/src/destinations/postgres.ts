/**
 * PostgreSQL destination (pg), in MinIO's two table formats
 * (https://min.io/docs/minio/linux/administration/monitoring/publish-events-to-postgresql.html):
 * - `log`: one row per event, (event_time timestamptz, event_id text unique, event_data jsonb);
 *   a retried event (same message id) is not inserted twice (ON CONFLICT (event_id) DO NOTHING).
 * - `namespace`: one row per object, (key text primary key, value jsonb) with key `bucket/key`:
 *   an ObjectCreated event upserts the row, an ObjectRemoved event deletes it, so the table mirrors
 *   the bucket's current objects. Test events are not stored in this format (they name no object).
 * The table is created when missing. One deliver() is one transaction (all rows or none), committed
 * before it resolves.
 */
import pg from 'pg';
import type { DeliveryMessage, Destination } from '../types.js';
import { LazyConnection, SerialQueue, useConnection } from './bounded.js';
import type { PostgresDestinationConfig } from './config.js';

interface PostgresSession {
  client: pg.Client;
  /** Set once the connection failed or ended: the session is not reused. */
  broken: Error | undefined;
}

/** `schema.table` or `table` (validated by config.ts) as a quoted identifier. */
function quoteTable(table: string): string {
  return table
    .split('.')
    .map((part) => `"${part}"`)
    .join('.');
}

export class PostgresDestination implements Destination {
  readonly type = 'postgres';
  readonly arn: string;
  readonly #config: PostgresDestinationConfig;
  readonly #connection: LazyConnection<PostgresSession>;
  readonly #table: string;
  /** One transaction at a time on the one connection. */
  readonly #serial = new SerialQueue();

  constructor(config: PostgresDestinationConfig) {
    this.arn = config.arn;
    this.#config = config;
    this.#table = quoteTable(config.table);
    this.#connection = new LazyConnection(
      () => this.#open(),
      (session) => session.client.end(),
      config.timeoutMs,
      `PostgreSQL server of ${config.arn}`,
      (session) => session.broken === undefined,
    );
  }

  async #open(): Promise<PostgresSession> {
    const client = new pg.Client({
      connectionString: this.#config.connectionString,
      connectionTimeoutMillis: this.#config.timeoutMs,
      query_timeout: this.#config.timeoutMs,
      application_name: 'bucketfront-notifications',
    });
    const session: PostgresSession = { client, broken: undefined };
    client.on('error', (error) => {
      session.broken ??= error;
    });
    client.on('end', () => {
      session.broken ??= new Error('the PostgreSQL connection ended');
    });
    try {
      await client.connect();
      await client.query(
        this.#config.format === 'log'
          ? `CREATE TABLE IF NOT EXISTS ${this.#table} (event_time timestamptz NOT NULL, event_id text NOT NULL UNIQUE, event_data jsonb NOT NULL)`
          : `CREATE TABLE IF NOT EXISTS ${this.#table} (key text PRIMARY KEY, value jsonb NOT NULL)`,
      );
      return session;
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
  }

  deliver(messages: DeliveryMessage[]): Promise<void> {
    return this.#serial.run(() => this.#deliver(messages));
  }

  async #deliver(messages: DeliveryMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await useConnection(this.#connection, this.#config.timeoutMs * (messages.length + 2), `writing to the table of ${this.arn}`, async (session) => {
      if (session.broken) throw session.broken;
      const { client } = session;
      await client.query('BEGIN');
      try {
        for (const message of messages) await this.#write(client, message);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
  }

  #write(client: pg.Client, message: DeliveryMessage): Promise<unknown> {
    if (this.#config.format === 'log') {
      return client.query({
        name: 'bf-log-insert',
        text: `INSERT INTO ${this.#table} (event_time, event_id, event_data) VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING`,
        values: [message.eventTime, message.id, message.body],
      });
    }
    if (message.eventName === 'TestEvent') return Promise.resolve();
    const key = `${message.bucket}/${message.key}`;
    if (message.eventName.startsWith('ObjectRemoved:')) {
      return client.query({ name: 'bf-namespace-delete', text: `DELETE FROM ${this.#table} WHERE key = $1`, values: [key] });
    }
    return client.query({
      name: 'bf-namespace-upsert',
      text: `INSERT INTO ${this.#table} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
      values: [key, message.body],
    });
  }

  close(): Promise<void> {
    return this.#connection.close();
  }
}
