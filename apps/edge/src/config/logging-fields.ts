/**
 * Standard logs (CloudFront's access logs, legacy format) in the edge configuration: a
 * distribution's `logging` (CloudFront's DistributionConfig.Logging) and the edge's
 * `standardLogs` (where log files go, the spool, the delivery interval). docs/cloudfront-logs.md
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_LoggingConfig.html
 */
import * as z from 'zod';
import { decimal, doc, fields, flag, isHttpUrl, problem, text } from './schema-fields.js';

/**
 * The bucket name in CloudFront's `Bucket` (`amzn-s3-demo-bucket.s3.amazonaws.com`, regional forms
 * included); a bare bucket name is taken as it is.
 */
export function logBucketName(bucket: string): string {
  const m = /^(.+?)\.s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$/.exec(bucket);
  return m ? m[1]! : bucket;
}

/** S3 bucket naming rules (general purpose buckets). https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html */
export function isBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(name);
}

/** A prefix goes into object keys and file names: no control characters (tabs and newlines separate spool records). */
export const isLogPrefix = (p: string): boolean => !/[\u0000-\u001f\u007f]/.test(p) && !p.startsWith('/') && !p.split('/').includes('..');

export const distributionLoggingFields = {
  bucket: doc(
    text(true).refine((b) => isBucketName(logBucketName(b)), { error: (iss) => `must be an S3 bucket name or BUCKET.s3.amazonaws.com, got '${String(iss.input)}'` }),
    { description: "CloudFront's Bucket: `BUCKET.s3.amazonaws.com` (or the bare bucket name). The bucket of `standardLogs.s3`, or a folder of `standardLogs.directory`." },
  ),
  prefix: doc(z.string({ error: 'must be a string' }).refine(isLogPrefix, { error: "must not start with '/', name '..' or hold control characters" }).default(''), {
    description: 'Put before every log file name; a `/` is added when it does not end with one.',
    default: "''",
  }),
  includeCookies: doc(flag().default(false), { description: 'Log the Cookie header (cs(Cookie)); else `-`.', default: false }),
};

export const distributionLogging = doc(fields(distributionLoggingFields).optional(), {
  description: 'Standard logs of this distribution (CloudFront Logging): one record per viewer request, delivered as gzip files (docs/cloudfront-logs.md). Needs `standardLogs`.',
});

export const standardLogsS3Fields = {
  endpoint: doc(text(true).refine(isHttpUrl, { error: 'must be an http(s) URL' }), {
    description: 'The S3 REST endpoint log files are put to (path-style), e.g. the origin `http://127.0.0.1:9000`.',
  }),
  region: doc(text().default('us-east-1'), { description: 'The SigV4 signing region.', default: 'us-east-1' }),
  accessKeyId: doc(text().optional(), { description: 'Credentials of a user that may PutObject into the log buckets.', default: 'env AWS_ACCESS_KEY_ID' }),
  secretAccessKey: doc(text().optional(), { description: 'Its secret.', default: 'env AWS_SECRET_ACCESS_KEY' }),
};

export const standardLogsFields = {
  s3: doc(fields(standardLogsS3Fields).optional(), { description: 'Deliver log files to buckets of this S3 endpoint (or `directory`).' }),
  directory: doc(text().optional(), { description: 'Deliver log files to `<directory>/<bucket>/<prefix><file>` instead (relative to the configuration file).' }),
  spoolDir: doc(text().optional(), {
    description: 'Where workers spool records until they are delivered (kept across restarts).',
    default: '<cache.diskPath>/standard-logs, else a temporary directory',
  }),
  deliveryInterval: doc(decimal(0.05, 3600).default(60), { description: 'Seconds between deliveries of the spooled records.', default: 60 }),
};

export const standardLogs = doc(
  fields(standardLogsFields)
    .superRefine((s, ctx) => {
      if ((s.s3 === undefined) === (s.directory === undefined)) problem(ctx, [], 'give exactly one of s3 and directory');
    })
    .optional(),
  { description: 'Where distributions with `logging` deliver their standard logs (docs/cloudfront-logs.md).' },
);

export type DistributionLoggingConfig = z.output<typeof distributionLogging>;
export type StandardLogsConfig = NonNullable<z.output<typeof standardLogs>>;
