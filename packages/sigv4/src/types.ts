import type { IncomingHttpHeaders } from 'node:http';
import type { AuthFailure } from './errors.js';

export interface SigV4Request {
  method: string;
  /** the raw request path as received (still percent-encoded), no query */
  path: string;
  /** raw query string without '?', '' when none */
  query: string;
  /** node's lower-cased headers */
  headers: IncomingHttpHeaders;
}

export interface VerifyOptions {
  lookupSecret(accessKeyId: string): string | undefined;
  now: Date;
  service: 's3' | 'cloudfront' | (string & {});
  /** default 15 min */
  maxSkewMs?: number;
  /** for services without x-amz-content-sha256 (cloudfront): sha256 hex of the body */
  payloadSha256Hex?: string;
  /** when set, the credential scope's region must equal it (S3 answers AuthorizationHeaderMalformed) */
  region?: string;
  /**
   * The bucket when the request is virtual-hosted (bucket in the Host header). Only
   * Signature V2 needs it: its canonical resource always starts with /bucket.
   */
  virtualHostedBucket?: string;
}

/** How the request body is protected, from the signed payload hash. */
export type PayloadMode = { kind: 'sha256'; sha256Hex: string } | { kind: 'unsigned' } | { kind: 'streaming-signed'; trailer: boolean } | { kind: 'streaming-unsigned-trailer' };

/** Everything needed to verify chunk and trailer signatures of a streaming body. */
export interface SigningContext {
  /** 4, or 2 for legacy S3 Signature V2 (presigned URLs from botocore); V2 has no signing key or scope */
  signatureVersion: 2 | 4;
  accessKeyId: string;
  /** x-amz-date as signed, YYYYMMDD'T'HHMMSS'Z' */
  amzDate: string;
  /** YYYYMMDD/region/service/aws4_request */
  scope: string;
  region: string;
  service: string;
  signingKey: Buffer;
  /** the request's own signature: the seed of the chunk signature chain */
  seedSignature: string;
  /** the payload hash line of the canonical request */
  payloadHash: string;
  signedHeaders: string[];
  sessionToken?: string;
}

export interface SignedResult {
  kind: 'signed';
  accessKeyId: string;
  via: 'header' | 'presigned';
  payload: PayloadMode;
  context: SigningContext;
}

export type VerifyResult = { kind: 'anonymous' } | SignedResult | AuthFailure;
