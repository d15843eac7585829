/**
 * The origin's request path on plain node:http: parse → verify → dispatch.
 * (apps/origin/README.md explains why this is not express.)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostWithoutPort, parseRequestTarget } from '@bucketfront/http-basics';
import { isStoreError, type ObjectStore, type StoreErrorCode } from '@bucketfront/object-store';
import { authorizationClass, parseS3Request, S3Error, virtualHostBucket, type Owner, type S3ErrorCode, type S3Operation } from '@bucketfront/s3-protocol';
import { PayloadError, verifyRequest, type PayloadErrorCode, type VerifyResult } from '@bucketfront/sigv4';
import { classifyWebsiteHost } from '@bucketfront/website';
import { captureRecord, objectSizeOf } from './access-logging/capture.js';
import type { ServerAccessLog } from './access-logging/server-access-log.js';
import { createJsonLineSink, type AccessLogEntry, type AccessLogSink } from './http/access-log.js';
import { OriginMetrics } from './http/metrics.js';
import { PresignedCache } from './http/presigned-cache.js';
import { makeHostId, nextRequestId } from './http/request-id.js';
import { errorResponse, hasUnreadBody, sendResponse } from './http/respond.js';
import { requestScheme } from './http/secure.js';
import { DEFAULT_MIN_BODY_RATE, type Caller, type MinBodyRate, type RequestAuth, type S3Context, type S3Response } from './s3/context.js';
import { staticUserDirectory, type UserDirectory } from './users/directory.js';
import type { Notifier } from './notifications/notifier.js';
import { actualRequestCorsHeaders } from './s3/cors.js';
import { dispatch } from './s3/router.js';
import { handleWebsiteRequest } from './website/index.js';

export interface OriginDeps {
  store: ObjectStore;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Every user and access key; default: `credentials` alone (users/directory.ts). */
  users?: UserDirectory;
  /** Default us-east-1. */
  region?: string;
  /** Default 'localhost'. */
  websiteDomain?: string;
  /** Default: JSON lines on stdout. */
  accessLog?: false | AccessLogSink;
  /** Accept the SPA-fallback extension (routing rules with HttpRedirectCode 200) in PutBucketWebsite. Default off (AWS's rules). */
  spaFallback?: boolean;
  /** Slowest request body accepted before RequestTimeout. Default DEFAULT_MIN_BODY_RATE (8 KiB per 20 s). */
  minBodyRate?: MinBodyRate;
  /** Where requests (and, fed by startOrigin, store calls) are counted. Default: a new OriginMetrics. */
  metrics?: OriginMetrics;
  /** Event notifications (startOrigin's `notifications`); without it `ctx.notify` records nothing. */
  notifier?: Notifier;
  /** S3 server access logging (startOrigin's); without it no bucket's requests are logged. */
  serverAccessLog?: Pick<ServerAccessLog, 'record'>;
}

/** What finish passes on to the server access log beside the JSON line's fields. */
interface S3Outcome {
  errorCode: string | undefined;
  objectSize: number | undefined;
  ctx: S3Context | null;
}

export interface OriginHandler {
  /** The S3 API listener (website Hosts are handed to the website endpoint). */
  (req: IncomingMessage, res: ServerResponse): void;
  /** The website-port listener: every request is a website request. */
  website(req: IncomingMessage, res: ServerResponse): void;
  metrics: OriginMetrics;
  /** This process's x-amz-id-2. */
  hostId: string;
  /** The access-log line and metrics for a request the HTTP parser refused (it never reached a listener). */
  logRejected(r: { requestId: string; remote: string | undefined; status: number; operation: string; bytesOut: number }): void;
}

const HEALTH_BODY = Buffer.from(JSON.stringify({ status: 'ok' }));

export function createOriginHandler(deps: OriginDeps): OriginHandler {
  const region = deps.region ?? 'us-east-1';
  const websiteDomain = deps.websiteDomain ?? 'localhost';
  const { accessKeyId, secretAccessKey } = deps.credentials;
  const store = deps.store;
  const hostId = makeHostId();
  const metrics = deps.metrics ?? new OriginMetrics();
  const accessLog = deps.accessLog === false ? null : (deps.accessLog ?? createJsonLineSink());
  const users = deps.users ?? staticUserDirectory([{ accessKeyId, secretAccessKey }]);
  const owner: Owner = { id: users.firstUser.id, displayName: users.firstUser.displayName };
  const lookupSecret = (id: string): string | undefined => users.lookupKey(id)?.secretAccessKey;
  const addressing = { websiteDomain, region };
  const presigned = new PresignedCache();
  const notifier = deps.notifier;
  const serverAccessLog = deps.serverAccessLog;

  function finish(
    req: IncomingMessage,
    requestId: string,
    started: number,
    op: S3Operation | null,
    operation: string,
    path: string,
    status: number,
    bytesIn: number,
    bytesOut: number,
    websiteBucket?: string | null,
    outcome?: S3Outcome,
  ): void {
    const durationMs = performance.now() - started;
    metrics.record(operation, status, bytesIn, bytesOut, durationMs);
    const logged = websiteBucket ?? (op && 'bucket' in op ? op.bucket : undefined);
    if (serverAccessLog !== undefined && logged) {
      serverAccessLog.record(
        captureRecord({
          req,
          bucket: logged,
          key: op && 'key' in op ? op.key : websiteBucket ? websiteKeyOf(path) : undefined,
          versionId: op?.query.get('versionId'),
          operation,
          requestId,
          hostId,
          status,
          errorCode: outcome?.errorCode,
          bytesSent: bytesOut,
          objectSize: outcome?.objectSize,
          durationMs,
          auth: outcome?.ctx?.auth,
          caller: outcome?.ctx?.caller,
        }),
      );
    }
    if (accessLog === null) return;
    const entry: AccessLogEntry = {
      time: new Date().toISOString(),
      requestId,
      remote: req.socket.remoteAddress,
      method: req.method ?? '',
      path,
      operation,
      status,
      bytesIn,
      bytesOut,
      durationMs: Math.round(durationMs * 1000) / 1000,
    };
    if (op && 'bucket' in op && op.bucket !== undefined) entry.bucket = op.bucket;
    if (op && 'key' in op && op.key !== undefined) entry.key = op.key;
    if (websiteBucket) entry.bucket = websiteBucket;
    const ua = req.headers['user-agent'];
    if (ua !== undefined) entry.userAgent = ua;
    accessLog(entry);
  }

  function websiteRequest(req: IncomingMessage, res: ServerResponse, bucket: string | null, requestId: string, started: number, path: string, isWebsitePort: boolean): void {
    // Website responses are written by several helpers; the socket's byte count (status line and
    // headers included) is what this response added to the connection.
    const socket = req.socket;
    const before = socket.bytesWritten;
    res.once('close', () => finish(req, requestId, started, null, 'Website', path, res.statusCode, 0, socket.bytesWritten - before, bucket));
    // The website endpoint reads no request body: one still arriving closes the connection after the
    // answer (as on the S3 API), else each trickled byte keeps the socket alive up to the request timeout.
    if (hasUnreadBody(req)) res.setHeader('Connection', 'close');
    handleWebsiteRequest(req, res, { store, users, bucket, region, requestId, hostId, scheme: requestScheme(req), websiteDomain, isWebsitePort }).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500, ['Content-Type', 'text/html; charset=utf-8', 'x-amz-request-id', requestId, 'x-amz-id-2', hostId]);
        res.end('<html><body><h1>500 Internal Server Error</h1></body></html>\n');
      } else {
        res.destroy();
      }
    });
  }

  const handler = ((req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const requestId = nextRequestId();
    const ids = { requestId, hostId };
    // origin-form or absolute-form (RFC 9112 §3.2.2); Host names the bucket either way
    const target = parseRequestTarget(req.url);
    const rawPath = target.path;
    const rawQuery = target.query ?? '';
    const host = req.headers.host;

    // Host names are case-insensitive (RFC 9110 §4.2.3): the cheap test must be too.
    if (host !== undefined && /s3-website/i.test(host)) {
      const w = classifyWebsiteHost(host, addressing);
      if (w !== null) {
        websiteRequest(req, res, w.form === 'bare' ? null : w.bucket, requestId, started, rawPath, false);
        return;
      }
    }

    // Path-style only: no bucket name contains `_`, but a virtual-hosted bucket may hold a key `_bucketfront/…`.
    if (rawPath.startsWith('/_bucketfront/') && virtualHostBucket(host, websiteDomain) === null) {
      const internal = internalEndpoint(rawPath, metrics);
      sendResponse(req, res, ids, internal, (status, bytesOut) => finish(req, requestId, started, null, 'Internal', rawPath, status, 0, bytesOut));
      return;
    }

    let op: S3Operation | null = null;
    let operation = 'Unknown';
    let ctx: S3Context | null = null;
    // An actual request with an Origin header gets the matching CORS rule's headers, errors included (docs/cors.md).
    const respond = (r: S3Response | S3Error): void => {
      const bucket = op !== null && 'bucket' in op ? op.bucket : undefined;
      const preflightOp = op !== null && authorizationClass(op) === 'preflight';
      if (bucket === undefined || preflightOp || req.headers.origin === undefined) {
        send(r);
        return;
      }
      actualRequestCorsHeaders(store, bucket, req.method ?? 'GET', req.headers).then(
        (cors) => send(cors === null ? r : withHeaders(r, cors)),
        () => send(r),
      );
    };
    const send = (r: S3Response | S3Error): void => {
      const isHead = req.method === 'HEAD';
      let out: S3Response;
      if (r instanceof S3Error) out = errorResponse(r, ids, isHead);
      else if (r.error) {
        const e = errorResponse(r.error, ids, isHead);
        out = { ...e, status: r.status, headers: [...(e.headers ?? []), ...(r.headers ?? [])] };
      } else out = r;
      const errorCode = r instanceof S3Error ? r.code : r.error?.code;
      const done = (status: number, bytesOut: number): void => {
        const bytesIn = ctx?.bytesIn ?? 0;
        const outcome = serverAccessLog === undefined ? undefined : { errorCode, objectSize: objectSizeOf(operation, status, out, bytesIn), ctx };
        finish(req, requestId, started, op, operation, rawPath, status, bytesIn, bytesOut, undefined, outcome);
      };
      try {
        sendResponse(req, res, ids, out, done);
      } catch (err) {
        // e.g. a header value node refuses; never let it escape the request.
        logInternal(err);
        if (!res.headersSent) sendResponse(req, res, ids, errorResponse(new S3Error('InternalError'), ids, isHead), done);
        else res.destroy();
      }
    };

    try {
      route();
    } catch (err) {
      // Parsing and verification are pure and never throw by contract; if one ever does,
      // this request gets an InternalError and the server keeps serving.
      respond(toS3Error(err));
    }

    function route(): void {
      const parsed = parseS3Request({ method: req.method ?? 'GET', host, rawPath, rawQuery, headers: req.headers }, addressing);
      if (parsed instanceof S3Error) {
        respond(parsed);
        return;
      }
      op = parsed;
      operation = op.op === 'NotImplemented' ? op.name : op.op;

      const method = req.method ?? 'GET';
      const nowMs = Date.now();
      let verified: VerifyResult | undefined;
      let cacheKey: string | undefined;
      if (PresignedCache.isCandidate(method, rawQuery, req.headers)) {
        cacheKey = PresignedCache.keyOf(method, host, `${rawPath}?${rawQuery}`);
        verified = presigned.get(cacheKey, nowMs);
      }
      // A preflight is never signed and is answered from the CORS configuration alone; a presigned
      // URL's query on an OPTIONS is not verified (it was signed for another method).
      if (authorizationClass(op) === 'preflight') verified = { kind: 'anonymous' };
      if (verified === undefined) {
        // SigV2's CanonicalizedResource starts with the virtual-hosted bucket:
        // https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html#ConstructingTheCanonicalizedResourceElement
        const virtualHostedBucket = virtualHostBucket(host, websiteDomain) ?? undefined;
        verified = verifyRequest(
          { method, path: rawPath, query: rawQuery, headers: req.headers },
          { lookupSecret, now: new Date(nowMs), service: 's3', ...(virtualHostedBucket !== undefined ? { virtualHostedBucket } : {}) },
        );
        if (cacheKey !== undefined && verified.kind === 'signed') presigned.remember(cacheKey, verified, rawQuery, nowMs);
      }
      if (verified.kind === 'error') {
        respond(S3Error.from(verified.code, verified.message, verified.detail, verified.status));
        return;
      }
      const auth: RequestAuth = verified;
      // Who may do what is decided in one place after this: s3/authorize.ts (run by dispatch).

      const host0 = host ?? `127.0.0.1:${req.socket.localPort ?? ''}`;
      ctx = {
        req,
        res,
        op,
        auth,
        caller: callerOf(auth, users),
        store,
        region,
        requestId,
        hostId,
        owner,
        users,
        baseUrl: `${requestScheme(req)}://${host0}`,
        expectContinue: (req.headers.expect ?? '').toLowerCase() === '100-continue',
        bytesIn: 0,
        allowSpaFallback: deps.spaFallback === true,
        minBodyRate: deps.minBodyRate ?? DEFAULT_MIN_BODY_RATE,
        notify: notifier === undefined ? noNotify : (event) => notifier.notify({ ...event, principalId: principalOf(auth), sourceIp: sourceIpOf(req), requestId, hostId }),
        notifications: notifier ?? null,
        lookupSecret,
      };
      dispatch(ctx).then(respond, (err: unknown) => respond(toS3Error(err)));
    }
  }) as OriginHandler;

  handler.website = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const requestId = nextRequestId();
    const url = req.url ?? '/';
    const path = url.split('?', 1)[0] ?? '/';
    const host = req.headers.host ?? '';
    const w = host ? classifyWebsiteHost(host, addressing) : null;
    // Not a website endpoint name: the whole host is the bucket (CNAME / custom domain).
    const bucket = w === null ? (host ? hostWithoutPort(host) : null) : w.form === 'bare' ? null : w.bucket;
    websiteRequest(req, res, bucket, requestId, started, path, true);
  };
  handler.logRejected = (r) => {
    metrics.record(r.operation, r.status, 0, r.bytesOut, 0);
    accessLog?.({
      time: new Date().toISOString(),
      requestId: r.requestId,
      remote: r.remote,
      method: '',
      path: '',
      operation: r.operation,
      status: r.status,
      bytesIn: 0,
      bytesOut: r.bytesOut,
      durationMs: 0,
    });
  };
  handler.metrics = metrics;
  handler.hostId = hostId;
  return handler;
}

/** The response with extra headers (for an error: carried on an S3Response with `error`). */
function withHeaders(r: S3Response | S3Error, headers: string[]): S3Response {
  if (r instanceof S3Error) return { status: r.status, error: r, headers };
  return { ...r, headers: [...(r.headers ?? []), ...headers] };
}

const noNotify = (): Promise<void> => Promise.resolve();

/** The key a website request names (its decoded path), for the server access log. */
function websiteKeyOf(path: string): string | undefined {
  try {
    return decodeURIComponent(path.slice(1)) || undefined;
  } catch {
    return path.slice(1);
  }
}

/** userIdentity.principalId of an event record: `AWS:<access key id>` for a signed request, as S3 names an IAM user by its id. */
function callerOf(auth: RequestAuth, users: UserDirectory): Caller {
  if (auth.kind !== 'signed') return { kind: 'anonymous' };
  const user = users.lookupKey(auth.accessKeyId)?.user;
  // The key verified, so it exists; a key deleted since is treated as anonymous.
  return user === undefined ? { kind: 'anonymous' } : { kind: 'user', id: user.id, displayName: user.displayName, accessKeyId: auth.accessKeyId };
}

function principalOf(auth: RequestAuth): string {
  return auth.kind === 'signed' ? `AWS:${auth.accessKeyId}` : 'ANONYMOUS';
}

/** requestParameters.sourceIPAddress: the peer address (an IPv4-mapped IPv6 address as plain IPv4). */
function sourceIpOf(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function internalEndpoint(path: string, metrics: OriginMetrics): S3Response {
  if (path === '/_bucketfront/health') {
    return { status: 200, headers: ['Content-Type', 'application/json', 'Cache-Control', 'no-store'], body: HEALTH_BODY };
  }
  if (path === '/_bucketfront/metrics') {
    return { status: 200, headers: ['Content-Type', 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control', 'no-store'], body: metrics.render() };
  }
  return { status: 404, headers: ['Content-Type', 'application/json'], body: '{"status":"not found"}' };
}

// Every code the store and the sigv4 package can raise must be an S3 error code we can render
// (a new one fails this type check instead of silently becoming an InternalError).
type Covered<C extends string> = C extends S3ErrorCode ? true : C;
const storeCodesCovered: Covered<StoreErrorCode> = true;
const payloadCodesCovered: Covered<PayloadErrorCode> = true;
void storeCodesCovered;
void payloadCodesCovered;

/** Store and payload errors carry S3 codes; anything else is an InternalError (logged, never shown). */
export function toS3Error(err: unknown): S3Error {
  if (err instanceof S3Error) return err;
  if (isStoreError(err)) {
    if (err.code === 'InternalError') logInternal(err);
    return S3Error.from(err.code, err.message, err.detail);
  }
  if (err instanceof PayloadError) return S3Error.from(err.code, err.message, err.detail, err.status);
  logInternal(err);
  return new S3Error('InternalError');
}

function logInternal(err: unknown): void {
  process.stderr.write(`bucketfront origin: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
}
