/**
 * CORS on the S3 API and the website endpoint (docs/cors.md): the preflight answer and the
 * Access-Control-* headers of an actual request whose Origin a rule of the bucket allows.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ObjectStore } from '@bucketfront/object-store';
import { corsResponseHeaders, matchCorsRule, parseRequestHeaderList, S3Error, type CorsConfiguration } from '@bucketfront/s3-protocol';
import { parsedCorsConfiguration } from '../bucket-documents.js';
import { headerValue } from './object-headers.js';

/** The bucket's CORS configuration, or null when it has none (or the bucket does not exist). */
export async function loadBucketCors(store: ObjectStore, bucket: string): Promise<CorsConfiguration | null> {
  let raw: string | null;
  try {
    raw = await store.getBucketConfig(bucket, 'cors');
  } catch {
    return null;
  }
  return raw === null ? null : parsedCorsConfiguration(bucket, raw);
}

/**
 * The headers to add to an actual (non-preflight) response, or null. Only called when the request
 * has an Origin header, so a request without one costs nothing. S3 matches the request's method;
 * like Ceph RGW (s3-tests test_cors_origin_response) an Access-Control-Request-Method header on an
 * actual request is matched instead.
 */
export async function actualRequestCorsHeaders(store: ObjectStore, bucket: string, method: string, headers: IncomingHttpHeaders): Promise<string[] | null> {
  const origin = headerValue(headers, 'origin');
  if (origin === undefined) return null;
  const config = await loadBucketCors(store, bucket);
  if (config === null) return null;
  const rule = matchCorsRule(config, origin, headerValue(headers, 'access-control-request-method') ?? method);
  return rule === null ? null : corsResponseHeaders(rule, origin, null);
}

/**
 * A preflight (OPTIONS object / bucket): 200 with the rule's headers, 400 without Origin or
 * Access-Control-Request-Method, 403 AccessForbidden when no rule (or no configuration) allows it.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/RESTOPTIONSobject.html
 */
export async function preflight(store: ObjectStore, bucket: string, resourceType: 'BUCKET' | 'OBJECT', headers: IncomingHttpHeaders): Promise<{ status: number; headers: string[] } | S3Error> {
  const origin = headerValue(headers, 'origin');
  if (origin === undefined) return new S3Error('BadRequest');
  const method = headerValue(headers, 'access-control-request-method');
  if (method === undefined) return new S3Error('BadRequest', 'Invalid Access-Control-Request-Method: null');
  const config = await loadBucketCors(store, bucket);
  const denied = (message?: string): S3Error => new S3Error('AccessForbidden', message, { Method: method, ResourceType: resourceType });
  if (config === null) return denied('CORSResponse: CORS is not enabled for this bucket.');
  const requested = parseRequestHeaderList(headerValue(headers, 'access-control-request-headers'));
  const rule = matchCorsRule(config, origin, method, requested);
  if (rule === null) return denied();
  return { status: 200, headers: corsResponseHeaders(rule, origin, requested) };
}
