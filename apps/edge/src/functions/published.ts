/**
 * A function published through the control API (PublishFunction): its LIVE stage, as the
 * control plane hands it to every worker (IPC) and to peer edges. The data plane compiles it
 * like a function of the configuration; it replaces a configured function of the same name.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_PublishFunction.html
 */
export interface PublishedFunction {
  name: string;
  runtime: 'cloudfront-js-1.0' | 'cloudfront-js-2.0';
  comment: string;
  /** The code as sent, decoded as UTF-8 (compileFunction reads it the same way). */
  code: string;
  /** KeyValueStoreARNs (or ids); the last path segment names a configured key value store. */
  kvsAssociations: string[];
  /** The LIVE stage's ETag: which version this is (logs, tests). */
  etag: string;
}
