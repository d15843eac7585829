/**
 * What a successful POST Object answers
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html, success_action_redirect
 * and success_action_status):
 * - a valid `success_action_redirect` (or the older `redirect`) URL: 303 to it with `bucket`,
 *   `key` and `etag` (quoted) added to its query;
 * - else `success_action_status` 200 or 201 (201: a PostResponse document); any other value,
 *   or none, is 204.
 */
import { PostResponseXml } from '@bucketfront/s3-protocol';
import { type HeaderList, type S3Response, xmlResponse } from '../context.js';
import type { FormFields } from './form-fields.js';

export interface StoredPost {
  bucket: string;
  key: string;
  /** Quoted, as in the ETag header. */
  etag: string;
  /** The object's URL. */
  location: string;
}

export function postSuccessResponse(fields: FormFields, stored: StoredPost, headers: HeaderList): S3Response {
  const redirect = redirectTarget(fields.get('success_action_redirect') ?? fields.get('redirect'));
  if (redirect !== undefined) {
    const sep = redirect.includes('?') ? '&' : '?';
    const query = `bucket=${encodeURIComponent(stored.bucket)}&key=${encodeURIComponent(stored.key)}&etag=${encodeURIComponent(stored.etag)}`;
    return { status: 303, headers: ['ETag', stored.etag, ...headers, 'Location', redirect + sep + query] };
  }
  const base: HeaderList = ['ETag', stored.etag, 'Location', stored.location, ...headers];
  const status = fields.get('success_action_status');
  if (status === '200') return { status: 200, headers: base };
  if (status === '201') {
    return xmlResponse(PostResponseXml.serialize({ location: stored.location, bucket: stored.bucket, key: stored.key, etag: stored.etag }), 201, base);
  }
  return { status: 204, headers: base };
}

/** An absolute http(s) URL, else undefined (S3 ignores a redirect it cannot follow and answers with the status). */
function redirectTarget(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  try {
    const url = new URL(raw);
    // The normalised form: percent-encoded, so it is always a valid header value.
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
