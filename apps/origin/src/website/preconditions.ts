/**
 * Conditional and Range headers for website GETs, "as GetObject does"
 * (docs/s3-website-rules.md#get-head-conditional-range): the same decisions as the
 * S3 API's GetObject (../s3/conditional.ts, ../s3/range.ts), adapted to the
 * website responder's request headers.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
 */
import type { IncomingHttpHeaders } from 'node:http';
import { evaluateConditions, type ConditionOutcome } from '../s3/conditional.js';

export { decideRange, type S3RangeDecision } from '../s3/range.js';

export type PreconditionOutcome = ConditionOutcome['kind'];

export function evaluatePreconditions(headers: IncomingHttpHeaders, etag: string, lastModified: Date): PreconditionOutcome {
  return evaluateConditions(
    {
      ifMatch: headers['if-match'],
      ifNoneMatch: headers['if-none-match'],
      ifModifiedSince: headers['if-modified-since'],
      ifUnmodifiedSince: headers['if-unmodified-since'],
    },
    { etag, lastModified },
  ).kind;
}
