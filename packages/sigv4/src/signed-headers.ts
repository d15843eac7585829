/**
 * "Signature binds meaning": a SigV4 request may carry no x-amz-* header that its
 * signature does not cover, and `host` must always be signed. S3 lists the signed
 * headers as "The HTTP host header" and "Any x-amz-* headers that you plan to add to
 * the request" (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html) and
 * refuses anything else with 403 AccessDenied "There were headers present in the request
 * which were not signed" and a HeadersNotSigned element (names lower-case, ", "-separated,
 * as S3 answers, e.g. `<HeadersNotSigned>x-amz-meta-a, x-amz-meta-b</HeadersNotSigned>`;
 * LocalStack, checked against S3, builds it the same way:
 * https://github.com/localstack/localstack/blob/9139830b32e316da5e119041e3d213697966e9fe/localstack/services/s3/presigned_url.py).
 * A missing `host` is listed the same way.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { authFailure, type AuthFailure } from './errors.js';

/**
 * Presigned URLs only: the x-amz-* headers S3 does not count as unsigned (LocalStack's
 * IGNORED_SIGV4_HEADERS in the file above). `x-amz-content-sha256` is not refused as
 * unsigned but becomes the payload hash line of the canonical request, so any value other
 * than the signed one fails with SignatureDoesNotMatch, as S3 answers; `x-amz-user-agent`
 * (sent by the SDKs' browser builds) has no meaning here. Header auth has no exemption:
 * every x-amz-* header must be signed.
 */
const PRESIGNED_EXEMPT = new Set(['x-amz-content-sha256', 'x-amz-user-agent']);

/**
 * Both mechanisms: `x-amz-cf-id`, which CloudFront (and our edge) adds to every request it
 * forwards to an origin, after the viewer signed it; S3 accepts viewer-signed requests
 * forwarded through CloudFront, and the header means nothing to an S3 operation.
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html#request-custom-headers-behavior
 */
const ADDED_BY_CDN = new Set(['x-amz-cf-id']);

export function unsignedHeadersFailure(headers: IncomingHttpHeaders, signedHeaders: readonly string[], via: 'header' | 'presigned'): AuthFailure | undefined {
  const signed = new Set(signedHeaders);
  const missing: string[] = [];
  if (!signed.has('host')) missing.push('host');
  for (const name of Object.keys(headers)) {
    if (!name.startsWith('x-amz-') || signed.has(name) || ADDED_BY_CDN.has(name)) continue;
    if (via === 'presigned' && PRESIGNED_EXEMPT.has(name)) continue;
    missing.push(name);
  }
  if (missing.length === 0) return undefined;
  return authFailure('AccessDenied', 403, 'There were headers present in the request which were not signed', {
    HeadersNotSigned: missing.join(', '),
  });
}
