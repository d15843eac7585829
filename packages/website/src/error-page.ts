/**
 * The default HTML page of a website endpoint, byte for byte as Amazon S3
 * sends it (docs/s3-website-rules.md#error-page): no DOCTYPE, `\n`
 * line ends, an `<h3>` section only when the ErrorDocument itself failed.
 */
import type { WebsitePageError } from './errors.js';

export const WEBSITE_ERROR_PAGE_CONTENT_TYPE = 'text/html; charset=utf-8';

/** Reason phrases as S3 prints them in the title (302 is "Moved Temporarily", as other S3 servers print it). */
const REASONS: Record<number, string> = {
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  304: 'Not Modified',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  412: 'Precondition Failed',
  416: 'Requested Range Not Satisfiable',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

export interface WebsiteErrorPageInput extends WebsitePageError {
  requestId: string;
  hostId: string;
  /** The ErrorDocument could not be served: why (NoSuchKey with its Key, or AccessDenied). */
  errorDocumentFailure?: Pick<WebsitePageError, 'code' | 'message' | 'key'> & { status?: number };
}

/**
 * Deviation from S3: values are HTML-escaped (a key such as `<script>` would
 * otherwise be reflected into the page). For ordinary keys nothing changes.
 */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));
}

const li = (label: string, value: string): string => `<li>${label}: ${escapeHtml(value)}</li>\n`;

/** The detail lines after Code and Message. 403 pages have no Key line (docs/s3-website-rules.md#error-page). */
function detailLines(error: Pick<WebsitePageError, 'key' | 'bucketName' | 'method' | 'resourceType'>, status: number | undefined, code: string): string {
  let lines = '';
  if (error.method !== undefined) lines += li('Method', error.method);
  if (error.resourceType !== undefined) lines += li('ResourceType', error.resourceType);
  if (error.bucketName !== undefined) lines += li('BucketName', error.bucketName);
  if (error.key !== undefined && status !== 403 && code !== 'AccessDenied') lines += li('Key', error.key);
  return lines;
}

export function statusLine(status: number): string {
  return `${status} ${REASONS[status] ?? 'Error'}`;
}

export function renderWebsiteErrorPage(input: WebsiteErrorPageInput): string {
  const title = statusLine(input.status);
  let html =
    `<html>\n<head><title>${title}</title></head>\n<body>\n<h1>${title}</h1>\n<ul>\n` +
    li('Code', input.code) +
    li('Message', input.message) +
    detailLines(input, input.status, input.code) +
    li('RequestId', input.requestId) +
    li('HostId', input.hostId) +
    '</ul>\n';
  const failure = input.errorDocumentFailure;
  if (failure) {
    html +=
      '<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>\n<ul>\n' +
      li('Code', failure.code) +
      li('Message', failure.message) +
      detailLines(failure, failure.status, failure.code) +
      '</ul>\n';
  }
  return html + '<hr/>\n</body>\n</html>\n';
}
