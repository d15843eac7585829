/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeletePublicAccessBlock.html
 * Not built yet (issue 15): answered 501 in S3's XML form.
 */
import { S3Error } from '@bucketfront/s3-protocol';
import type { OpOf, S3Handler } from '../context.js';

export const DeletePublicAccessBlock: S3Handler<OpOf<'DeletePublicAccessBlock'>> = async () => new S3Error('NotImplemented', 'DeletePublicAccessBlock is not implemented by bucketfront');
