/** What a `cloudfront-keyvaluestore` handler gets and answers. */
import type { ControlContext } from '../context.js';

export interface KvsRequest {
  /** `{KvsARN}`, decoded. */
  arn: string;
  /** `{Key}`, decoded (key operations). */
  key: string;
  body: Buffer;
  /** If-Match, quotes removed. */
  ifMatch: string | undefined;
  query: URLSearchParams;
}

export interface KvsResponse {
  etag?: string;
  json: Record<string, unknown>;
}

export type KvsHandler = (ctx: ControlContext, request: KvsRequest) => KvsResponse;
