/**
 * Webhook destination: one HTTP POST per message, in order, over a keep-alive pool (undici).
 * A 2xx answer acknowledges the message; any other status, a connection error or a timeout is a
 * failure (redirects are not followed). The body is the message body as it is (`{"Records":[…]}`),
 * the same JSON MinIO's webhook target and an SQS consumer receive.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';
import type { DeliveryMessage, Destination } from '../types.js';
import { DestinationTimeoutError } from './bounded.js';
import type { WebhookDestinationConfig } from './config.js';

/** The receiver can drop a duplicate (a retry after a fault) by this header: it repeats the message id. */
export const MESSAGE_ID_HEADER = 'x-bucketfront-message-id';

export class WebhookDestination implements Destination {
  readonly type = 'webhook';
  readonly arn: string;
  readonly #config: WebhookDestinationConfig;
  readonly #pool: Agent;
  #closed = false;

  constructor(config: WebhookDestinationConfig) {
    this.arn = config.arn;
    this.#config = config;
    // A private CA is trusted besides the public ones, not instead of them.
    const ca = config.caFile ? [...rootCertificates, readFileSync(config.caFile, 'utf8')] : undefined;
    this.#pool = new Agent({
      connect: { timeout: config.timeoutMs, ...(ca ? { ca } : {}) },
      headersTimeout: config.timeoutMs,
      bodyTimeout: config.timeoutMs,
      keepAliveTimeout: 4_000,
    });
  }

  async deliver(messages: DeliveryMessage[]): Promise<void> {
    if (this.#closed) throw new Error(`webhook ${this.arn}: the destination is closed`);
    for (const message of messages) await this.#post(message);
  }

  async #post(message: DeliveryMessage): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/json', [MESSAGE_ID_HEADER]: message.id };
    if (this.#config.authToken) headers['authorization'] = `Bearer ${this.#config.authToken}`;
    const signal = AbortSignal.timeout(this.#config.timeoutMs);
    let statusCode: number;
    try {
      const response = await request(this.#config.url, { method: 'POST', headers, body: message.body, dispatcher: this.#pool, signal });
      statusCode = response.statusCode;
      await response.body.dump();
    } catch (error) {
      if (signal.aborted) throw new DestinationTimeoutError(`webhook ${this.arn}: no answer to the POST of message ${message.id} within ${this.#config.timeoutMs} ms`);
      throw new Error(`webhook ${this.arn}: POST of message ${message.id} failed: ${(error as Error).message}`, { cause: error });
    }
    if (statusCode < 200 || statusCode > 299) throw new Error(`webhook ${this.arn}: the receiver answered ${statusCode} to message ${message.id}`);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.close();
  }
}
