/**
 * The upload demo of `bucketfront dev` (docs/functions.md#the-upload-page): a browser uploads an
 * image to bucket `uploads` with a presigned POST form, the origin's event notification reaches
 * the in-process function runtime over a webhook (no broker), examples/thumbnails writes WebP
 * thumbnails to bucket `thumbnails`, and the edge serves them under /thumbs/.
 * This module holds the parts: the function runtime, the origin's destination, the buckets and
 * their configuration, the presign endpoint and the edge's behaviors; run-dev.ts starts them in
 * order (the runtime first: the origin's webhook destination needs its URL).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutBucketPolicyCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { formatInvocation, type RunningFunctions, startFunctions } from '@bucketfront/functions';
import { createPresignedPost } from '../s3/presigned-post.js';
import { type PresignEndpoint, startPresignEndpoint } from './presign-endpoint.js';

export const UPLOADS_BUCKET = 'uploads';
export const THUMBNAILS_BUCKET = 'thumbnails';
export const THUMBNAIL_WIDTHS = [128, 512];
/** The key prefix of examples/thumbnails, which is also the edge path the thumbnails are served under. */
export const THUMBNAIL_PREFIX = 'thumbs/';
export const THUMBNAILS_FUNCTION = 'thumbnails';
/** The ARN the uploads bucket's notification configuration names (LambdaFunctionArn), bound to the webhook destination. */
export const THUMBNAILS_FUNCTION_ARN = 'arn:bucketfront:lambda:us-east-1:000000000000:thumbnails';
/** Largest upload the presigned form allows. */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
const FORM_EXPIRES_SECONDS = 600;

const FUNCTION_TIMEOUT_S = 60;
const FUNCTION_RETRIES = 2;

/** examples/thumbnails/thumbnails.mjs, found from this file in src/ or dist/. */
export function thumbnailsExample(): string {
  return fileURLToPath(new URL('../../../../examples/thumbnails/thumbnails.mjs', import.meta.url));
}

/**
 * The secret the origin's webhook destination sends and the trigger requires (a fresh one per
 * start): without it anyone reaching the listener could have any object the function may read
 * turned into a public thumbnail.
 */
export function newTriggerToken(): string {
  return randomBytes(24).toString('base64url');
}

/** The function runtime with the thumbnail function; its origin is set once the origin runs (`setOrigin`). */
export function startThumbnailFunctions(opts: { host: string; dataDir: string; authToken: string; log: (line: string) => void }): Promise<RunningFunctions> {
  return startFunctions({
    config: {
      origin: { endpoint: 'http://127.0.0.1:1', accessKeyId: 'set-by-dev', secretAccessKey: 'set-by-dev' },
      listen: { host: opts.host, port: 0 },
      functions: [
        {
          name: THUMBNAILS_FUNCTION,
          handler: thumbnailsExample(),
          trigger: { type: 'webhook', authToken: opts.authToken },
          concurrency: 2,
          timeout: FUNCTION_TIMEOUT_S,
          retries: FUNCTION_RETRIES,
          onFailure: { type: 'file', path: join(opts.dataDir, 'thumbnails-failures.jsonl') },
          environment: { THUMBNAIL_BUCKET: THUMBNAILS_BUCKET, THUMBNAIL_WIDTHS: THUMBNAIL_WIDTHS.join(','), THUMBNAIL_PREFIX },
        },
      ],
    },
    onInvocation: (report) => opts.log(`function ${formatInvocation(report)}`),
    log: (line) => opts.log(`function ${line}`),
  });
}

/**
 * The origin's webhook destination for the thumbnail function. The runtime answers once the event
 * is handled, retries included (docs/functions.md#delivery), so the POST may take that long.
 */
export function thumbnailsDestination(functions: RunningFunctions, authToken: string) {
  const timeoutMs = ((FUNCTION_RETRIES + 1) * FUNCTION_TIMEOUT_S + 60) * 1000;
  return { arn: THUMBNAILS_FUNCTION_ARN, type: 'webhook' as const, url: functions.webhookUrlOf(THUMBNAILS_FUNCTION), authToken, timeoutMs };
}

async function createBucket(s3: S3Client, Bucket: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket }));
  } catch (err) {
    if (!(err instanceof S3ServiceException && err.name === 'BucketAlreadyOwnedByYou')) throw err;
  }
}

/**
 * `uploads` (private; its ObjectCreated events go to the thumbnail function) and `thumbnails`
 * (anonymous s3:GetObject only: a thumbnail not made yet is 403, which the edge does not cache).
 * Idempotent: run at every start.
 */
export async function prepareUploadBuckets(s3: S3Client): Promise<void> {
  await createBucket(s3, UPLOADS_BUCKET);
  await createBucket(s3, THUMBNAILS_BUCKET);
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: THUMBNAILS_BUCKET,
      Policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Sid: 'PublicReadThumbnails', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${THUMBNAILS_BUCKET}/*` }],
      }),
    }),
  );
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: UPLOADS_BUCKET,
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [{ Id: 'thumbnails', LambdaFunctionArn: THUMBNAILS_FUNCTION_ARN, Events: ['s3:ObjectCreated:*'] }],
      },
    }),
  );
}

/** The presign endpoint, signing forms for `uploads` with dev's credentials against the origin the edge reaches. */
export function startUploadPresigner(opts: { host: string; originUrl: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } }): Promise<PresignEndpoint> {
  return startPresignEndpoint({
    host: opts.host,
    bucket: UPLOADS_BUCKET,
    thumbnailWidths: THUMBNAIL_WIDTHS,
    thumbnailPrefix: THUMBNAIL_PREFIX,
    sign: async (key, contentType) => {
      const form = createPresignedPost({
        endpoint: opts.originUrl,
        region: opts.region,
        credentials: opts.credentials,
        bucket: UPLOADS_BUCKET,
        key,
        expiresSeconds: FORM_EXPIRES_SECONDS,
        maxBytes: MAX_UPLOAD_BYTES,
        contentTypePrefix: 'image/',
      });
      // The policy asks for a Content-Type starting with image/: the form carries the file's.
      return { url: form.url, fields: { ...form.fields, 'Content-Type': contentType } };
    },
  });
}

/** The edge's origins and behaviors for the upload demo (docs/functions.md#the-upload-page). */
export function uploadsEdgeConfig(originUrl: string, presignUrl: string) {
  const passThrough = { minTTL: 0, defaultTTL: 0, maxTTL: 0, compress: false, allowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'] };
  return {
    origins: [
      { id: 'presign', url: presignUrl },
      { id: 's3-api', url: originUrl },
      // CloudFront's OriginPath: /thumbs/… → /thumbnails/thumbs/… (a path-style GetObject).
      { id: 'thumbnails', url: `${originUrl}/${THUMBNAILS_BUCKET}` },
    ],
    cacheBehaviors: [
      { pathPattern: '/api/*', targetOriginId: 'presign', ...passThrough, cacheKey: { queryStrings: 'all' as const } },
      { pathPattern: `/${UPLOADS_BUCKET}`, targetOriginId: 's3-api', ...passThrough },
      { pathPattern: `/${THUMBNAIL_PREFIX}*`, targetOriginId: 'thumbnails', minTTL: 0, defaultTTL: 86_400, maxTTL: 31_536_000, compress: false },
    ],
    // A thumbnail not written yet is 403 (no s3:ListBucket): not cached, so the page's polling sees it at once.
    customErrorResponses: [{ errorCode: 403, errorCachingMinTTL: 0 }],
  };
}
