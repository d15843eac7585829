/** OPTIONS on a bucket: a CORS preflight as for an object (docs/cors.md#preflight). */
import { preflight } from '../cors.js';
import type { OpOf, S3Handler } from '../context.js';

export const OptionsBucket: S3Handler<OpOf<'OptionsBucket'>> = (ctx) => preflight(ctx.store, ctx.op.bucket, 'BUCKET', ctx.req.headers);
