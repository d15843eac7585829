/**
 * Requests to another bucketfront origin (a replication remote, remotes.ts): path-style S3
 * requests signed with SigV4 (@bucketfront/sigv4's signer), over plain node:http(s), with a
 * bounded wait for the connection and the response head. Object bodies are streamed and signed
 * as UNSIGNED-PAYLOAD, so memory stays bounded whatever the size.
 */
import { decodeXmlEntities } from '@bucketfront/http-basics';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { signRequest, UNSIGNED_PAYLOAD } from '@bucketfront/sigv4';

export interface RemoteEndpoint {
  /** `http://host:port` of the remote origin's S3 API. */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface RemoteRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'DELETE';
  bucket: string;
  key?: string;
  /** Already percent-encoded, without `?` (e.g. `versioning`, `uploadId=…&partNumber=1`). */
  query?: string;
  /** Lower-case names. */
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  /** Content-Length of a streamed body. */
  contentLength?: number;
}

export interface RemoteResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** The remote could not be reached or did not answer in time (retryable). */
export class RemoteUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RemoteUnavailable';
  }
}

/** An S3 error answered by the remote. */
export class RemoteError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RemoteError';
  }
}

const TIMEOUT_MS = 30_000;
/** Error documents and small answers only; object bodies are never read into memory here. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** RFC 3986 unreserved characters stay, everything else is %XX (UTF-8); `/` kept in keys. */
export function encodeKey(key: string): string {
  return key
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

export function remoteUrl(remote: RemoteEndpoint, r: Pick<RemoteRequest, 'bucket' | 'key' | 'query'>): string {
  const base = remote.endpoint.replace(/\/+$/, '');
  return `${base}/${r.bucket}${r.key !== undefined ? `/${encodeKey(r.key)}` : ''}${r.query ? `?${r.query}` : ''}`;
}

/** Sends the request; resolves with the answer (any status), its body read whole (small answers). */
export async function remoteRequest(remote: RemoteEndpoint, r: RemoteRequest): Promise<RemoteResponse> {
  const res = await openRemote(remote, r);
  return { status: res.statusCode ?? 0, headers: res.headers, body: await readAll(res) };
}

/** Sends the request; resolves with the response stream (the caller reads or destroys it). */
export function openRemote(remote: RemoteEndpoint, r: RemoteRequest): Promise<IncomingMessage> {
  const url = remoteUrl(remote, r);
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  if (Buffer.isBuffer(r.body)) headers['content-length'] = String(r.body.length);
  else if (r.contentLength !== undefined) headers['content-length'] = String(r.contentLength);
  const signed = signRequest({
    method: r.method,
    url,
    headers,
    credentials: { accessKeyId: remote.accessKeyId, secretAccessKey: remote.secretAccessKey },
    region: remote.region,
    service: 's3',
    payloadHash: UNSIGNED_PAYLOAD,
  });
  const lib = url.startsWith('https:') ? https : http;
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = lib.request(url, { method: r.method, headers: { ...headers, ...signed } });
    const timer = setTimeout(() => req.destroy(new RemoteUnavailable(`${r.method} ${url}: no answer within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
    req.on('response', (res) => {
      clearTimeout(timer);
      resolve(res);
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err instanceof RemoteUnavailable ? err : new RemoteUnavailable(`${r.method} ${remote.endpoint}: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    });
    if (r.body === undefined || Buffer.isBuffer(r.body)) req.end(r.body);
    else {
      r.body.on('error', (err) => req.destroy(err));
      r.body.pipe(req);
    }
  });
}

async function readAll(res: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) {
      res.destroy();
      throw new RemoteUnavailable('the remote answered more than 1 MiB where a small document was expected');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The S3 error a non-2xx answer carries (Code and Message of its error document, or the status alone). */
export function remoteErrorOf(res: RemoteResponse): RemoteError {
  const text = res.body.toString('utf8');
  const element = (name: string): string | undefined => {
    const raw = new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
    return raw === undefined ? undefined : (decodeXmlEntities(raw) ?? raw);
  };
  const code = element('Code') ?? `HTTP${res.status}`;
  const message = element('Message') ?? '';
  return new RemoteError(res.status, code, message);
}
