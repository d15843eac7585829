/**
 * SigV4 authentication of control requests (service `cloudfront`, any region).
 * CloudFront's API has no x-amz-content-sha256 header, so the body is read first
 * and its SHA-256 handed to the verifier.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ControlError, errors } from './errors.js';
import { splitTarget } from '@bucketfront/http-basics';
import { verifyRequest } from '@bucketfront/sigv4';

export interface ControlCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Returns null when the request is signed with `credentials`, else the error to answer with. */
export function authenticate(req: IncomingMessage, body: Buffer, credentials: ControlCredentials, now: Date): ControlError | null {
  const { path, query } = splitTarget(req.url);
  const result = verifyRequest(
    { method: req.method ?? 'GET', path, query, headers: req.headers },
    {
      lookupSecret: (id) => (id === credentials.accessKeyId ? credentials.secretAccessKey : undefined),
      now,
      service: 'cloudfront',
      payloadSha256Hex: createHash('sha256').update(body).digest('hex'),
    },
  );
  switch (result.kind) {
    case 'signed':
      return null;
    case 'anonymous':
      return errors.accessDenied('Missing Authentication Token: control requests must be signed with AWS Signature Version 4.');
    case 'error':
      return mapAuthFailure(result.code, result.status, withUnsignedHeaders(result.message, result.detail));
  }
}

/**
 * CloudFront's error document has no HeadersNotSigned element (Type, Code, Message only):
 * the names go into the message, so a caller still learns which headers to sign.
 */
function withUnsignedHeaders(message: string, detail: Record<string, string> | undefined): string {
  const names = detail?.['HeadersNotSigned'];
  return names === undefined ? message : `${message}: ${names}`;
}

/**
 * S3-flavoured verifier codes → what AWS JSON/XML services other than S3 answer.
 * An unknown access key is `InvalidClientTokenId` outside S3.
 */
function mapAuthFailure(code: string, status: number, message: string): ControlError {
  switch (code) {
    case 'InvalidAccessKeyId':
      return errors.invalidClientTokenId();
    case 'SignatureDoesNotMatch':
      return errors.signatureDoesNotMatch(message || 'The request signature we calculated does not match the signature you provided.');
    case 'AccessDenied':
    case 'MissingSecurityHeader':
      return errors.accessDenied(message || undefined);
    default:
      return new ControlError(code, status >= 400 && status < 500 ? status : 403, message || code);
  }
}
