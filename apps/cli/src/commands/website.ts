/**
 * `website s3://b --index-document index.html --error-document error.html [--spa-fallback index.html]
 *  [--public | --private]` (https://docs.aws.amazon.com/cli/latest/reference/s3/website.html).
 * --spa-fallback is our documented extension (docs/website.md): a routing rule
 * `HttpErrorCodeReturnedEquals=404 → ReplaceKeyWith=<key>, HttpRedirectCode=200`, which our
 * origin started with --spa-fallback serves as the document with status 200 for any key the
 * requester may not read (403 or 404); real S3 rejects redirect code 200.
 * --public also makes the bucket publicly readable by a bucket policy (s3:GetObject on every
 * object, no listing), turning off what blocks it; --private takes that grant away.
 */
import { PutBucketWebsiteCommand, S3ServiceException, type S3Client, type WebsiteConfiguration } from '@aws-sdk/client-s3';
import { parseS3Url } from '../s3/url.js';
import { CliError, UsageError, describeError } from '../util/errors.js';
import { allowPublicPolicyOn } from '../website/block-public-access.js';
import { grantPublicRead, revokePublicRead } from '../website/bucket-policy.js';
import { s3AccessFor, type GlobalOpts } from './common.js';

export interface WebsiteOpts extends GlobalOpts {
  indexDocument?: string;
  errorDocument?: string;
  spaFallback?: string;
  public?: boolean;
  private?: boolean;
}

export function websiteConfiguration(o: WebsiteOpts): WebsiteConfiguration {
  const config: WebsiteConfiguration = { IndexDocument: { Suffix: o.indexDocument ?? 'index.html' } };
  if (o.errorDocument) config.ErrorDocument = { Key: o.errorDocument };
  if (o.spaFallback) {
    // One rule naming 404 (Garage's form); our origin applies a 200 rule to 403 too (docs/website.md).
    config.RoutingRules = [{ Condition: { HttpErrorCodeReturnedEquals: '404' }, Redirect: { ReplaceKeyWith: o.spaFallback, HttpRedirectCode: '200' } }];
  }
  return config;
}

/** S3's refusal of redirect code 200 ("The provided HTTP redirect code (200) is not valid…"). */
export function isSpaFallbackRefusal(err: unknown): boolean {
  return err instanceof S3ServiceException && err.name === 'InvalidRequest' && /redirect code \(200\)/i.test(err.message);
}

export const SPA_FALLBACK_HINT =
  '--spa-fallback is a bucketfront extension (a routing rule with HttpRedirectCode 200) and this endpoint refuses it. ' +
  'Start the origin with it enabled: `bucketfront origin --spa-fallback` (startOrigin({ spaFallback: true }); `bucketfront dev` enables it). ' +
  'Amazon S3 never accepts it: there, serve the app for 403 and 404 with CloudFront custom error responses (docs/website.md).';

async function putWebsite(s3: S3Client, bucket: string, o: WebsiteOpts): Promise<void> {
  try {
    await s3.send(new PutBucketWebsiteCommand({ Bucket: bucket, WebsiteConfiguration: websiteConfiguration(o) }));
  } catch (err) {
    if (o.spaFallback && isSpaFallbackRefusal(err)) throw new CliError(`${describeError(err)}\n${SPA_FALLBACK_HINT}`);
    throw err;
  }
}

export async function websiteCommand(target: string, o: WebsiteOpts): Promise<number> {
  const { bucket, key } = parseS3Url(target);
  if (key) throw new UsageError(`website takes a bucket URL (s3://bucket), got ${target}`);
  if (o.public && o.private) throw new UsageError('--public and --private exclude each other');
  const access = s3AccessFor(o, 1);
  const s3 = await access.client();
  const say = (line: string) => process.stdout.write(`${line}\n`);
  try {
    // The website first: a refused configuration leaves the bucket's access as it was.
    await putWebsite(s3, bucket, o);
    if (o.public) {
      say(`website: s3://${bucket} configured`);
      say(await allowPublicPolicyOn(s3, bucket));
      say(await grantPublicRead(s3, bucket));
    } else if (o.private) {
      say(`website: s3://${bucket} configured`);
      say(await revokePublicRead(s3, bucket));
    }
    return 0;
  } finally {
    access.destroy();
  }
}
