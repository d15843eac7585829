/**
 * What S3 answers to reads of bucket / object sub-resources bucketfront does not implement, for a
 * bucket where the feature was never configured: tools treat these answers as normal.
 * Each entry follows the AWS API reference of its operation (linked).
 */
import { S3_XMLNS, XML_DECLARATION, type S3ErrorCode } from '@bucketfront/s3-protocol';

export type NoneConfigured =
  | { error: S3ErrorCode; message?: string; bucketName?: boolean }
  | { document: string }
  /** A List…Configurations read: an empty list without `id`, NoSuchConfiguration with one. */
  | { listRoot: string };

const doc = (root: string, inner = ''): { document: string } => ({ document: `${XML_DECLARATION}<${root} xmlns="${S3_XMLNS}">${inner}</${root}>` });
const OBJECT_LOCK_MISSING = { error: 'InvalidRequest', message: 'Bucket is missing Object Lock Configuration' } as const;

/** By the name parse-request gives the operation (`Get` + level + sub-resource). */
export const NONE_CONFIGURED: Readonly<Record<string, NoneConfigured>> = {
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketTagging.html
  GetBucketTagging: { error: 'NoSuchTagSet', bucketName: true },
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLifecycleConfiguration.html
  GetBucketLifecycle: { error: 'NoSuchLifecycleConfiguration', bucketName: true },
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectLockConfiguration.html
  GetBucketObjectLock: { error: 'ObjectLockConfigurationNotFoundError', bucketName: true },
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketRequestPayment.html
  GetBucketRequestPayment: doc('RequestPaymentConfiguration', '<Payer>BucketOwner</Payer>'),
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketAccelerateConfiguration.html (no Status: never set)
  GetBucketAccelerate: doc('AccelerateConfiguration'),
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBucketAnalyticsConfigurations.html
  GetBucketAnalytics: { listRoot: 'ListBucketAnalyticsConfigurationResult' },
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBucketMetricsConfigurations.html
  GetBucketMetrics: { listRoot: 'ListMetricsConfigurationsResult' },
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBucketInventoryConfigurations.html
  GetBucketInventory: { listRoot: 'ListInventoryConfigurationsResult' },
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBucketIntelligentTieringConfigurations.html
  GetBucketIntelligentTiering: { listRoot: 'ListBucketIntelligentTieringConfigurationsOutput' },
  // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectRetention.html, API_GetObjectLegalHold.html:
  // a bucket without Object Lock has neither.
  GetObjectRetention: OBJECT_LOCK_MISSING,
  GetObjectLegalHold: OBJECT_LOCK_MISSING,
  // Setting either is answered the same on such a bucket (API_PutObjectRetention.html, API_PutObjectLegalHold.html).
  PutObjectRetention: OBJECT_LOCK_MISSING,
  PutObjectLegalHold: OBJECT_LOCK_MISSING,
};

export function emptyListDocument(root: string): string {
  return doc(root, '<IsTruncated>false</IsTruncated>').document;
}
