/**
 * Object tag sets: validation (AWS's limits and messages), and the URL-encoded form
 * (`k1=v1&k2=v2`, as `x-amz-tagging` carries it) in which ObjectMetadata stores them.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html
 */
import type { IncomingHttpHeaders } from 'node:http';
import { S3Error, TaggingXml, type Tag } from '@bucketfront/s3-protocol';

export const MAX_OBJECT_TAGS = 10;
const MAX_KEY_CHARS = 128;
const MAX_VALUE_CHARS = 256;
/** Letters, numbers, spaces, and + - = . _ : / @ (https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html). */
const ALLOWED = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

function invalidTag(message: string, tag?: Tag): S3Error {
  return new S3Error('InvalidTag', message, tag ? { TagKey: tag.key, TagValue: tag.value } : undefined);
}

/** AWS's checks on a tag set, in AWS's order; null when it is valid. */
export function validateTagSet(tags: readonly Tag[]): S3Error | null {
  if (tags.length > MAX_OBJECT_TAGS) return invalidTag(`Object tags cannot be greater than ${MAX_OBJECT_TAGS}`);
  const seen = new Set<string>();
  for (const tag of tags) {
    if (seen.has(tag.key)) return invalidTag('Cannot provide multiple Tags with the same key', tag);
    seen.add(tag.key);
    // Limits count Unicode characters, not UTF-16 units or bytes.
    if ([...tag.key].length > MAX_KEY_CHARS) return invalidTag(`The TagKey you have provided is too long, max ${MAX_KEY_CHARS}`, tag);
    if ([...tag.value].length > MAX_VALUE_CHARS) return invalidTag(`The TagValue you have provided is too long, max ${MAX_VALUE_CHARS}`, tag);
    if (tag.key === '' || !ALLOWED.test(tag.key)) return invalidTag('The TagKey you have provided is invalid', tag);
    if (!ALLOWED.test(tag.value)) return invalidTag('The TagValue you have provided is invalid', tag);
    if (tag.key.toLowerCase().startsWith('aws:')) return invalidTag('Your TagKey cannot be prefixed with aws:', tag);
  }
  return null;
}

/** The stored form: keys in order (S3 and Ceph list a tag set sorted by key). */
export function encodeTagSet(tags: readonly Tag[]): string | undefined {
  if (tags.length === 0) return undefined;
  return [...tags]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((t) => `${encodeURIComponent(t.key)}=${encodeURIComponent(t.value)}`)
    .join('&');
}

/** The stored form back to tags (never fails: only valid sets are stored). */
export function decodeTagSet(stored: string | undefined): Tag[] {
  if (!stored) return [];
  return [...new URLSearchParams(stored)].map(([key, value]) => ({ key, value }));
}

export function tagCount(stored: string | undefined): number {
  return decodeTagSet(stored).length;
}

/**
 * `x-amz-tagging` (PutObject, CreateMultipartUpload, CopyObject REPLACE): the stored form,
 * undefined when absent or empty, or AWS's error.
 */
export function taggingFromHeaders(headers: IncomingHttpHeaders): string | undefined | S3Error {
  const header = headers['x-amz-tagging'];
  const raw = Array.isArray(header) ? header.join('&') : header;
  if (raw === undefined || raw === '') return undefined;
  const tags: Tag[] = [];
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
      value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    } catch {
      return badTaggingHeader();
    }
    if (tags.some((t) => t.key === key)) return badTaggingHeader();
    tags.push({ key, value });
  }
  const invalid = validateTagSet(tags);
  if (invalid) return invalid;
  return encodeTagSet(tags);
}

function badTaggingHeader(): S3Error {
  return new S3Error('InvalidArgument', "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.", {
    ArgumentName: 'x-amz-tagging',
  });
}

/** A Tagging XML document (PutObjectTagging's body, PostObject's `tagging` field): the stored form or AWS's error. */
export function taggingFromXml(xml: string | Buffer): string | undefined | S3Error {
  const doc = TaggingXml.parse(xml);
  if (doc instanceof S3Error) return doc;
  const invalid = validateTagSet(doc.tagSet);
  if (invalid) return invalid;
  return encodeTagSet(doc.tagSet);
}
