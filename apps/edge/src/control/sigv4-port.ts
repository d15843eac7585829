/**
 * The slice of `@bucketfront/sigv4` the control API uses, typed after
 * docs/contracts.md. The package is being built in parallel; this indirection
 * keeps the control API compiling until its exports land (then the functions
 * below are plain re-exports).
 */
import type { IncomingHttpHeaders } from 'node:http';
import * as sigv4 from '@bucketfront/sigv4';

export interface SigV4Request {
  method: string;
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
}

export type VerifyResult =
  | { kind: 'anonymous' }
  | { kind: 'signed'; accessKeyId: string; via: 'header' | 'presigned' }
  | { kind: 'error'; code: string; status: number; message: string };

export interface VerifyOptions {
  lookupSecret(accessKeyId: string): string | undefined;
  now: Date;
  service: 's3' | 'cloudfront';
  maxSkewMs?: number;
  payloadSha256Hex?: string;
}

interface Sigv4Module {
  verifyRequest?: (req: SigV4Request, opts: VerifyOptions) => VerifyResult;
}

const mod = sigv4 as unknown as Sigv4Module;

export function verifyRequest(req: SigV4Request, opts: VerifyOptions): VerifyResult {
  if (!mod.verifyRequest) {
    return { kind: 'error', code: 'AccessDenied', status: 403, message: '@bucketfront/sigv4 verifyRequest is not available yet.' };
  }
  return mod.verifyRequest(req, opts);
}
