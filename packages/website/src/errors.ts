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

/** status, code and message, then the page's extra lines (`extra`, in the order given). */
function pageError(status: number, code: string, message: string, extra: Omit<WebsitePageError, 'status' | 'code' | 'message'> = {}): WebsitePageError {
  return { status, code, message, ...extra };
}

export const websiteErrors = {
  noSuchBucket: (bucketName: string): WebsitePageError => pageError(404, 'NoSuchBucket', 'The specified bucket does not exist', { bucketName }),
  noSuchWebsiteConfiguration: (bucketName: string): WebsitePageError => pageError(404, 'NoSuchWebsiteConfiguration', 'The specified bucket does not have a website configuration', { bucketName }),
  noSuchKey: (key: string): WebsitePageError => pageError(404, 'NoSuchKey', 'The specified key does not exist.', { key }),
  accessDenied: (): WebsitePageError => pageError(403, 'AccessDenied', 'Access Denied'),
  methodNotAllowed: (method: string): WebsitePageError => pageError(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', { method, resourceType: 'OBJECT' }),
  invalidUri: (): WebsitePageError => pageError(400, 'InvalidURI', "Couldn't parse the specified URI."),
  /** A website endpoint of another region (400, docs/s3-website-rules.md#hosts). */
  incorrectEndpoint: (bucketName: string): WebsitePageError =>
    pageError(400, 'IncorrectEndpoint', 'The specified bucket exists in another Region. Direct requests to the correct endpoint.', { bucketName }),
  /** The body of the implicit `dir` → `/dir/` 302 (docs/s3-website-rules.md#index-document). */
  found: (): WebsitePageError => pageError(302, 'Found', 'Resource Found'),
  /** An SSE-C object: the website endpoint cannot send the key, so it cannot serve it (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html). */
  encryptedWithCustomerKey: (): WebsitePageError =>
    pageError(400, 'InvalidRequest', 'The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.'),
  internalError: (): WebsitePageError => pageError(500, 'InternalError', 'We encountered an internal error. Please try again.'),
  /** The object store (the backend cluster) is down or overloaded: S3's 503, so clients and edges retry or fail over. */
  serviceUnavailable: (code: 'ServiceUnavailable' | 'SlowDown'): WebsitePageError => pageError(503, code, 'Please reduce your request rate.'),
} as const;
