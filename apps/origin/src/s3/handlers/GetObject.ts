/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html */
import type { OpOf, S3Handler } from '../context.js';
import { readObject } from '../read-object.js';

export const GetObject: S3Handler<OpOf<'GetObject'>> = (ctx) => readObject(ctx, true);
