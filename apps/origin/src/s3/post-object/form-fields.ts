/**
 * The fields of a POST Object form. Field names are case-insensitive
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html); values are kept as sent.
 * A repeated field keeps its first value, so the policy check and the stored object always see
 * the same one.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { S3Error } from '@bucketfront/s3-protocol';

export class FormFields {
  private readonly byName = new Map<string, { name: string; value: string }>();

  add(name: string, value: string): void {
    const lower = name.toLowerCase();
    if (!this.byName.has(lower)) this.byName.set(lower, { name, value });
  }

  /** The value of a field, any case of its name. */
  get(name: string): string | undefined {
    return this.byName.get(name.toLowerCase())?.value;
  }

  has(name: string): boolean {
    return this.byName.has(name.toLowerCase());
  }

  /** Every field as sent: `name` in the client's case. */
  entries(): { lowerName: string; name: string; value: string }[] {
    return [...this.byName].map(([lowerName, f]) => ({ lowerName, name: f.name, value: f.value }));
  }

  /** Lower-cased name → value (what the signature check reads). */
  asMap(): ReadonlyMap<string, string> {
    return new Map([...this.byName].map(([k, f]) => [k, f.value]));
  }
}

/**
 * The form fields that stand for request headers of PutObject (Content-Type, Cache-Control,
 * Content-Disposition, Content-Encoding, Expires, x-amz-meta-*, SSE, acl as x-amz-acl), as a header object
 * the PutObject helpers (`metadataFromHeaders`, `encryptionRequestFrom`) read.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html#RESTObjectPOST-requests-form-fields
 */
const HEADER_FIELDS = new Set(['cache-control', 'content-type', 'content-disposition', 'content-encoding', 'content-language', 'expires']);
/**
 * The x-amz-* fields that describe the object. Others (the signature fields, checksums, which a
 * form cannot have verified, the tagging document: PostObject reads it) are not turned into headers.
 */
const isObjectAmzField = (name: string): boolean =>
  name.startsWith('x-amz-meta-') || name === 'x-amz-website-redirect-location' || name === 'x-amz-storage-class' || name.startsWith('x-amz-server-side-encryption');

export function headersFromFields(fields: FormFields): IncomingHttpHeaders | S3Error {
  const headers: IncomingHttpHeaders = {};
  for (const { lowerName, name, value } of fields.entries()) {
    const header = HEADER_FIELDS.has(lowerName) ? lowerName : lowerName === 'acl' ? 'x-amz-acl' : isObjectAmzField(lowerName) ? lowerName : undefined;
    if (header === undefined) continue;
    if (!HTTP_TOKEN.test(header)) {
      return new S3Error('InvalidArgument', `The form field name ${name} cannot be sent as an HTTP header name.`, { ArgumentName: name.slice(0, 256) });
    }
    const asHeader = headerValueOf(value);
    if (asHeader === undefined) {
      return new S3Error('InvalidArgument', `The value of the form field ${name} cannot be sent as an HTTP header value.`, { ArgumentName: name, ArgumentValue: value.slice(0, 256) });
    }
    headers[header] = asHeader;
  }
  return headers;
}

/**
 * A header name (RFC 9110 §5.6.2 token). An x-amz-meta-* field's name is the client's: one with a
 * space, colon, NUL or non-ASCII letter, stored, would make every later GET of the object fail (node
 * refuses to send such a header), and PutObject could never have stored it.
 */
const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

/**
 * A field value as the header it becomes: its UTF-8 bytes, one character each (what node gives
 * PutObject for the same bytes sent in a header), or undefined when it holds a control character
 * no header may carry (RFC 9110 §5.5): stored, it would make every later GET of the object fail.
 */
function headerValueOf(value: string): string | undefined {
  const bytes = Buffer.from(value, 'utf8').toString('latin1');
  return /[\x00-\x08\x0a-\x1f\x7f]/.test(bytes) ? undefined : bytes;
}
