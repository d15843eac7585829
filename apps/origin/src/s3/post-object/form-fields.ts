/**
 * The fields of a POST Object form. Field names are case-insensitive
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html); values are kept as sent.
 * A repeated field keeps its first value, so the policy check and the stored object always see
 * the same one.
 */
import type { IncomingHttpHeaders } from 'node:http';

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
 * form cannot have verified, tagging, storage class) are not turned into headers.
 */
const isObjectAmzField = (name: string): boolean => name.startsWith('x-amz-meta-') || name === 'x-amz-website-redirect-location' || name.startsWith('x-amz-server-side-encryption');

export function headersFromFields(fields: FormFields): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  for (const { lowerName, value } of fields.entries()) {
    if (HEADER_FIELDS.has(lowerName)) headers[lowerName] = value;
    else if (lowerName === 'acl') headers['x-amz-acl'] = value;
    else if (isObjectAmzField(lowerName)) headers[lowerName] = value;
  }
  return headers;
}
