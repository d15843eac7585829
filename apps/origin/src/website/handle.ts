/**
 * The website endpoint: Host → bucket, then the pure decisions of
 * @bucketfront/website executed against the store (docs/s3-website-rules.md#hosts and
 * docs/s3-website-rules.md#evaluation-order).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/WebsiteHosting.html
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostWithoutPort, parseRequestTarget } from '@bucketfront/http-basics';
import { isStoreError, type ObjectInfo, type ObjectStore } from '@bucketfront/object-store';
import { S3Error } from '@bucketfront/s3-protocol';
import { GET_OBJECT, isAllowedFor, LIST_BUCKET, requestConditions, type AccessRequest } from '../s3/authorize.js';
import type { BucketFacts } from '../s3/bucket-facts.js';
import { actualRequestCorsHeaders, preflight } from '../s3/cors.js';
import type { UserDirectory } from '../users/directory.js';
import {
  checkWebsiteMethod,
  classifyWebsiteHost,
  onLookupResult,
  planRequest,
  websiteErrors,
  type LookupDecision,
  type LookupOutcome,
  type WebsiteConfiguration,
  type WebsiteDecision,
  type WebsiteRequest,
} from '@bucketfront/website';
import { loadBucketState } from './bucket-state.js';
import { sendErrorPage, sendRedirect, serveObject, type ResponseIds } from './respond.js';

export interface WebsiteRequestContext {
  store: ObjectStore;
  /** Owners of buckets and objects, for the S3 API's authorization decision (s3/authorize.ts). */
  users: Pick<UserDirectory, 'firstUser' | 'userById'>;
  region: string;
  requestId: string;
  hostId: string;
  scheme: 'http' | 'https';
  /** Domain of the website host names (default `localhost`). */
  websiteDomain?: string;
  /**
   * True on the `--website-port` listener: a Host that is no website host
   * name is the bucket itself (custom domains / CNAMEs, docs/s3-website-rules.md#hosts).
   */
  isWebsitePort?: boolean;
  /**
   * The bucket the caller derived from Host, used only when the Host is no
   * website host name of `websiteDomain` (custom domains). Website host names
   * are classified here, so bare and wrong-region hosts get their 301 / 400.
   */
  bucket?: string | null;
}

/** A website endpoint name without a bucket answers 301 to https://aws.amazon.com/s3/ (docs/s3-website-rules.md#hosts). */
const BARE_ENDPOINT_LOCATION = 'https://aws.amazon.com/s3/';

type BucketFromHost = { kind: 'bucket'; name: string } | { kind: 'bare' } | { kind: 'wrong-region'; name: string };

function bucketFromHost(host: string, ctx: WebsiteRequestContext): BucketFromHost {
  const classified = classifyWebsiteHost(host, { websiteDomain: ctx.websiteDomain ?? 'localhost', region: ctx.region });
  if (classified === null) {
    // No website endpoint suffix: the whole Host (without port) is the bucket name (docs/s3-website-rules.md#hosts).
    return { kind: 'bucket', name: typeof ctx.bucket === 'string' ? ctx.bucket : hostWithoutPort(host) };
  }
  switch (classified.form) {
    case 'bare':
      return { kind: 'bare' };
    case 'wrong-region':
      return { kind: 'wrong-region', name: classified.bucket };
    default:
      return { kind: 'bucket', name: classified.bucket };
  }
}

interface Lookup {
  outcome: LookupOutcome;
  info?: ObjectInfo;
}

/**
 * Step 7: read `decision.key` as an anonymous user. A website request is an anonymous GetObject,
 * decided by the S3 API's one authorization step (s3/authorize.ts): bucket policy, object ACL,
 * Block Public Access, Object Ownership (docs/s3-website-rules.md#access).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/WebsiteAccessPermissionsReqd.html
 */
async function lookUp(store: ObjectStore, facts: BucketFacts, anonymous: AccessRequest, decision: LookupDecision): Promise<Lookup> {
  const bucket = facts.info.name;
  const info = await store.headObject(bucket, decision.key);
  if (info) {
    if (!isAllowedFor(anonymous, facts, GET_OBJECT, decision.key, info.metadata)) return { outcome: { kind: 'forbidden' } };
    const redirect = info.metadata.websiteRedirectLocation;
    return { outcome: redirect === undefined ? { kind: 'readable' } : { kind: 'readable', websiteRedirectLocation: redirect }, info };
  }
  // A miss is 404 only if anonymous users may list the bucket, else 403 (docs/s3-website-rules.md#access).
  const canListBucket = isAllowedFor(anonymous, facts, LIST_BUCKET);
  if (!decision.indexRedirect) return { outcome: { kind: 'missing', canListBucket } };
  const index = await store.headObject(bucket, decision.indexRedirect.key);
  return { outcome: { kind: 'missing', canListBucket, indexRedirectExists: index !== null } };
}

async function execute(
  req: IncomingMessage,
  res: ServerResponse,
  ids: ResponseIds,
  store: ObjectStore,
  facts: BucketFacts,
  config: WebsiteConfiguration,
  anonymous: AccessRequest,
  request: WebsiteRequest,
): Promise<void> {
  const bucket = facts.info;
  let decision: WebsiteDecision = planRequest(config, request);
  let lastInfo: ObjectInfo | undefined;
  let lastLookup: LookupDecision | undefined;
  // At most: object, fallback, error document, plus a re-read or two when an object changes under us.
  for (let step = 0; step < 8; step++) {
    switch (decision.kind) {
      case 'lookup': {
        const { outcome, info } = await lookUp(store, facts, anonymous, decision);
        lastInfo = info;
        lastLookup = decision;
        decision = onLookupResult(config, request, decision, outcome);
        break;
      }
      case 'serve': {
        if (!lastInfo || !lastLookup) throw new Error('website: serve without a lookup');
        const served = await serveObject(req, res, ids, store, lastInfo, {
          bucket: bucket.name,
          key: decision.key,
          status: decision.status,
          honourConditionals: decision.honourConditionals,
          ...(decision.error ? { error: decision.error } : {}),
        });
        if (served) return;
        decision = lastLookup; // changed or deleted since the lookup: look again
        break;
      }
      case 'redirect':
        sendRedirect(req, res, ids, decision.status, decision.location, decision.page);
        return;
      case 'errorPage':
        sendErrorPage(req, res, ids, decision.error, decision.errorDocumentFailure);
        return;
    }
  }
  sendErrorPage(req, res, ids, websiteErrors.internalError());
}

/**
 * CORS on the website endpoint as on the S3 API (docs/cors.md#website-endpoint): a preflight is
 * answered here (true); an actual request with an Origin a rule allows gets the Access-Control-*
 * headers set on the response before any helper writes it (Node merges them into writeHead).
 */
async function websiteCors(req: IncomingMessage, res: ServerResponse, ids: ResponseIds, ctx: WebsiteRequestContext, method: string): Promise<boolean> {
  // Without Origin an OPTIONS is no preflight: the website endpoint's 405 (docs/s3-website-rules.md#methods).
  if (req.headers.origin === undefined) return false;
  const target = bucketFromHost(req.headers.host ?? '', ctx);
  if (target.kind !== 'bucket') return false;
  if (method !== 'OPTIONS') {
    const headers = await actualRequestCorsHeaders(ctx.store, target.name, method, req.headers);
    for (let i = 0; headers !== null && i < headers.length; i += 2) res.setHeader(headers[i]!, headers[i + 1]!);
    return false;
  }
  const answer = await preflight(ctx.store, target.name, 'OBJECT', req.headers);
  if (answer instanceof S3Error) {
    sendErrorPage(req, res, ids, { status: answer.status, code: answer.code, message: answer.message });
    return true;
  }
  res.writeHead(answer.status, [...answer.headers, 'Content-Length', '0', 'x-amz-request-id', ids.requestId, 'x-amz-id-2', ids.hostId]);
  res.end();
  return true;
}

/**
 * Answers one website request. Never rejects: a store that is unavailable
 * becomes a 503 page, other unexpected failures a 500 InternalError page
 * without details.
 */
export async function handleWebsiteRequest(req: IncomingMessage, res: ServerResponse, ctx: WebsiteRequestContext): Promise<void> {
  const ids: ResponseIds = { requestId: ctx.requestId, hostId: ctx.hostId };
  try {
    const method = req.method ?? 'GET';
    if (await websiteCors(req, res, ids, ctx, method)) return;
    // Step 1 comes before the bucket: 405 whatever the bucket (docs/s3-website-rules.md#methods).
    const methodError = checkWebsiteMethod(method);
    if (methodError) {
      sendErrorPage(req, res, ids, methodError);
      return;
    }

    const host = req.headers.host ?? '';
    const target = bucketFromHost(host, ctx);
    if (target.kind === 'bare') {
      sendRedirect(req, res, ids, 301, BARE_ENDPOINT_LOCATION);
      return;
    }
    if (target.kind === 'wrong-region') {
      sendErrorPage(req, res, ids, websiteErrors.incorrectEndpoint(target.name));
      return;
    }

    const state = await loadBucketState(ctx.store, target.name);
    switch (state.kind) {
      case 'no-bucket':
        sendErrorPage(req, res, ids, websiteErrors.noSuchBucket(target.name));
        return;
      case 'no-website':
        sendErrorPage(req, res, ids, websiteErrors.noSuchWebsiteConfiguration(target.name));
        return;
      case 'invalid-website':
        sendErrorPage(req, res, ids, websiteErrors.internalError());
        return;
      case 'ok': {
        const request: WebsiteRequest = { method, path: parseRequestTarget(req.url).path, scheme: ctx.scheme, host };
        const anonymous: AccessRequest = { caller: { kind: 'anonymous' }, users: ctx.users, conditions: () => requestConditions(req, ctx.scheme === 'https') };
        await execute(req, res, ids, ctx.store, state.facts, state.config, anonymous, request);
        return;
      }
    }
  } catch (err) {
    // Errors are values everywhere above; this is the net for the store's failures (a backend
    // that is down or overloaded is S3's 503) and for unknown ones (500, no stack traces leak).
    if (res.headersSent) res.destroy();
    else if (isStoreError(err, 'ServiceUnavailable')) sendErrorPage(req, res, ids, websiteErrors.serviceUnavailable('ServiceUnavailable'));
    else if (isStoreError(err, 'SlowDown')) sendErrorPage(req, res, ids, websiteErrors.serviceUnavailable('SlowDown'));
    // An SSE-KMS object whose key is disabled or gone: what S3's website endpoint answers for KMS objects.
    else if (isStoreError(err, 'KMS.DisabledException') || isStoreError(err, 'KMS.NotFoundException')) sendErrorPage(req, res, ids, websiteErrors.accessDenied());
    else sendErrorPage(req, res, ids, websiteErrors.internalError());
  }
}
