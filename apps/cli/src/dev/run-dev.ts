/**
 * `bucketfront dev`: the whole stack on one machine with a demo site.
 *
 * Starts the origin (S3 API + website endpoints) and an edge in front of the
 * origin's website endpoint, creates the demo bucket with a website
 * configuration and a public-read bucket policy (anonymous s3:GetObject and
 * s3:ListBucket, so a missing page is a 404 as on AWS) and seeds the demo site
 * — only when it creates the bucket or finds it empty (./demo-bucket.ts), so a
 * user's own deploy to s3://demo survives restarts — and reports the URLs and
 * credentials. A second start reuses the data directory (and its credentials).
 * The edge keeps its disk cache (and invalidation history) in <data dir>/edge-cache and reads
 * cache tags from x-amz-meta-cache-tag, so `deploy --cache-tag … --invalidate-tags` works.
 * With TLS (`dev --tls`: the local CA of ./local-ca.ts, or a given pair) the S3 API, website and
 * edge listeners serve HTTPS; dev itself and the edge reach the origin over a plain-HTTP loopback
 * listener (the edge speaks plain HTTP to its origin, docs/architecture.md#principles).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import type { TlsFiles } from '@bucketfront/http-basics';
import { startOrigin, type TlsReloadEvent } from '@bucketfront/origin';
import { startEdge } from '@bucketfront/edge';
import { edgeTlsOptions } from '../commands/tls-flags.js';
import { devTlsNames, ensureLocalCa, trustInstructions } from './local-ca.js';
import { DEMO_BUCKET, configureDemoWebsite, describeDemoState, prepareDemoBucket, type DemoState } from './demo-bucket.js';
import { newTriggerToken, prepareUploadBuckets, startThumbnailFunctions, startUploadPresigner, thumbnailsDestination, THUMBNAILS_BUCKET, UPLOADS_BUCKET, uploadsEdgeConfig } from './uploads-demo.js';

export { DEMO_BUCKET, defaultDemoWebsiteConfig, isDemoWebsiteConfig, publicReadPolicy, type DemoState } from './demo-bucket.js';
export const DEMO_DISTRIBUTION_ID = 'EDEMO0000000001';
/** S3 user metadata `cache-tag` (what `--cache-tag` writes), as the origin returns it. */
export const DEMO_CACHE_TAG_HEADER = 'x-amz-meta-cache-tag';

export interface DevOptions {
  dataDir: string;
  /** The origin's store (`s3:http://HOST:PORT?…`); default fs:<dataDir>/origin. */
  store?: string;
  host?: string;
  originPort?: number;
  websitePort?: number;
  edgePort?: number;
  /** The edge's HTTPS (h2) viewer port with `tls`/`devCa` (default 8443). */
  edgeTlsPort?: number;
  controlPort?: number;
  region?: string;
  websiteDomain?: string;
  /** The folder deployed as the demo site (default: examples/demo-site in the repo). */
  siteDir?: string;
  workers?: number;
  log?: (line: string) => void;
  /** HTTPS on every listener with this pair (wins over `devCa`). */
  tls?: TlsFiles;
  /** HTTPS on every listener with the local dev CA's server certificate (`<dataDir>/tls`, ./local-ca.ts). */
  devCa?: boolean;
}

export interface DevTls extends TlsFiles {
  /** The local CA (`devCa`): its certificate, SHA-256 fingerprint, and what this start created. */
  ca?: { certFile: string; fingerprint: string; created: boolean; serverCreated: boolean };
}

export interface DevStack {
  originUrl: string;
  websiteUrl: string;
  edgeUrl: string;
  controlUrl: string;
  websiteEndpoints: { dash: string; dot: string };
  /** The edge's disk cache and invalidation history. */
  edgeCacheDir: string;
  credentials: { accessKeyId: string; secretAccessKey: string; generated: boolean };
  distributionId: string;
  bucket: string;
  /** The upload demo (docs/functions.md#the-upload-page): the page on the edge, the function runtime's webhook. */
  uploads: { pageUrl: string; bucket: string; thumbnailsBucket: string; functionUrl: string; presignUrl: string };
  /** Demo files uploaded by this start (0 unless the bucket was created or empty). */
  uploaded: number;
  demo: DemoState;
  /** The certificate pair the listeners serve, when TLS is on. */
  tls?: DevTls;
  /** Reloads the origin listeners' certificate on SIGHUP (a no-op without TLS); returns the stop function. */
  reloadTlsOnSighup(onEvent: (event: TlsReloadEvent) => void): () => void;
  close(): Promise<void>;
}

/** examples/demo-site, found from this file in src/ or dist/. */
export function defaultDemoSiteDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return join(here, '..', '..', '..', '..', 'examples', 'demo-site');
}

/** The CloudFront Functions recipes (examples/functions, docs/cloudfront-functions.md). */
export function functionRecipesDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return join(here, '..', '..', '..', '..', 'examples', 'functions');
}

/** The demo distribution's viewer-response function: the security-headers recipe. */
export const DEMO_FUNCTION = 'security-headers';

export async function runDev(opts: DevOptions): Promise<DevStack> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const host = opts.host ?? '127.0.0.1';
  const region = opts.region ?? 'us-east-1';
  const websiteDomain = opts.websiteDomain ?? 'localhost';
  const tls = devTls(opts);

  // The thumbnail function first: the origin's webhook destination needs its URL.
  const triggerToken = newTriggerToken();
  const functions = await startThumbnailFunctions({ host, dataDir: opts.dataDir, authToken: triggerToken, log });
  const origin = await startOrigin({
    ...(opts.store !== undefined ? { store: opts.store } : { dataDir: join(opts.dataDir, 'origin') }),
    port: opts.originPort ?? 9000,
    host,
    region,
    websiteDomain,
    websitePort: opts.websitePort ?? 9001,
    accessLog: false,
    // A development stack: `bucketfront website --spa-fallback` works against it.
    spaFallback: true,
    ...(tls ? { tls: { certFile: tls.certFile, keyFile: tls.keyFile }, loopbackPort: 0 } : {}),
    notifications: { destinations: [thumbnailsDestination(functions, triggerToken)] },
  }).catch(async (err: unknown) => {
    await functions.close();
    throw err;
  });
  // With TLS, dev's own S3 calls and the edge use the plain loopback listener: no CA to trust here.
  const originInside = origin.loopbackUrl ?? origin.url;
  // The function runtime stops last: the origin's sender may be posting to it until the origin is closed.
  const closers: Array<() => Promise<void>> = [() => origin.close(), () => functions.close()];
  try {
    const credentials = origin.credentials;
    functions.setOrigin({ endpoint: originInside, region, accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey });
    const s3 = new S3Client({
      endpoint: originInside,
      region,
      forcePathStyle: true,
      credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    });
    closers.unshift(async () => s3.destroy());
    const edgeTlsPort = opts.edgeTlsPort ?? (opts.edgePort === 0 ? 0 : 8443);
    const expectedEdgeHost = `${host}:${tls ? edgeTlsPort : (opts.edgePort ?? 8080)}`;
    const prepared = await prepareDemoBucket(s3, opts.siteDir ?? defaultDemoSiteDir(), expectedEdgeHost, tls ? 'https' : 'http');
    await prepareUploadBuckets(s3);
    const presigner = await startUploadPresigner({ host, originUrl: originInside, region, credentials });
    closers.unshift(() => presigner.close());
    const uploads = uploadsEdgeConfig(originInside, presigner.url);

    const websiteHost = `${DEMO_BUCKET}.s3-website-${region}.${websiteDomain}`;
    const edgeCacheDir = join(opts.dataDir, 'edge-cache');
    const edge = await startEdge({
      config: {
        pop: 'DEV1-P1',
        cache: { diskPath: edgeCacheDir },
        // Distributions created through the control API (`aws cloudfront create-distribution
        // --origin-domain-name BUCKET.s3-website-REGION.DOMAIN`) reach this origin's website endpoint.
        originAddresses: Object.fromEntries([`*.s3-website-${region}.${websiteDomain}`, `*.s3-website.${region}.${websiteDomain}`].map((h) => [h, new URL(originInside).host])),
        distributions: [
          {
            id: DEMO_DISTRIBUTION_ID,
            aliases: [],
            cacheTagConfig: { headerName: DEMO_CACHE_TAG_HEADER },
            origins: [{ id: 'demo-website', url: originInside, hostHeader: websiteHost }, ...uploads.origins],
            cacheBehaviors: uploads.cacheBehaviors,
            customErrorResponses: uploads.customErrorResponses,
            defaultCacheBehavior: {
              targetOriginId: 'demo-website',
              minTTL: 0,
              defaultTTL: 86_400,
              maxTTL: 31_536_000,
              compress: true,
              functionAssociations: [{ eventType: 'viewer-response', functionArn: DEMO_FUNCTION }],
            },
          },
        ],
        functions: [{ name: DEMO_FUNCTION, file: join(functionRecipesDir(), `${DEMO_FUNCTION}.js`) }],
      },
      port: opts.edgePort ?? 8080,
      ...(tls ? { tlsPort: edgeTlsPort } : {}),
      controlPort: opts.controlPort ?? 8081,
      host,
      workers: opts.workers ?? 1,
      credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
      ...edgeTlsOptions(tls),
    });
    closers.unshift(() => edge.close());
    // With TLS the demo is shown (and redirects) through the edge's HTTPS listener.
    const edgeUrl = edge.tlsUrl || edge.url;
    const edgeAddress = new URL(edgeUrl);
    const edgeHost = edgeAddress.host;
    const demo = await configureDemoWebsite(s3, prepared, edgeHost, edgeAddress.protocol === 'https:' ? 'https' : 'http');
    // The edge cache outlives dev (edgeCacheDir): what dev itself changed in the bucket (a freshly
    // seeded demo, redirects naming this start's edge port) must not be hidden by responses cached
    // before — as after a deploy, the edge is invalidated.
    if (demo.seeded || demo.websiteHostUpdated) await edge.runtime.invalidate(DEMO_DISTRIBUTION_ID, ['/*']);

    const originPort = new URL(origin.url).port;
    const scheme = origin.tls ? 'https' : 'http';
    const stack: DevStack = {
      originUrl: origin.url,
      websiteUrl: origin.websiteUrl ?? origin.url,
      edgeUrl,
      controlUrl: edge.controlUrl,
      websiteEndpoints: {
        dash: `${scheme}://${DEMO_BUCKET}.s3-website-${region}.${websiteDomain}:${originPort}/`,
        dot: `${scheme}://${DEMO_BUCKET}.s3-website.${region}.${websiteDomain}:${originPort}/`,
      },
      edgeCacheDir,
      credentials,
      distributionId: DEMO_DISTRIBUTION_ID,
      bucket: DEMO_BUCKET,
      uploads: { pageUrl: `${edgeUrl}/upload.html`, bucket: UPLOADS_BUCKET, thumbnailsBucket: THUMBNAILS_BUCKET, functionUrl: functions.webhookUrlOf('thumbnails'), presignUrl: presigner.url },
      uploaded: demo.seeded ? demo.uploaded : 0,
      demo,
      ...(tls ? { tls } : {}),
      reloadTlsOnSighup: (onEvent) => origin.reloadTlsOnSighup(onEvent),
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

/** The pair every listener serves: the given one, else the local CA's (created on first use). */
function devTls(opts: DevOptions): DevTls | undefined {
  if (opts.tls) return { ...opts.tls };
  if (!opts.devCa) return undefined;
  const local = ensureLocalCa(opts.dataDir, { names: devTlsNames(opts.region ?? 'us-east-1', opts.websiteDomain ?? 'localhost') });
  return { ...local.server, ca: { certFile: local.paths.caCert, fingerprint: local.caFingerprint, created: local.created.ca, serverCreated: local.created.server } };
}

export function describeStack(stack: DevStack): string {
  const c = stack.credentials;
  const caFile = stack.tls?.ca?.certFile;
  const caFlag = caFile ? ` --ca-bundle ${caFile}` : '';
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
    `  Edge control API:          ${stack.controlUrl}   (distribution ${stack.distributionId}, cache tags from ${DEMO_CACHE_TAG_HEADER})`,
    `  Edge function:             ${DEMO_FUNCTION} on viewer-response (examples/functions/${DEMO_FUNCTION}.js; more recipes there)`,
    `  Edge cache:                ${stack.edgeCacheDir}`,
    `  Upload demo:               ${stack.uploads.pageUrl}  (s3://${stack.uploads.bucket} → function thumbnails at ${stack.uploads.functionUrl} → s3://${stack.uploads.thumbnailsBucket}, /thumbs/ on the edge)`,
    '',
    '  Credentials for the aws CLI and SDKs:',
    `    export AWS_ACCESS_KEY_ID=${c.accessKeyId}`,
    `    export AWS_SECRET_ACCESS_KEY=${c.secretAccessKey}`,
    '    export AWS_DEFAULT_REGION=us-east-1',
    '',
    '  Try:',
    `    aws s3 ls s3://${stack.bucket} --endpoint-url ${stack.originUrl}${caFlag}`,
    `    aws cloudfront create-invalidation --distribution-id ${stack.distributionId} --paths '/*' --endpoint-url ${stack.controlUrl}${caFlag}`,
    `    bucketfront deploy ./site s3://${stack.bucket} --distribution ${stack.distributionId} --cache-tag '**=release-1' --invalidate-tags \\`,
    `      --endpoint-url ${stack.originUrl} --edge-endpoint-url ${stack.controlUrl}${caFlag}`,
    `  Demo site: ${describeDemoState(stack.demo, stack.bucket)}`,
    '',
    ...(stack.tls ? [...(caFile ? trustInstructions(caFile) : [`  TLS: certificate ${stack.tls.certFile}`]), '    SIGHUP reloads the certificate files of the S3 API and website listeners.', ''] : []),
    `  Demo files uploaded this start: ${stack.uploaded}. Press Ctrl-C to stop.`,
    '',
  ].join('\n');
}
