/**
 * RFC 3986 percent-encoding as SigV4 defines it ("UriEncode"): every byte except
 * the unreserved characters A-Z a-z 0-9 - _ . ~ becomes %XX with uppercase hex.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 */

const UNRESERVED = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9\-_.~]/.test(ch)) UNRESERVED[c] = 1;
}
const HEX = '0123456789ABCDEF';

/** Encodes bytes; `keepSlash` leaves '/' as is (path encoding). */
export function uriEncodeBytes(bytes: Uint8Array, keepSlash = false): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (UNRESERVED[b] === 1 || (keepSlash && b === 0x2f)) out += String.fromCharCode(b);
    else out += '%' + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

/** Encodes a JS string as UTF-8 (lone surrogates become U+FFFD, never a throw). */
export function uriEncode(value: string, keepSlash = false): string {
  if (/^[A-Za-z0-9\-_.~]*$/.test(value)) return value;
  return uriEncodeBytes(Buffer.from(value, 'utf8'), keepSlash);
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Decodes %XX escapes to bytes; any other character (including a '%' that is
 * not a valid escape, and '+') stays literal, as UTF-8. Never throws.
 */
export function percentDecodeBytes(value: string): Buffer {
  if (!value.includes('%')) return Buffer.from(value, 'utf8');
  const parts: Buffer[] = [];
  let literalStart = 0;
  let i = 0;
  while (i < value.length) {
    if (value.charCodeAt(i) === 0x25 && i + 2 < value.length) {
      const h = hexVal(value.charCodeAt(i + 1));
      const l = hexVal(value.charCodeAt(i + 2));
      if (h >= 0 && l >= 0) {
        if (i > literalStart) parts.push(Buffer.from(value.slice(literalStart, i), 'utf8'));
        parts.push(Buffer.of(h * 16 + l));
        i += 3;
        literalStart = i;
        continue;
      }
    }
    i++;
  }
  if (value.length > literalStart) parts.push(Buffer.from(value.slice(literalStart), 'utf8'));
  return Buffer.concat(parts);
}

/**
 * THE query-string decoding rule, shared by the signature verifier and the S3 request
 * parser (packages/s3-protocol) so a signed query means one thing to both: `+` is a
 * space (application/x-www-form-urlencoded, https://url.spec.whatwg.org/#urlencoded-parsing),
 * %XX is a byte, and the bytes are UTF-8. S3 reads a query this way: a URL whose
 * spaces were signed as %20 but sent as `+` is accepted by S3
 * (https://github.com/mhart/aws4fetch/issues/83; Ceph RGW does the same,
 * https://github.com/ceph/ceph/pull/10919); a literal plus must be sent as %2B,
 * which is what every AWS SDK sends (SigV4 UriEncode,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).
 */
export function queryComponentBytes(raw: string): Buffer {
  return percentDecodeBytes(raw.includes('+') ? raw.replace(/\+/g, ' ') : raw);
}

/** Decodes then re-encodes: the canonical form of one query name or value. */
export function canonicalQueryComponent(raw: string): string {
  if (/^[A-Za-z0-9\-_.~]*$/.test(raw)) return raw;
  return uriEncodeBytes(queryComponentBytes(raw));
}

/** Decodes a query component to a JS string; a malformed escape stays literal (never throws). */
export function decodeQueryComponent(raw: string): string {
  const plain = raw.includes('+') ? raw.replace(/\+/g, ' ') : raw;
  if (!plain.includes('%')) return plain;
  try {
    return decodeURIComponent(plain); // native and fast; throws only where the byte path differs
  } catch {
    return queryComponentBytes(raw).toString('utf8');
  }
}

/**
 * The same rule, strictly: null for a malformed %-escape or bytes that are not UTF-8
 * (the request parser answers those with InvalidURI). decodeURIComponent implements exactly
 * that (ECMA-262 Decode: a malformed escape or an invalid UTF-8 sequence is a URIError), natively:
 * this runs for every parameter of every request.
 */
export function decodeQueryComponentStrict(raw: string): string | null {
  const plain = raw.includes('+') ? raw.replace(/\+/g, ' ') : raw;
  if (!plain.includes('%')) return plain;
  try {
    return decodeURIComponent(plain);
  } catch {
    return null;
  }
}
