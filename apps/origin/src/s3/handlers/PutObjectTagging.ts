/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObjectTagging.html
 * Not built yet (issue 15): answered 501 in S3's XML form.
 */
import { S3Error } from '@bucketfront/s3-protocol';
import type { OpOf, S3Handler } from '../context.js';

export const PutObjectTagging: S3Handler<OpOf<'PutObjectTagging'>> = async () => new S3Error('NotImplemented', 'PutObjectTagging is not implemented by bucketfront');
