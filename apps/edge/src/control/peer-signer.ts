/**
 * Signs the edge's own outgoing control requests (edge → peer edge) with AWS
 * Signature Version 4, service `cloudfront`, region `us-east-1`.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 *
 * Local because `@bucketfront/sigv4`'s `signRequest` had no published signature
 * when this was written; it signs exactly what the AWS CLI signs for CloudFront
 * (host, x-amz-date, plus our x-bucketfront-* headers), so any SigV4 verifier accepts it.
 */
import { createHash, createHmac } from 'node:crypto';

export interface SignInput {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string | Buffer;
  credentials: { accessKeyId: string; secretAccessKey: string };
  now: Date;
  region?: string;
  service?: string;
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding as SigV4 wants it (unreserved characters literal, upper-case hex). */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Returns the headers to send: the input headers plus host, x-amz-date and authorization. */
export function signRequest(input: SignInput): Record<string, string> {
  const region = input.region ?? 'us-east-1';
  const service = input.service ?? 'cloudfront';
  const amzDate = input.now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const headers: Record<string, string> = { ...input.headers, host: input.url.host, 'x-amz-date': amzDate };

  const lower = Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v.trim().replace(/\s+/g, ' ')] as const);
  lower.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const signedHeaders = lower.map(([k]) => k).join(';');
  const canonicalHeaders = lower.map(([k, v]) => `${k}:${v}\n`).join('');
  // Services other than S3 normalise and encode each path segment twice; the segments
  // we send are already URI-encoded once by the URL.
  const canonicalPath = input.url.pathname.split('/').map((seg) => uriEncode(decodeURIComponent(seg))).map(uriEncode).join('/');
  const canonicalQuery = [...input.url.searchParams.entries()]
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalRequest = [input.method, canonicalPath, canonicalQuery, canonicalHeaders, signedHeaders, sha256Hex(input.body)].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const kDate = hmac(`AWS4${input.credentials.secretAccessKey}`, date);
  const kSigning = hmac(hmac(hmac(kDate, region), service), 'aws4_request');
  const signature = createHmac('sha256', kSigning).update(stringToSign).digest('hex');
  headers['authorization'] =
    `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
