/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutPublicAccessBlock.html
 * Not built yet (issue 15): answered 501 in S3's XML form.
 */
import { S3Error } from '@bucketfront/s3-protocol';
import type { OpOf, S3Handler } from '../context.js';

export const PutPublicAccessBlock: S3Handler<OpOf<'PutPublicAccessBlock'>> = async () => new S3Error('NotImplemented', 'PutPublicAccessBlock is not implemented by bucketfront');
