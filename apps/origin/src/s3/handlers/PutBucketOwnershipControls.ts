/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketOwnershipControls.html
 * Not built yet (issue 15): answered 501 in S3's XML form.
 */
import { S3Error } from '@bucketfront/s3-protocol';
import type { OpOf, S3Handler } from '../context.js';

export const PutBucketOwnershipControls: S3Handler<OpOf<'PutBucketOwnershipControls'>> = async () => new S3Error('NotImplemented', 'PutBucketOwnershipControls is not implemented by bucketfront');
