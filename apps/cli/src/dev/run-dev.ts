/**
 * `bucketfront dev`: the whole stack on one machine with a demo site.
 *
 * Starts the origin (S3 API + website endpoints) and an edge in front of the
 * origin's website endpoint, creates the demo bucket with a website
 * configuration and a public-read bucket policy (anonymous s3:GetObject and
 * s3:ListBucket, so a missing page is a 404 as on AWS), uploads the demo site
 * when it is missing or changed, and reports the URLs and credentials.
 * A second start reuses the data directory.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  HeadObjectCommand,
  PutBucketPolicyCommand,
  PutBucketWebsiteCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type WebsiteConfiguration,
} from '@aws-sdk/client-s3';
import mime from 'mime-types';
import { startOrigin } from '@bucketfront/origin';
import { startEdge } from '@bucketfront/edge';

export const DEMO_BUCKET = 'demo';
export const DEMO_DISTRIBUTION_ID = 'EDEMO0000000001';

export interface DevOptions {
  dataDir: string;
  host?: string;
  originPort?: number;
  websitePort?: number;
  edgePort?: number;
  controlPort?: number;
  region?: string;
  websiteDomain?: string;
  /** The folder deployed as the demo site (default: examples/demo-site in the repo). */
  siteDir?: string;
  workers?: number;
  log?: (line: string) => void;
}

export interface DevStack {
  originUrl: string;
  websiteUrl: string;
  edgeUrl: string;
  controlUrl: string;
  websiteEndpoints: { dash: string; dot: string };
  credentials: { accessKeyId: string; secretAccessKey: string; generated: boolean };
  distributionId: string;
  bucket: string;
  uploaded: number;
  close(): Promise<void>;
}

/** examples/demo-site, found from this file in src/ or dist/. */
export function defaultDemoSiteDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return join(here, '..', '..', '..', '..', 'examples', 'demo-site');
}

/**
 * The demo's website configuration. Routing-rule redirects are absolute and,
 * without a HostName, name the Host the origin saw: behind an edge that is the
 * origin's website host, so (as with CloudFront in front of an S3 website
 * endpoint) the rule names the edge's host.
 */
export function defaultDemoWebsiteConfig(edgeHost: string): WebsiteConfiguration {
  return {
    IndexDocument: { Suffix: 'index.html' },
    ErrorDocument: { Key: '404.html' },
    RoutingRules: [
      {
        Condition: { KeyPrefixEquals: 'old-blog/' },
        Redirect: { HostName: edgeHost, ReplaceKeyPrefixWith: 'blog/', HttpRedirectCode: '301' },
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

export async function runDev(opts: DevOptions): Promise<DevStack> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const host = opts.host ?? '127.0.0.1';
  const region = opts.region ?? 'us-east-1';
  const websiteDomain = opts.websiteDomain ?? 'localhost';

  const origin = await startOrigin({
    dataDir: join(opts.dataDir, 'origin'),
    port: opts.originPort ?? 9000,
    host,
    region,
    websiteDomain,
    websitePort: opts.websitePort ?? 9001,
    accessLog: false,
  });
  const closers: Array<() => Promise<void>> = [() => origin.close()];
  try {
    const credentials = origin.credentials;
    const s3 = new S3Client({
      endpoint: origin.url,
      region,
      forcePathStyle: true,
      credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    });
    closers.unshift(async () => s3.destroy());
    await ensureDemoBucket(s3);
    const uploaded = await uploadChangedFiles(s3, opts.siteDir ?? defaultDemoSiteDir());

    const websiteHost = `${DEMO_BUCKET}.s3-website-${region}.${websiteDomain}`;
    const edge = await startEdge({
      config: {
        pop: 'DEV1-P1',
        distributions: [
          {
            id: DEMO_DISTRIBUTION_ID,
            aliases: [],
            origins: [{ id: 'demo-website', url: origin.url, hostHeader: websiteHost }],
            defaultCacheBehavior: {
              targetOriginId: 'demo-website',
              minTTL: 0,
              defaultTTL: 86_400,
              maxTTL: 31_536_000,
              compress: true,
            },
          },
        ],
      },
      port: opts.edgePort ?? 8080,
      controlPort: opts.controlPort ?? 8081,
      host,
      workers: opts.workers ?? 1,
      credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    });
    closers.unshift(() => edge.close());
    const edgeHost = new URL(edge.url).host;
    await s3.send(new PutBucketWebsiteCommand({ Bucket: DEMO_BUCKET, WebsiteConfiguration: defaultDemoWebsiteConfig(edgeHost) }));

    const originPort = new URL(origin.url).port;
    const stack: DevStack = {
      originUrl: origin.url,
      websiteUrl: origin.websiteUrl ?? origin.url,
      edgeUrl: edge.url,
      controlUrl: edge.controlUrl,
      websiteEndpoints: {
        dash: `http://${DEMO_BUCKET}.s3-website-${region}.${websiteDomain}:${originPort}/`,
        dot: `http://${DEMO_BUCKET}.s3-website.${region}.${websiteDomain}:${originPort}/`,
      },
      credentials,
      distributionId: DEMO_DISTRIBUTION_ID,
      bucket: DEMO_BUCKET,
      uploaded,
      close: async () => {
        for (const close of closers) await close().catch(() => undefined);
      },
    };
    log(describeStack(stack));
    return stack;
  } catch (err) {
    for (const close of closers) await close().catch(() => undefined);
    throw err;
  }
}

async function ensureDemoBucket(s3: S3Client): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: DEMO_BUCKET }));
  } catch (err) {
    if (!(err instanceof S3ServiceException && err.name === 'BucketAlreadyOwnedByYou')) throw err;
  }
  await s3.send(new PutBucketPolicyCommand({ Bucket: DEMO_BUCKET, Policy: publicReadPolicy(DEMO_BUCKET) }));
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Uploads files whose MD5 differs from the stored ETag; returns how many. */
async function uploadChangedFiles(s3: S3Client, siteDir: string): Promise<number> {
  let uploaded = 0;
  for (const file of await listFiles(siteDir)) {
    const key = relative(siteDir, file).split(sep).join('/');
    const body = await readFile(file);
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    const current = await s3
      .send(new HeadObjectCommand({ Bucket: DEMO_BUCKET, Key: key }))
      .then((head) => head.ETag)
      .catch(() => undefined);
    if (current === etag) continue;
    await s3.send(
      new PutObjectCommand({
        Bucket: DEMO_BUCKET,
        Key: key,
        Body: body,
        ContentType: mime.contentType(key.split('/').pop() ?? key) || 'application/octet-stream',
        CacheControl: key.endsWith('.html') ? 'public, max-age=60' : 'public, max-age=3600',
      }),
    );
    uploaded++;
  }
  return uploaded;
}

export function describeStack(stack: DevStack): string {
  const c = stack.credentials;
  return [
    '',
    'bucketfront dev is running',
    '',
    `  Site through the edge:     ${stack.edgeUrl}/`,
    `  Origin website endpoint:   ${stack.websiteEndpoints.dash}`,
    `                             ${stack.websiteEndpoints.dot}`,
    `                             (*.localhost resolves to 127.0.0.1 in browsers; with curl add -H 'Host: …')`,
    `  Website port (custom domains, Host = bucket): ${stack.websiteUrl}`,
    `  S3 API:                    ${stack.originUrl}`,
    `  Edge control API:          ${stack.controlUrl}   (distribution ${stack.distributionId})`,
    '',
    '  Credentials for the aws CLI and SDKs:',
    `    export AWS_ACCESS_KEY_ID=${c.accessKeyId}`,
    `    export AWS_SECRET_ACCESS_KEY=${c.secretAccessKey}`,
    '    export AWS_DEFAULT_REGION=us-east-1',
    '',
    '  Try:',
    `    aws s3 ls s3://${stack.bucket} --endpoint-url ${stack.originUrl}`,
    `    aws cloudfront create-invalidation --distribution-id ${stack.distributionId} --paths '/*' --endpoint-url ${stack.controlUrl}`,
    '',
    `  Demo files uploaded this start: ${stack.uploaded}. Press Ctrl-C to stop.`,
    '',
  ].join('\n');
}
