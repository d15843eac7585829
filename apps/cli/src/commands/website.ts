/**
 * `website s3://b --index-document index.html --error-document error.html [--spa-fallback index.html]`
 * (https://docs.aws.amazon.com/cli/latest/reference/s3/website.html).
 * --spa-fallback is our documented extension: a routing rule
 * `HttpErrorCodeReturnedEquals=404 → ReplaceKeyWith=<key>, HttpRedirectCode=200`, which
 * our origin serves as the document with status 200 (real S3 rejects redirect code 200).
 */
import { PutBucketWebsiteCommand, type WebsiteConfiguration } from '@aws-sdk/client-s3';
import { parseS3Url } from '../s3/url.js';
import { UsageError } from '../util/errors.js';
import { s3AccessFor, type GlobalOpts } from './common.js';

export interface WebsiteOpts extends GlobalOpts {
  indexDocument?: string;
  errorDocument?: string;
  spaFallback?: string;
}

export function websiteConfiguration(o: WebsiteOpts): WebsiteConfiguration {
  const config: WebsiteConfiguration = { IndexDocument: { Suffix: o.indexDocument ?? 'index.html' } };
  if (o.errorDocument) config.ErrorDocument = { Key: o.errorDocument };
  if (o.spaFallback) {
    config.RoutingRules = [{ Condition: { HttpErrorCodeReturnedEquals: '404' }, Redirect: { ReplaceKeyWith: o.spaFallback, HttpRedirectCode: '200' } }];
  }
  return config;
}

export async function websiteCommand(target: string, o: WebsiteOpts): Promise<number> {
  const { bucket, key } = parseS3Url(target);
  if (key) throw new UsageError(`website takes a bucket URL (s3://bucket), got ${target}`);
  const access = s3AccessFor(o, 1);
  const s3 = await access.client();
  try {
    await s3.send(new PutBucketWebsiteCommand({ Bucket: bucket, WebsiteConfiguration: websiteConfiguration(o) }));
    return 0;
  } finally {
    access.destroy();
  }
}
