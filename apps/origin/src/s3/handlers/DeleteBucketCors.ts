/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketCors.html
 * Not built yet (issue 15): answered 501 in S3's XML form.
 */
import { S3Error } from '@bucketfront/s3-protocol';
import type { OpOf, S3Handler } from '../context.js';

export const DeleteBucketCors: S3Handler<OpOf<'DeleteBucketCors'>> = async () => new S3Error('NotImplemented', 'DeleteBucketCors is not implemented by bucketfront');
