/**
 * The demo bucket of `bucketfront dev`, and when it is (re)seeded.
 *
 * The demo site is seeded only when `dev` creates the bucket or finds it empty: the bucket
 * policy (anonymous s3:GetObject and s3:ListBucket), the website configuration and every file
 * of the demo folder. Once it holds objects, the bucket is the user's: a later start uploads
 * nothing and changes neither the policy nor the objects, so a deploy of one's own site to
 * s3://demo survives restarts. The one thing a later start still adjusts is the demo's own
 * routing-rule redirect, which names the edge's host: when the website configuration is still
 * exactly the demo's, its HostName follows the edge's current address. A configuration the user
 * changed (or removed) is left alone.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import {
  CreateBucketCommand,
  GetBucketWebsiteCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutBucketWebsiteCommand,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
  type WebsiteConfiguration,
} from '@aws-sdk/client-s3';
import mime from 'mime-types';

export const DEMO_BUCKET = 'demo';

export type DemoState = { seeded: true; reason: 'created' | 'empty'; uploaded: number } | { seeded: false; objects: number; truncated: boolean; websiteHostUpdated: boolean };

/**
 * The demo's website configuration. Routing-rule redirects are absolute and,
 * without a HostName, name the Host the origin saw: behind an edge that is the
 * origin's website host, so (as with CloudFront in front of an S3 website
 * endpoint) the rule names the edge's host — and, for an HTTPS edge (`dev --tls`), its scheme:
 * the edge reaches the origin over plain HTTP, so the request's own scheme would be `http`.
 */
export function defaultDemoWebsiteConfig(edgeHost: string, edgeProtocol: 'http' | 'https' = 'http'): WebsiteConfiguration {
  return {
    IndexDocument: { Suffix: 'index.html' },
    ErrorDocument: { Key: '404.html' },
    RoutingRules: [
      {
        Condition: { KeyPrefixEquals: 'old-blog/' },
        Redirect: { HostName: edgeHost, ...(edgeProtocol === 'https' ? { Protocol: 'https' as const } : {}), ReplaceKeyPrefixWith: 'blog/', HttpRedirectCode: '301' },
      },
    ],
  };
}

/** Anonymous read and list, as the S3 docs' website example policy plus ListBucket. */
export function publicReadPolicy(bucket: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'PublicReadGetObject', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` },
      { Sid: 'PublicList', Effect: 'Allow', Principal: '*', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${bucket}` },
    ],
  });
}

/** JSON with sorted keys and without undefined values, for comparing configurations. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>)
            .filter(([, x]) => x !== undefined)
            .sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : v,
  );
}

/** The website part of a configuration, with the redirects' HostName and Protocol (the edge's address) left out. */
function withoutHostNames(config: WebsiteConfiguration): WebsiteConfiguration {
  const { IndexDocument, ErrorDocument, RedirectAllRequestsTo, RoutingRules } = config;
  return {
    IndexDocument,
    ErrorDocument,
    RedirectAllRequestsTo,
    RoutingRules: RoutingRules?.map((r) => ({ ...r, Redirect: r.Redirect ? { ...r.Redirect, HostName: undefined, Protocol: undefined } : undefined })),
  };
}

/** Is `config` the demo's website configuration (for any edge host)? */
export function isDemoWebsiteConfig(config: WebsiteConfiguration): boolean {
  return canonical(withoutHostNames(config)) === canonical(withoutHostNames(defaultDemoWebsiteConfig('')));
}

const isS3Error = (err: unknown, name: string) => err instanceof S3ServiceException && err.name === name;

async function bucketExists(s3: S3Client, Bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket }));
    return true;
  } catch (err) {
    if (isS3Error(err, 'NotFound') || isS3Error(err, 'NoSuchBucket')) return false;
    throw err;
  }
}

/**
 * Creates the bucket when missing; seeds the demo site when it was created or is empty. The
 * website configuration goes in before the files (naming the edge host it expects), so a start
 * that fails later (edge port taken, upload interrupted) never leaves files without a website.
 */
export async function prepareDemoBucket(s3: S3Client, siteDir: string, expectedEdgeHost: string, edgeProtocol: 'http' | 'https' = 'http'): Promise<DemoState> {
  // Asked first: in us-east-1 S3 answers the owner's CreateBucket of an existing bucket with 200.
  let created = !(await bucketExists(s3, DEMO_BUCKET));
  if (created) {
    try {
      await s3.send(new CreateBucketCommand({ Bucket: DEMO_BUCKET }));
    } catch (err) {
      if (!isS3Error(err, 'BucketAlreadyOwnedByYou')) throw err;
      created = false;
    }
  }
  if (!created) {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: DEMO_BUCKET, MaxKeys: 1000 }));
    const objects = page.KeyCount ?? page.Contents?.length ?? 0;
    if (objects > 0) return { seeded: false, objects, truncated: page.IsTruncated === true, websiteHostUpdated: false };
  }
  await s3.send(new PutBucketPolicyCommand({ Bucket: DEMO_BUCKET, Policy: publicReadPolicy(DEMO_BUCKET) }));
  await s3.send(new PutBucketWebsiteCommand({ Bucket: DEMO_BUCKET, WebsiteConfiguration: defaultDemoWebsiteConfig(expectedEdgeHost, edgeProtocol) }));
  const uploaded = await uploadSite(s3, siteDir);
  return { seeded: true, reason: created ? 'created' : 'empty', uploaded };
}

/**
 * Sets the website configuration once the edge's host is known (port 0 picks one): always when
 * the demo was just seeded; afterwards only the redirect's HostName of an unchanged demo configuration.
 */
export async function configureDemoWebsite(s3: S3Client, state: DemoState, edgeHost: string, edgeProtocol: 'http' | 'https' = 'http'): Promise<DemoState> {
  const wanted = defaultDemoWebsiteConfig(edgeHost, edgeProtocol);
  const put = () => s3.send(new PutBucketWebsiteCommand({ Bucket: DEMO_BUCKET, WebsiteConfiguration: wanted }));
  if (state.seeded) {
    await put();
    return state;
  }
  let current: WebsiteConfiguration;
  try {
    current = await s3.send(new GetBucketWebsiteCommand({ Bucket: DEMO_BUCKET }));
  } catch (err) {
    if (isS3Error(err, 'NoSuchWebsiteConfiguration')) return state;
    throw err;
  }
  if (!isDemoWebsiteConfig(current) || canonical(withoutMetadata(current)) === canonical(wanted)) return state;
  await put();
  return { ...state, websiteHostUpdated: true };
}

function withoutMetadata(config: WebsiteConfiguration & { $metadata?: unknown }): WebsiteConfiguration {
  const { IndexDocument, ErrorDocument, RedirectAllRequestsTo, RoutingRules } = config;
  return { IndexDocument, ErrorDocument, RedirectAllRequestsTo, RoutingRules };
}

/** What happened to the demo bucket, in one line for the start-up banner. */
export function describeDemoState(state: DemoState, bucket = DEMO_BUCKET): string {
  if (state.seeded) {
    const how = state.reason === 'created' ? `created s3://${bucket}` : `s3://${bucket} was empty`;
    return `${how}; uploaded the demo site (${state.uploaded} files), its website configuration and public-read policy.`;
  }
  const count = `${state.objects}${state.truncated ? '+' : ''} object${state.objects === 1 && !state.truncated ? '' : 's'}`;
  const host = state.websiteHostUpdated ? ' (the demo redirect now names this edge)' : '';
  return `s3://${bucket} already has ${count}: left as is, nothing uploaded${host}. To restore the demo site, empty the bucket and restart.`;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Uploads every file of `siteDir` to the demo bucket; returns how many. */
async function uploadSite(s3: S3Client, siteDir: string): Promise<number> {
  const files = await listFiles(siteDir);
  for (const file of files) {
    const key = relative(siteDir, file).split(sep).join('/');
    await s3.send(
      new PutObjectCommand({
        Bucket: DEMO_BUCKET,
        Key: key,
        Body: await readFile(file),
        ContentType: mime.contentType(key.split('/').pop() ?? key) || 'application/octet-stream',
        CacheControl: key.endsWith('.html') ? 'public, max-age=60' : 'public, max-age=3600',
      }),
    );
  }
  return files.length;
}
