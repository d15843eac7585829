/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html — GetObject's headers, no body. */
import type { OpOf, S3Handler } from '../context.js';
import { readObject } from '../read-object.js';

export const HeadObject: S3Handler<OpOf<'HeadObject'>> = (ctx) => readObject(ctx, false);
