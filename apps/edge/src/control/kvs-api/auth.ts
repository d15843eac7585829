/**
 * Authentication of `cloudfront-keyvaluestore` requests. The service requires Signature
 * Version 4A (the SDKs sign with region set `*`): verified with @bucketfront/sigv4. SigV4
 * (service `cloudfront-keyvaluestore`, any region) is accepted as well, for clients that cannot
 * sign SigV4A (e.g. the aws CLI without awscrt, curl --aws-sigv4).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isSigV4aAuthorization, verifyRequest, verifySigV4aRequest } from '@bucketfront/sigv4';
import { splitTarget } from '@bucketfront/http-basics';
import type { ControlCredentials } from '../auth.js';
import { KvsApiError, kvsErrors } from './errors.js';

export const KVS_SERVICE = 'cloudfront-keyvaluestore';

/** Null when signed with `credentials`, else the error to answer with. */
export function authenticateKvs(req: IncomingMessage, body: Buffer, credentials: ControlCredentials, now: Date): KvsApiError | null {
  const { path, query } = splitTarget(req.url);
  const request = { method: req.method ?? 'GET', path, query, headers: req.headers };
  const lookupSecret = (id: string): string | undefined => (id === credentials.accessKeyId ? credentials.secretAccessKey : undefined);
  const payloadSha256Hex = createHash('sha256').update(body).digest('hex');
  const authorization = req.headers.authorization;
  const result = isSigV4aAuthorization(authorization)
    ? verifySigV4aRequest(request, { lookupSecret, now, service: KVS_SERVICE, payloadSha256Hex })
    : verifyRequest(request, { lookupSecret, now, service: KVS_SERVICE, payloadSha256Hex });
  if (result.kind === 'signed') return null;
  if (result.kind === 'anonymous') return kvsErrors.accessDenied('Missing Authentication Token: sign requests with AWS Signature Version 4A (or 4).');
  switch (result.code) {
    case 'InvalidAccessKeyId':
      return new KvsApiError('UnrecognizedClientException', 403, 'The security token included in the request is invalid.');
    case 'SignatureDoesNotMatch':
      return new KvsApiError('InvalidSignatureException', 403, result.message);
    default:
      return new KvsApiError(
        result.code === 'RequestTimeTooSkewed' ? 'InvalidSignatureException' : 'IncompleteSignatureException',
        result.status >= 400 && result.status < 500 ? result.status : 403,
        result.message,
      );
  }
}
