/**
 * The S3 operations the origin understands, named as in the AWS API
 * reference (https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html).
 */

/** Decoded query parameters (first value wins; a valueless `?acl` is ''). */
export type QueryParams = ReadonlyMap<string, string>;

export type BucketOperationName =
  | 'CreateBucket'
  | 'DeleteBucket'
  | 'HeadBucket'
  | 'GetBucketLocation'
  | 'ListObjects'
  | 'ListObjectsV2'
  | 'ListObjectVersions'
  | 'ListMultipartUploads'
  | 'DeleteObjects'
  | 'PutBucketWebsite'
  | 'GetBucketWebsite'
  | 'DeleteBucketWebsite'
  | 'PutBucketPolicy'
  | 'GetBucketPolicy'
  | 'DeleteBucketPolicy'
  | 'PutBucketEncryption'
  | 'GetBucketEncryption'
  | 'DeleteBucketEncryption'
  | 'PutBucketNotificationConfiguration'
  | 'GetBucketNotificationConfiguration'
  | 'PutBucketAcl'
  | 'GetBucketAcl'
  | 'GetBucketVersioning'
  | 'PutBucketVersioning'
  | 'GetBucketCors'
  | 'PutBucketCors'
  | 'DeleteBucketCors'
  | 'GetPublicAccessBlock'
  | 'PutPublicAccessBlock'
  | 'DeletePublicAccessBlock'
  | 'GetBucketOwnershipControls'
  | 'PutBucketOwnershipControls'
  | 'DeleteBucketOwnershipControls'
  | 'GetBucketPolicyStatus'
  | 'GetBucketLogging'
  | 'PutBucketLogging'
  /** OPTIONS /bucket: a CORS preflight for the bucket itself. */
  | 'OptionsBucket'
  /** POST /bucket with a multipart/form-data body: the browser form upload. */
  | 'PostObject';

export type ObjectOperationName =
  | 'PutObject'
  | 'CopyObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'CreateMultipartUpload'
  | 'PutObjectAcl'
  | 'GetObjectAcl'
  | 'PutObjectTagging'
  | 'GetObjectTagging'
  | 'DeleteObjectTagging'
  | 'GetObjectAttributes'
  | 'GetObjectTorrent'
  /** OPTIONS /bucket/key: a CORS preflight (https://docs.aws.amazon.com/AmazonS3/latest/API/RESTOPTIONSobject.html). */
  | 'OptionsObject';

export type UploadOperationName = 'CompleteMultipartUpload' | 'AbortMultipartUpload' | 'ListParts';
export type PartOperationName = 'UploadPart' | 'UploadPartCopy';

export type S3Operation =
  /** GET / */
  | { op: 'ListBuckets'; query: QueryParams }
  | { op: BucketOperationName; bucket: string; query: QueryParams }
  | { op: ObjectOperationName; bucket: string; key: string; query: QueryParams }
  | { op: UploadOperationName; bucket: string; key: string; uploadId: string; query: QueryParams }
  | { op: PartOperationName; bucket: string; key: string; uploadId: string; partNumber: number; query: QueryParams }
  /** A real S3 operation we do not implement; `name` is its AWS name when known (e.g. PutBucketTagging). */
  | { op: 'NotImplemented'; name: string; bucket?: string; key?: string; query: QueryParams };

export type S3OperationName = S3Operation['op'];

export type AuthorizationClass =
  /** Anonymous callers may run it when the bucket policy / public-read ACLs allow. */
  | 'anonymous-read'
  /** Always needs a valid SigV4 signature. */
  | 'signed'
  /**
   * Authorized by the signed policy inside the form (PostObject), not by the HTTP request; a form
   * without a policy is an anonymous write the bucket must grant.
   * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
   */
  | 'form-policy'
  /**
   * A CORS preflight (OPTIONS): never signed, answered from the bucket's CORS configuration alone.
   * https://docs.aws.amazon.com/AmazonS3/latest/API/RESTOPTIONSobject.html
   */
  | 'preflight';

/**
 * Which operations an anonymous caller can ever be allowed to run
 * (s3:GetObject for GetObject/HeadObject, s3:ListBucket for the listings).
 */
export function authorizationClass(op: S3Operation): AuthorizationClass {
  switch (op.op) {
    case 'GetObject':
    case 'HeadObject':
    case 'ListObjects':
    case 'ListObjectsV2':
    case 'ListObjectVersions':
      return 'anonymous-read';
    case 'PostObject':
      return 'form-policy';
    case 'OptionsBucket':
    case 'OptionsObject':
      return 'preflight';
    default:
      return 'signed';
  }
}

/** The IAM action an anonymous-read operation needs. */
export function anonymousAction(op: S3Operation): 's3:GetObject' | 's3:ListBucket' | 's3:ListBucketVersions' | null {
  switch (op.op) {
    case 'GetObject':
    case 'HeadObject':
      return 's3:GetObject';
    case 'ListObjects':
    case 'ListObjectsV2':
      return 's3:ListBucket';
    case 'ListObjectVersions':
      return 's3:ListBucketVersions';
    default:
      return null;
  }
}
