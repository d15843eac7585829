/**
 * Builds a server access log record's input from a finished request: a few field reads on the
 * request path, nothing formatted (log-record.ts formats later, off the hot path).
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Caller, RequestAuth, S3Response } from '../s3/context.js';
import { operationName, type AccessRecordInput } from './log-record.js';

export interface FinishedRequest {
  req: IncomingMessage;
  bucket: string;
  key: string | undefined;
  /** The request's `versionId` query parameter, when it has one. */
  versionId: string | undefined;
  /** The origin's operation name (S3 operation, `Website`, or an error code). */
  operation: string;
  requestId: string;
  hostId: string;
  status: number;
  errorCode: string | undefined;
  bytesSent: number;
  objectSize: number | undefined;
  durationMs: number;
  auth: RequestAuth | undefined;
  caller: Caller | undefined;
}

export function captureRecord(f: FinishedRequest): AccessRecordInput {
  const { req } = f;
  const method = req.method ?? 'GET';
  const socket = req.socket as Partial<TLSSocket>;
  const tls = socket.encrypted === true;
  const signed = f.auth?.kind === 'signed' ? f.auth : undefined;
  return {
    bucket: f.bucket,
    timeMs: Date.now() - f.durationMs,
    remoteIp: req.socket.remoteAddress,
    requester: f.caller?.kind === 'user' ? f.caller.id : undefined,
    requestId: f.requestId,
    operation: operationName(f.operation, method),
    key: f.key,
    versionId: f.versionId,
    requestUri: `${method} ${req.url ?? '/'} HTTP/${req.httpVersion}`,
    status: f.status,
    // A 304 is not an error (GetObject reaches it through S3Error NotModified).
    errorCode: f.status === 304 ? undefined : f.errorCode,
    bytesSent: f.bytesSent,
    objectSize: f.objectSize,
    totalTimeMs: f.durationMs,
    turnAroundMs: undefined,
    referer: header(req, 'referer'),
    userAgent: header(req, 'user-agent'),
    hostId: f.hostId,
    signatureVersion: signed === undefined ? undefined : signed.context.signatureVersion === 2 ? 'SigV2' : 'SigV4',
    cipherSuite: tls ? socket.getCipher?.().name : undefined,
    authType: signed === undefined ? undefined : signed.via === 'presigned' ? 'QueryString' : 'AuthHeader',
    hostHeader: header(req, 'host'),
    tlsVersion: tls ? (socket.getProtocol?.() ?? undefined) : undefined,
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * "Object Size: the total size of the object in question": the stored size for a read (a 206's
 * Content-Range total), the body for a write; undefined otherwise.
 */
export function objectSizeOf(operation: string, status: number, response: S3Response, bytesIn: number): number | undefined {
  if (status >= 300 && status !== 304) return undefined;
  if (operation === 'PutObject' || operation === 'UploadPart' || operation === 'PostObject') return bytesIn;
  if (operation !== 'GetObject' && operation !== 'HeadObject') return undefined;
  const headers = response.headers ?? [];
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() !== 'content-range') continue;
    const total = /\/(\d+)$/.exec(headers[i + 1]!);
    if (total) return Number(total[1]);
  }
  // A 200: the whole object (a small one is answered from a buffer, without contentLength).
  const body = response.body;
  return response.contentLength ?? (typeof body === 'string' || Buffer.isBuffer(body) ? Buffer.byteLength(body) : undefined);
}
