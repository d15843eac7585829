/**
 * The errors a website endpoint answers with, as values (status + S3 code +
 * message + the extra lines of the HTML page). Messages are S3's own (docs/s3-website-rules.md).
 */

/** Everything an HTML error page shows besides RequestId / HostId. */
export interface WebsitePageError {
  status: number;
  code: string;
  message: string;
  /** `Key:` line (never shown on 403 pages). */
  key?: string;
  /** `BucketName:` line (NoSuchBucket, NoSuchWebsiteConfiguration). */
  bucketName?: string;
  /** `Method:` / `ResourceType:` lines (405). */
  method?: string;
  resourceType?: string;
}

export const websiteErrors = {
  noSuchBucket: (bucketName: string): WebsitePageError => ({
    status: 404,
    code: 'NoSuchBucket',
    message: 'The specified bucket does not exist',
    bucketName,
  }),
  noSuchWebsiteConfiguration: (bucketName: string): WebsitePageError => ({
    status: 404,
    code: 'NoSuchWebsiteConfiguration',
    message: 'The specified bucket does not have a website configuration',
    bucketName,
  }),
  noSuchKey: (key: string): WebsitePageError => ({
    status: 404,
    code: 'NoSuchKey',
    message: 'The specified key does not exist.',
    key,
  }),
  accessDenied: (): WebsitePageError => ({ status: 403, code: 'AccessDenied', message: 'Access Denied' }),
  methodNotAllowed: (method: string): WebsitePageError => ({
    status: 405,
    code: 'MethodNotAllowed',
    message: 'The specified method is not allowed against this resource.',
    method,
    resourceType: 'OBJECT',
  }),
  invalidUri: (): WebsitePageError => ({ status: 400, code: 'InvalidURI', message: "Couldn't parse the specified URI." }),
  /** A website endpoint of another region (400, docs/s3-website-rules.md#hosts). */
  incorrectEndpoint: (bucketName: string): WebsitePageError => ({
    status: 400,
    code: 'IncorrectEndpoint',
    message: 'The specified bucket exists in another Region. Direct requests to the correct endpoint.',
    bucketName,
  }),
  /** The body of the implicit `dir` → `/dir/` 302 (docs/s3-website-rules.md#index-document). */
  found: (): WebsitePageError => ({ status: 302, code: 'Found', message: 'Resource Found' }),
  internalError: (): WebsitePageError => ({
    status: 500,
    code: 'InternalError',
    message: 'We encountered an internal error. Please try again.',
  }),
  /** The object store (the backend cluster) is down or overloaded: S3's 503, so clients and edges retry or fail over. */
  serviceUnavailable: (code: 'ServiceUnavailable' | 'SlowDown'): WebsitePageError => ({
    status: 503,
    code,
    message: 'Please reduce your request rate.',
  }),
} as const;
