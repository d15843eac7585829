/**
 * Whether a request arrived over TLS: the one place the origin asks. Used for the scheme of the
 * URLs it writes (Location fields, website redirects) and by checks that need a secure transport
 * (S3 refuses SSE-C over plain HTTP:
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html).
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** True when `req` came in on a TLS socket (an HTTPS listener). */
export function isSecureRequest(req: IncomingMessage): boolean {
  return (req.socket as Partial<TLSSocket> | null)?.encrypted === true;
}

/** `https` on a TLS socket, else `http`. */
export function requestScheme(req: IncomingMessage): 'http' | 'https' {
  return isSecureRequest(req) ? 'https' : 'http';
}
