/**
 * The `cloudfront-keyvaluestore` data-plane API on the control port, at the paths the SDKs use
 * (`/key-value-stores/{KvsARN}[/keys[/{Key}]]`); REST-JSON.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_Operations_Amazon_CloudFront_KeyValueStore.html
 */
import type http from 'node:http';
import { ifMatchOf } from '../if-match.js';
import type { ControlContext } from '../context.js';
import { authenticateKvs } from './auth.js';
import { KvsApiError, kvsErrors, renderKvsError } from './errors.js';
import { DeleteKey } from './handlers/DeleteKey.js';
import { DescribeKeyValueStore } from './handlers/DescribeKeyValueStore.js';
import { GetKey } from './handlers/GetKey.js';
import { ListKeys } from './handlers/ListKeys.js';
import { PutKey } from './handlers/PutKey.js';
import { UpdateKeys } from './handlers/UpdateKeys.js';
import type { KvsHandler } from './types.js';

export const KVS_API_PREFIX = '/key-value-stores/';

function pick(method: string, segments: string[]): KvsHandler | undefined {
  if (segments.length === 1) return method === 'GET' ? DescribeKeyValueStore : undefined;
  if (segments[1] !== 'keys') return undefined;
  if (segments.length === 2) return method === 'GET' ? ListKeys : method === 'POST' ? UpdateKeys : undefined;
  if (segments.length === 3) return ({ GET: GetKey, PUT: PutKey, DELETE: DeleteKey } as Record<string, KvsHandler>)[method];
  return undefined;
}

/** Answers a request under KVS_API_PREFIX (`path`: still percent-encoded). */
export function handleKvsApi(
  ctx: ControlContext,
  req: http.IncomingMessage,
  body: Buffer,
  path: string,
  query: string,
  requestId: string,
): { status: number; headers: Record<string, string>; body: string } {
  try {
    const authError = authenticateKvs(req, body, ctx.credentials, ctx.now());
    if (authError) throw authError;
    let segments: string[];
    try {
      segments = path
        .slice(KVS_API_PREFIX.length)
        .split('/')
        .map((s) => decodeURIComponent(s));
    } catch {
      throw kvsErrors.validation('The request path is not valid percent-encoding.');
    }
    const handler = pick(req.method ?? 'GET', segments);
    if (!handler || segments.some((s) => s === '')) throw new KvsApiError('UnknownOperationException', 404, `No cloudfront-keyvaluestore operation is ${req.method} ${path}.`);
    const r = handler(ctx, { arn: segments[0]!, key: segments[2] ?? '', body, ifMatch: ifMatchOf(req), query: new URLSearchParams(query) });
    return {
      status: 200,
      headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId, ...(r.etag ? { ETag: r.etag } : {}) },
      body: JSON.stringify(r.json),
    };
  } catch (err) {
    if (err instanceof KvsApiError) {
      req.resume();
      return renderKvsError(err, requestId);
    }
    throw err;
  }
}
