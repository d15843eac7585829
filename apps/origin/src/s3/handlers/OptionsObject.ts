/** https://docs.aws.amazon.com/AmazonS3/latest/API/RESTOPTIONSobject.html — a CORS preflight (docs/cors.md#preflight). */
import { preflight } from '../cors.js';
import type { OpOf, S3Handler } from '../context.js';

export const OptionsObject: S3Handler<OpOf<'OptionsObject'>> = (ctx) => preflight(ctx.store, ctx.op.bucket, 'OBJECT', ctx.req.headers);
