/**
 * The backend's HTTP client: path-style S3 requests signed with SigV4, over a
 * keep-alive agent, with bounded waits at every step and retries for
 * idempotent requests.
 *
 * Timeouts (none of them can be exceeded silently: radosgw hangs rather than
 * erroring when its cluster is full):
 * - connect: from the request's creation (agent queue included) until its socket is connected;
 * - idle: while the request body goes out, no progress for this long;
 * - response: from the end of the request body until the response head arrives;
 * - idle again while the response body comes in — but only while its buffer is
 *   empty: a consumer that stopped reading (a slow client downstream) is not a
 *   backend failure.
 * Each failure is a {@link BackendUnavailable} (→ ServiceUnavailable), or, once
 * a response body is being streamed to the caller, destroys it with a
 * ServiceUnavailable StoreError.
 *
 * Retries: requests without a body or with a small in-memory one, when the
 * caller marks them idempotent (GET, HEAD, DELETE by default), are repeated
 * after a network failure, a 500/502/503/504 or SlowDown, with exponential
 * backoff and jitter. Streamed bodies are never repeated.
 */
import http, { type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { signRequest, sha256Hex, UNSIGNED_PAYLOAD } from '@bucketfront/sigv4';
import { StoreError } from '../types.js';
import { LengthGuard } from './body.js';
import { BackendError, BackendUnavailable, isRetryableStatus } from './errors.js';
import { parseError } from './xml.js';

export interface ClientOptions {
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  region: string;
  connectMs: number;
  responseMs: number;
  idleMs: number;
  retries: number;
  maxSockets: number;
}

export type Method = 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';

export interface RequestSpec {
  method: Method;
  /** Backend bucket name (prefix applied). */
  bucket?: string;
  key?: string;
  /** Query parameters in order; an undefined value is a bare name (`?uploads`). */
  query?: [string, string | undefined][];
  /** Lower-case names. */
  headers?: Record<string, string>;
  /** A body in memory, signed with its SHA-256 unless `unsignedPayload`. */
  body?: Buffer | string;
  /** Sign the body as UNSIGNED-PAYLOAD (object bodies: no extra pass over the bytes). */
  unsignedPayload?: boolean;
  /**
   * Sign the body with this SHA-256 (hex; the client's, unchecked) instead: the backend checks it
   * as it receives the body and stores nothing when it does not match (XAmzContentSHA256Mismatch).
   */
  payloadSha256?: string;
  /** Statuses handed back instead of thrown (e.g. 404 of a HEAD, 304, 412). */
  accept?: readonly number[];
  /** Repeat after network failures and 5xx. Default: true for GET, HEAD and DELETE. */
  idempotent?: boolean;
}

/** Error bodies are short; anything longer is cut. */
const MAX_ERROR_BODY = 64 * 1024;
/** Free sockets are closed after this idle time (the server's Keep-Alive hint wins when shorter). */
const FREE_SOCKET_MS = 4_000;
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 2_000;

/** S3's encoding of a key in a path (and in x-amz-copy-source): every byte but the unreserved characters and '/'. */
export function encodeKeyPath(key: string): string {
  return encodeURIComponent(key)
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function encodeQuery(v: string): string {
  return encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const STATUS_CODES: Record<number, string> = {
  400: 'BadRequest',
  403: 'AccessDenied',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  412: 'PreconditionFailed',
  416: 'InvalidRange',
  500: 'InternalError',
  501: 'NotImplemented', // e.g. a backend without conditional PUTs (system-bucket.ts falls back)
  503: 'ServiceUnavailable',
};

export class BackendClient {
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private readonly hostname: string;
  private readonly port: number;
  /** scheme://host[:port] as signed. */
  private readonly origin: string;
  private readonly basePath: string;

  constructor(private readonly opts: ClientOptions) {
    const url = new URL(opts.endpoint);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new StoreError('InvalidArgument', `Unsupported backend endpoint ${opts.endpoint}: use http:// or https://`);
    }
    if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
      throw new StoreError('InvalidArgument', 'The backend endpoint must be scheme://host[:port][/path] (credentials go in `credentials`)');
    }
    const tls = url.protocol === 'https:';
    this.transport = tls ? https : http;
    this.hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = url.port !== '' ? Number(url.port) : tls ? 443 : 80;
    this.origin = `${url.protocol}//${url.host}`;
    this.basePath = url.pathname.replace(/\/+$/, '');
    const agentOpts = {
      keepAlive: true,
      keepAliveMsecs: 1_000,
      maxSockets: opts.maxSockets,
      maxFreeSockets: opts.maxSockets,
      scheduling: 'lifo' as const,
      timeout: FREE_SOCKET_MS,
    };
    this.agent = tls ? new https.Agent(agentOpts) : new http.Agent(agentOpts);
  }

  close(): void {
    this.agent.destroy();
  }

  /** The URL path and query of a request (as sent and as signed). */
  private target(spec: RequestSpec): string {
    let path = this.basePath;
    if (spec.bucket !== undefined) {
      path += `/${spec.bucket}`;
      if (spec.key !== undefined) path += `/${encodeKeyPath(spec.key)}`;
    }
    if (path === '') path = '/';
    if (spec.query !== undefined && spec.query.length > 0) {
      path += '?' + spec.query.map(([n, v]) => (v === undefined ? encodeQuery(n) : `${encodeQuery(n)}=${encodeQuery(v)}`)).join('&');
    }
    return path;
  }

  private signedHeaders(spec: RequestSpec, target: string, payloadHash: string, length: number | undefined): Record<string, string> {
    const headers: Record<string, string> = { ...spec.headers };
    if (length !== undefined) headers['content-length'] = String(length);
    const signed = signRequest({
      method: spec.method,
      url: `${this.origin}${target}`,
      headers,
      credentials: this.opts.credentials,
      region: this.opts.region,
      service: 's3',
      payloadHash,
    });
    return Object.assign(headers, signed);
  }

  /**
   * Sends a request without a body or with a small one; resolves to the
   * response (2xx or accepted: the caller reads or drains its body). Error
   * answers throw {@link BackendError}; no answer throws {@link BackendUnavailable}.
   */
  async request(spec: RequestSpec): Promise<IncomingMessage> {
    const idempotent = spec.idempotent ?? (spec.method === 'GET' || spec.method === 'HEAD' || spec.method === 'DELETE');
    const attempts = idempotent ? this.opts.retries + 1 : 1;
    const target = this.target(spec);
    const body = spec.body === undefined ? undefined : typeof spec.body === 'string' ? Buffer.from(spec.body) : spec.body;
    const payloadHash = spec.payloadSha256 ?? (spec.unsignedPayload === true ? UNSIGNED_PAYLOAD : sha256Hex(body ?? ''));
    const sendsBody = body !== undefined || spec.method === 'PUT' || spec.method === 'POST';
    for (let attempt = 1; ; attempt++) {
      const headers = this.signedHeaders(spec, target, payloadHash, sendsBody ? (body?.length ?? 0) : undefined);
      let res: IncomingMessage;
      try {
        res = await this.exchange(spec.method, target, headers, (req) => req.end(body));
      } catch (err) {
        if (attempt < attempts && err instanceof BackendUnavailable) {
          await backoff(attempt);
          continue;
        }
        throw err;
      }
      const status = res.statusCode ?? 0;
      if ((status >= 200 && status < 300) || spec.accept?.includes(status)) return res;
      const error = await errorOf(res, spec.method);
      if (attempt < attempts && (isRetryableStatus(status) || error.code === 'SlowDown')) {
        await backoff(attempt);
        continue;
      }
      throw error;
    }
  }

  /** {@link request}, then the whole response body (bounded). */
  async requestBody(spec: RequestSpec, maxBytes = 32 * 1024 * 1024): Promise<{ res: IncomingMessage; body: Buffer }> {
    const res = await this.request(spec);
    return { res, body: await readBody(res, maxBytes) };
  }

  /**
   * Streams `source` as the body, exactly `length` bytes (Content-Length,
   * UNSIGNED-PAYLOAD unless `spec.payloadSha256`), never retried. Rejects with the source's own error when
   * it fails, IncompleteBody when it is shorter or longer than `length`,
   * BackendError for an error answer (the rest of the body is then not sent)
   * or BackendUnavailable. In every failure the backend request is destroyed
   * before it was complete, so the backend stores nothing.
   */
  async stream(spec: RequestSpec, source: Readable, length: number): Promise<IncomingMessage> {
    const target = this.target(spec);
    const headers = this.signedHeaders(spec, target, spec.payloadSha256 ?? UNSIGNED_PAYLOAD, length);
    const guard = new LengthGuard(length);
    let sourceError: unknown;
    let guardError: unknown;
    // Registered first, so the cause is known when the request fails.
    source.once('error', (err) => (sourceError ??= err));
    guard.once('error', (err) => (guardError ??= err));
    let request: ClientRequest | undefined;
    let sent!: Promise<void>;
    const res = await this.exchange(
      spec.method,
      target,
      headers,
      (req, fail) => {
        request = req;
        sent = new Promise((resolve) => {
          // source → guard → req with pipe() and our own error handling, as stream.pipeline
          // would, without its per-call AbortController and the error objects it builds for
          // streams already done (~0.2 ms of CPU per request, measured).
          let settled = false;
          const settle = (err?: unknown): void => {
            if (settled) return;
            settled = true;
            if (err !== undefined) {
              source.destroy();
              guard.destroy();
              fail(err);
            }
            resolve();
          };
          source.once('error', settle);
          guard.once('error', settle);
          req.once('error', settle);
          req.once('finish', () => settle());
          req.once('close', () => settle(req.writableFinished ? undefined : new Error('the backend connection closed while the body was being sent')));
          source.pipe(guard).pipe(req);
        });
      },
      (err) => (sourceError ?? guardError ?? new BackendUnavailable(`The storage backend connection failed: ${describe(err)}`, err)) as Error,
    );
    const status = res.statusCode ?? 0;
    if (status >= 200 && status < 300) {
      await sent;
      if (sourceError !== undefined || guardError !== undefined) {
        res.destroy();
        throw sourceError ?? guardError;
      }
      return res;
    }
    // An early error answer: read it, then stop sending.
    const error = await errorOf(res, spec.method);
    request?.destroy();
    throw error;
  }

  /**
   * One request/response exchange with the connect, idle and response timers.
   * `write` sends the body (calling `fail` if that breaks); `classify` turns a
   * request error into what the caller should see.
   */
  private exchange(
    method: Method,
    path: string,
    headers: Record<string, string>,
    write: (req: ClientRequest, fail: (err: unknown) => void) => void,
    classify: (err: unknown) => Error = (err) => (err instanceof BackendUnavailable ? err : new BackendUnavailable(`The storage backend connection failed: ${describe(err)}`, err)),
  ): Promise<IncomingMessage> {
    const { connectMs, responseMs, idleMs } = this.opts;
    return new Promise((resolve, reject) => {
      let phase: 'connect' | 'send' | 'wait' | 'body' | 'done' = 'connect';
      let connected = false;
      let finished = false;
      let socket: Socket | undefined;
      let res: IncomingMessage | undefined;
      let timer: NodeJS.Timeout | undefined;
      const clearTimer = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
      };
      const req = this.transport.request({ agent: this.agent, host: this.hostname, port: this.port, method, path, headers });

      const fail = (err: unknown): void => {
        clearTimer();
        if (res === undefined) {
          if (phase !== 'done') {
            phase = 'done';
            reject(classify(err));
          }
          req.destroy();
          return;
        }
        // The response is the caller's now: end it with an error it understands.
        if (!res.complete && !res.destroyed) {
          res.destroy(err instanceof StoreError ? err : new StoreError('ServiceUnavailable', describe(err)));
        }
      };
      const timeout = (what: string): BackendUnavailable => new BackendUnavailable(`The storage backend ${what}`);

      const onIdle = (): void => {
        if (phase === 'send') {
          fail(timeout(`stalled for ${idleMs} ms while receiving the request`));
        } else if (phase === 'body' && res !== undefined && !res.complete && !res.destroyed) {
          if (res.readableLength > 0) {
            socket?.setTimeout(idleMs); // the reader downstream is the slow side
            return;
          }
          phase = 'done';
          fail(new StoreError('ServiceUnavailable', `The storage backend stalled for ${idleMs} ms while sending a response`));
        }
      };
      const detach = (): void => {
        socket?.removeListener('timeout', onIdle);
      };
      const startWaiting = (): void => {
        if (!connected || !finished || phase !== 'send') return;
        phase = 'wait';
        socket?.setTimeout(0);
        timer = setTimeout(() => fail(timeout(`did not answer within ${responseMs} ms`)), responseMs);
      };
      const onConnected = (): void => {
        if (phase !== 'connect') return;
        connected = true;
        clearTimer();
        phase = 'send';
        socket?.setTimeout(idleMs);
        startWaiting();
      };

      timer = setTimeout(() => fail(timeout(`could not be reached within ${connectMs} ms`)), connectMs);
      req.on('socket', (s: Socket) => {
        socket = s;
        s.setNoDelay(true);
        s.on('timeout', onIdle);
        if (s.connecting) s.once('connect', onConnected);
        else onConnected();
      });
      req.on('finish', () => {
        finished = true;
        startWaiting();
      });
      req.on('error', (err) => fail(err));
      req.on('close', detach);
      req.on('response', (r: IncomingMessage) => {
        clearTimer();
        res = r;
        phase = 'body';
        socket?.setTimeout(idleMs);
        r.once('end', detach);
        r.once('close', detach);
        resolve(r);
      });
      write(req, fail);
    });
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code !== undefined ? `${code} ${err.message}` : err.message;
  }
  return String(err);
}

function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
  const ms = ceiling / 2 + Math.random() * (ceiling / 2);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The whole body of a response; more than `maxBytes` is an InternalError. */
export async function readBody(res: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > maxBytes) {
        res.destroy();
        throw new StoreError('InternalError', `The storage backend sent more than ${maxBytes} bytes where a document was expected`);
      }
      chunks.push(buf);
    }
  } catch (err) {
    if (err instanceof StoreError) throw err;
    throw new BackendUnavailable(`The storage backend connection failed: ${describe(err)}`, err);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Reads and discards a response's body, so its socket goes back to the pool
 * (node frees it on 'end', which needs the body consumed even when it is empty).
 */
export function drain(res: IncomingMessage): Promise<void> {
  if (res.readableEnded || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    res.once('end', resolve);
    res.once('close', resolve);
    res.once('error', () => resolve());
    res.resume();
  });
}

/** The error an answer carries: its XML document, or (HEAD, empty body) its status. */
async function errorOf(res: IncomingMessage, method: Method): Promise<BackendError> {
  const status = res.statusCode ?? 0;
  let body: Buffer = Buffer.alloc(0);
  if (method !== 'HEAD') {
    try {
      body = await readBody(res, MAX_ERROR_BODY);
    } catch {
      res.destroy();
    }
  } else {
    await drain(res);
  }
  const requestId = headerOf(res.headers, 'x-amz-request-id');
  const parsed = parseError(body, status);
  if (parsed !== null) return new BackendError(status, parsed.code, parsed.message, parsed.requestId ?? requestId);
  const code = headerOf(res.headers, 'x-amz-error-code') ?? STATUS_CODES[status] ?? (status >= 500 ? 'InternalError' : `Http${status}`);
  return new BackendError(status, code, headerOf(res.headers, 'x-amz-error-message') ?? '', requestId);
}

function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}
