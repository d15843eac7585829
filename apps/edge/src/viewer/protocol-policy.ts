/**
 * A cache behavior's viewer protocol policy, over plain HTTP (docs/tls.md#the-edge):
 * `redirect-to-https` answers GET and HEAD with 301 and the https URL, and the other methods
 * with 403 (CloudFront does not redirect DELETE, OPTIONS, PATCH, POST or PUT); `https-only`
 * answers 403. Whether a request came over TLS is the viewer's socket, never a header the viewer
 * sends (such as CloudFront-Forwarded-Proto).
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesCacheBehavior.html#DownloadDistValuesViewerProtocolPolicy
 */
import { hostWithoutPort } from '@bucketfront/http-basics';
import type { ViewerProtocolPolicy } from '../config/tls-fields.js';

export type ProtocolDecision = 'serve' | 'redirect' | 'forbidden';

/** What the policy makes of a request; `secure`: it came over TLS. */
export function viewerProtocolDecision(policy: ViewerProtocolPolicy | undefined, method: string, secure: boolean): ProtocolDecision {
  if (secure || policy === undefined || policy === 'allow-all') return 'serve';
  if (policy === 'https-only') return 'forbidden';
  return method === 'GET' || method === 'HEAD' ? 'redirect' : 'forbidden';
}

/**
 * The https URL of a request: its host without the port it used, the edge's TLS port unless it is
 * 443, and the path and query exactly as received. Deviation from CloudFront (always 443): the
 * edge may listen for TLS on another port, which the URL then names.
 */
export function httpsLocation(host: string, httpsPort: number | undefined, pathAndQuery: string): string {
  const port = httpsPort === undefined || httpsPort === 443 ? '' : `:${httpsPort}`;
  return `https://${hostWithoutPort(host)}${port}${pathAndQuery}`;
}

/** CloudFront's body for its 301 to https. */
export const REDIRECT_BODY = Buffer.from(
  '<html>\r\n<head><title>301 Moved Permanently</title></head>\r\n<body>\r\n<center><h1>301 Moved Permanently</h1></center>\r\n<hr><center>CloudFront</center>\r\n</body>\r\n</html>\r\n',
  'latin1',
);
