/** Real S3 operations bucketfront does not implement: 501 in S3's XML form. */
import { S3Error } from '@bucketfront/s3-protocol';
import type { OpOf, S3Handler } from '../context.js';

export const NotImplemented: S3Handler<OpOf<'NotImplemented'>> = async (ctx) =>
  new S3Error('NotImplemented', `${ctx.op.name} is not implemented by bucketfront`);
