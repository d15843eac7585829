/**
 * A presigned POST (browser form upload): the URL and the form fields a page puts in its
 * `<form>` (or FormData) before the `file` field, signed with SigV4 over a policy document.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-post-example.html
 */
import { formatAmzDate, POST_POLICY_SIGV4_ALGORITHM, signPostPolicyV4 } from '@bucketfront/sigv4';

export interface PresignedPostInput {
  /** The S3 endpoint (`http://127.0.0.1:9000`); the form posts to `ENDPOINT/BUCKET`. Default: AWS's `https://BUCKET.s3.REGION.amazonaws.com`. */
  endpoint?: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string | undefined };
  bucket: string;
  /** An exact key, or … */
  key?: string;
  /** … a prefix: the form's key is `PREFIX${filename}` (the uploaded file's name) and the policy allows any key under it. */
  keyPrefix?: string;
  expiresSeconds: number;
  /** content-length-range [0, maxBytes]. */
  maxBytes?: number;
  /** The form must send a Content-Type field starting with this (e.g. `image/`). */
  contentTypePrefix?: string;
  /** Default: now. */
  now?: Date;
}

export interface PresignedPost {
  url: string;
  /** Form fields, in the order to send them; the file goes after them, as the `file` field. */
  fields: Record<string, string>;
}

/** S3 substitutes the uploaded file's name for this in the key field. */
export const FILENAME_VARIABLE = '$' + '{filename}';

export function createPresignedPost(input: PresignedPostInput): PresignedPost {
  if ((input.key === undefined) === (input.keyPrefix === undefined)) throw new Error('createPresignedPost: give exactly one of key and keyPrefix');
  if (!Number.isInteger(input.expiresSeconds) || input.expiresSeconds < 1) throw new Error('createPresignedPost: expiresSeconds must be a positive integer');
  const now = input.now ?? new Date();
  const amzDate = formatAmzDate(now);
  const scope = { date: amzDate.slice(0, 8), region: input.region, service: 's3' };
  const credential = `${input.credentials.accessKeyId}/${scope.date}/${scope.region}/s3/aws4_request`;
  const key = input.key ?? `${input.keyPrefix}${FILENAME_VARIABLE}`;

  const conditions: unknown[] = [{ bucket: input.bucket }];
  conditions.push(input.key !== undefined ? { key: input.key } : ['starts-with', '$key', input.keyPrefix]);
  if (input.maxBytes !== undefined) conditions.push(['content-length-range', 0, input.maxBytes]);
  if (input.contentTypePrefix !== undefined) conditions.push(['starts-with', '$Content-Type', input.contentTypePrefix]);
  const fields: Record<string, string> = { key };
  const signed: Record<string, string> = {
    'x-amz-algorithm': POST_POLICY_SIGV4_ALGORITHM,
    'x-amz-credential': credential,
    'x-amz-date': amzDate,
  };
  if (input.credentials.sessionToken) signed['x-amz-security-token'] = input.credentials.sessionToken;
  for (const [name, value] of Object.entries(signed)) {
    conditions.push({ [name]: value });
    fields[name] = value;
  }
  const expiration = new Date(now.getTime() + input.expiresSeconds * 1000).toISOString();
  const policy = Buffer.from(JSON.stringify({ expiration, conditions })).toString('base64');
  fields['policy'] = policy;
  fields['x-amz-signature'] = signPostPolicyV4(input.credentials.secretAccessKey, scope, policy);
  return { url: postUrl(input), fields };
}

function postUrl(input: PresignedPostInput): string {
  if (input.endpoint === undefined) return `https://${input.bucket}.s3.${input.region}.amazonaws.com/`;
  return `${input.endpoint.replace(/\/+$/, '')}/${encodeURIComponent(input.bucket)}`;
}
