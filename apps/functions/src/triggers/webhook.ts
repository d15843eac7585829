/**
 * The webhook trigger: an HTTP listener receiving the origin's `webhook` destination — one POST
 * per event, body `{"Records":[record]}` — on `/<function name>` (or the trigger's `path`).
 *
 * The answer is the acknowledgement (docs/functions.md#delivery):
 * - 200 once the event is handled: the function succeeded, or every attempt failed and the
 *   failure is recorded in the error destination (or there is none);
 * - 503 when it is not handled and the sender should deliver it again later: the queue is full
 *   (with Retry-After), the runtime is shutting down, the error destination failed;
 * - 400/401/404/405/413 for what no retry can fix (401: the trigger has an `authToken` and the
 *   request does not carry it as a Bearer token).
 * The response waits for the handling (retries included), so the sender's timeout must exceed
 * (retries + 1) × timeout + the retry delays, or it sends the event again; a copy that arrives
 * while the first is still being handled (same x-bucketfront-message-id, or else the same body)
 * joins it instead of running twice.
 * An S3 test event (s3:TestEvent, sent when a notification configuration is stored) is answered
 * 200 without an invocation: S3 does not send it to Lambda either.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listen } from '@bucketfront/http-basics';
import { type FunctionRunner, QueueFullError, type InvocationResult } from '../function-runner.js';

/** Lambda's limit for an asynchronous invocation's payload: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html */
export const MAX_EVENT_BYTES = 256 * 1024;

/** The header the origin's webhook destination names each message with (packages/notifications, destinations/webhook.ts). */
export const MESSAGE_ID_HEADER = 'x-bucketfront-message-id';

export interface WebhookTrigger {
  url: string;
  port: number;
  close(): Promise<void>;
}

class TooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_EVENT_BYTES) {
        reject(new TooLarge());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** `Bearer <token>`, compared in constant time (RFC 6750 §2.1). */
function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '');
  if (!m) return false;
  const given = createHash('sha256').update(m[1]!).digest();
  const wanted = createHash('sha256').update(token).digest();
  return timingSafeEqual(given, wanted);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

export async function startWebhookTrigger(runners: FunctionRunner[], listenOn: { host: string; port: number }): Promise<WebhookTrigger> {
  const byPath = new Map<string, FunctionRunner>();
  for (const r of runners) if (r.config.trigger.type === 'webhook') byPath.set(r.config.trigger.path ?? `/${r.name}`, r);
  /** Copies of an event still being handled (same function, same body). */
  const inFlight = new Map<string, Promise<InvocationResult>>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const runner = byPath.get(path);
    if (!runner) return send(res, 404, { error: 'NoSuchFunction', message: `no function listens on ${path}` });
    if (req.method !== 'POST') return send(res, 405, { error: 'MethodNotAllowed', message: 'POST an S3 event' }, { allow: 'POST' });
    const token = runner.config.trigger.type === 'webhook' ? runner.config.trigger.authToken : undefined;
    if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
      req.resume();
      return send(res, 401, { error: 'Unauthorized', message: 'this function needs Authorization: Bearer <its authToken>' }, { 'www-authenticate': 'Bearer' });
    }
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (err) {
      if (err instanceof TooLarge) return send(res, 413, { error: 'RequestEntityTooLarge', message: `an event is at most ${MAX_EVENT_BYTES} bytes` }, { connection: 'close' });
      return;
    }
    let event: unknown;
    try {
      event = JSON.parse(body.toString('utf8'));
    } catch {
      return send(res, 400, { error: 'InvalidRequestContent', message: 'the body is not JSON' });
    }
    if ((event as { Event?: unknown } | null)?.Event === 's3:TestEvent') return send(res, 200, { testEvent: true });
    if (!Array.isArray((event as { Records?: unknown } | null)?.Records)) return send(res, 400, { error: 'InvalidRequestContent', message: 'expected an S3 event: {"Records":[…]}' });

    // The origin's webhook destination names each message (stable across its retries); another sender is known by the body.
    const messageId = req.headers[MESSAGE_ID_HEADER];
    const id = `${runner.name}\0${typeof messageId === 'string' && messageId !== '' ? `id:${messageId}` : `sha256:${createHash('sha256').update(body).digest('hex')}`}`;
    let invocation = inFlight.get(id);
    if (!invocation) {
      invocation = runner.invoke(event);
      inFlight.set(id, invocation);
      const forget = () => inFlight.delete(id);
      invocation.then(forget, forget);
    }
    try {
      const result = await invocation;
      send(res, 200, { requestId: result.awsRequestId, status: result.status, attempts: result.attempts });
    } catch (err) {
      const retryAfter: Record<string, string> = err instanceof QueueFullError ? { 'retry-after': '1' } : {};
      send(res, 503, { error: (err as Error).name, message: (err as Error).message }, retryAfter);
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { error: 'InternalError', message: (err as Error).message }));
  });
  const port = await listen(server, listenOn.port, listenOn.host);
  const host = listenOn.host.includes(':') ? `[${listenOn.host}]` : listenOn.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () => closeServer(server),
  };
}
