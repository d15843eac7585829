/** Operation → handler: one entry per AWS operation name. */
import type { S3Error, S3Operation } from '@bucketfront/s3-protocol';
import { authorize } from './authorize.js';
import { checkPayloadBeforeHandler, drainAndCheckPayload } from './body.js';
import type { OpOf, S3Context, S3Handler, S3Response } from './context.js';
import { AbortMultipartUpload } from './handlers/AbortMultipartUpload.js';
import { CompleteMultipartUpload } from './handlers/CompleteMultipartUpload.js';
import { CopyObject } from './handlers/CopyObject.js';
import { CreateBucket } from './handlers/CreateBucket.js';
import { CreateMultipartUpload } from './handlers/CreateMultipartUpload.js';
import { DeleteBucket } from './handlers/DeleteBucket.js';
import { DeleteBucketEncryption } from './handlers/DeleteBucketEncryption.js';
import { DeleteBucketPolicy } from './handlers/DeleteBucketPolicy.js';
import { DeleteBucketWebsite } from './handlers/DeleteBucketWebsite.js';
import { DeleteObject } from './handlers/DeleteObject.js';
import { DeleteObjects } from './handlers/DeleteObjects.js';
import { GetBucketAcl } from './handlers/GetBucketAcl.js';
import { GetBucketCors } from './handlers/GetBucketCors.js';
import { GetBucketEncryption } from './handlers/GetBucketEncryption.js';
import { GetBucketNotificationConfiguration } from './handlers/GetBucketNotificationConfiguration.js';
import { GetBucketLocation } from './handlers/GetBucketLocation.js';
import { GetBucketPolicy } from './handlers/GetBucketPolicy.js';
import { GetBucketVersioning } from './handlers/GetBucketVersioning.js';
import { PutBucketVersioning } from './handlers/PutBucketVersioning.js';
import { GetBucketWebsite } from './handlers/GetBucketWebsite.js';
import { GetObject } from './handlers/GetObject.js';
import { GetObjectAcl } from './handlers/GetObjectAcl.js';
import { HeadBucket } from './handlers/HeadBucket.js';
import { HeadObject } from './handlers/HeadObject.js';
import { ListBuckets } from './handlers/ListBuckets.js';
import { ListMultipartUploads } from './handlers/ListMultipartUploads.js';
import { ListObjects } from './handlers/ListObjects.js';
import { ListObjectsV2 } from './handlers/ListObjectsV2.js';
import { ListObjectVersions } from './handlers/ListObjectVersions.js';
import { ListParts } from './handlers/ListParts.js';
import { NotImplemented } from './handlers/NotImplemented.js';
import { PutBucketAcl } from './handlers/PutBucketAcl.js';
import { PutBucketEncryption } from './handlers/PutBucketEncryption.js';
import { PutBucketNotificationConfiguration } from './handlers/PutBucketNotificationConfiguration.js';
import { PutBucketPolicy } from './handlers/PutBucketPolicy.js';
import { PutBucketWebsite } from './handlers/PutBucketWebsite.js';
import { PostObject } from './handlers/PostObject.js';
import { PutObject } from './handlers/PutObject.js';
import { PutObjectAcl } from './handlers/PutObjectAcl.js';
import { UploadPart } from './handlers/UploadPart.js';
import { UploadPartCopy } from './handlers/UploadPartCopy.js';
import { PutBucketCors } from './handlers/PutBucketCors.js';
import { DeleteBucketCors } from './handlers/DeleteBucketCors.js';
import { GetPublicAccessBlock } from './handlers/GetPublicAccessBlock.js';
import { PutPublicAccessBlock } from './handlers/PutPublicAccessBlock.js';
import { DeletePublicAccessBlock } from './handlers/DeletePublicAccessBlock.js';
import { GetBucketOwnershipControls } from './handlers/GetBucketOwnershipControls.js';
import { PutBucketOwnershipControls } from './handlers/PutBucketOwnershipControls.js';
import { DeleteBucketOwnershipControls } from './handlers/DeleteBucketOwnershipControls.js';
import { GetBucketPolicyStatus } from './handlers/GetBucketPolicyStatus.js';
import { GetBucketLogging } from './handlers/GetBucketLogging.js';
import { PutBucketLogging } from './handlers/PutBucketLogging.js';
import { OptionsBucket } from './handlers/OptionsBucket.js';
import { PutObjectTagging } from './handlers/PutObjectTagging.js';
import { GetObjectTagging } from './handlers/GetObjectTagging.js';
import { GetObjectTorrent } from './handlers/GetObjectTorrent.js';
import { DeleteObjectTagging } from './handlers/DeleteObjectTagging.js';
import { GetObjectAttributes } from './handlers/GetObjectAttributes.js';
import { OptionsObject } from './handlers/OptionsObject.js';

type HandlerTable = { [Name in S3Operation['op']]: S3Handler<OpOf<Name>> };

export const HANDLERS: HandlerTable = {
  ListBuckets,
  CreateBucket,
  DeleteBucket,
  HeadBucket,
  GetBucketLocation,
  ListObjects,
  ListObjectsV2,
  ListObjectVersions,
  ListMultipartUploads,
  DeleteObjects,
  PutBucketWebsite,
  GetBucketWebsite,
  DeleteBucketWebsite,
  PutBucketPolicy,
  GetBucketPolicy,
  DeleteBucketPolicy,
  PutBucketEncryption,
  GetBucketEncryption,
  DeleteBucketEncryption,
  PutBucketNotificationConfiguration,
  GetBucketNotificationConfiguration,
  PutBucketAcl,
  GetBucketAcl,
  GetBucketVersioning,
  PutBucketVersioning,
  GetBucketCors,
  PostObject,
  PutObject,
  CopyObject,
  GetObject,
  HeadObject,
  DeleteObject,
  CreateMultipartUpload,
  PutObjectAcl,
  GetObjectAcl,
  CompleteMultipartUpload,
  AbortMultipartUpload,
  ListParts,
  UploadPart,
  UploadPartCopy,
  PutBucketCors,
  DeleteBucketCors,
  GetPublicAccessBlock,
  PutPublicAccessBlock,
  DeletePublicAccessBlock,
  GetBucketOwnershipControls,
  PutBucketOwnershipControls,
  DeleteBucketOwnershipControls,
  GetBucketPolicyStatus,
  GetBucketLogging,
  PutBucketLogging,
  OptionsBucket,
  PutObjectTagging,
  GetObjectTagging,
  GetObjectTorrent,
  DeleteObjectTagging,
  GetObjectAttributes,
  OptionsObject,
  NotImplemented,
};

/**
 * Operations whose handler reads (and so verifies) the request body itself. Requests for S3
 * features this origin deliberately does not offer (README "Limits") parse to the operation
 * S3 names `NotImplemented` and are answered with S3's 501 error without acting on anything, so
 * a payload check has nothing to protect there either.
 */
const READS_BODY = new Set<S3Operation['op']>([
  'PutObject',
  'PostObject',
  'UploadPart',
  'CopyObject',
  'UploadPartCopy',
  'CreateMultipartUpload',
  'CompleteMultipartUpload',
  'DeleteObjects',
  'CreateBucket',
  'PutBucketWebsite',
  'PutBucketPolicy',
  'PutBucketEncryption',
  'PutBucketNotificationConfiguration',
  'PutBucketAcl',
  'PutObjectAcl',
  'PutBucketCors',
  'PutPublicAccessBlock',
  'PutBucketOwnershipControls',
  'PutBucketLogging',
  'PutBucketVersioning',
  'PutObjectTagging',
]);
const actsOnRequest = (op: S3Operation['op']): boolean => op !== 'NotImplemented';

export function dispatch(ctx: S3Context): Promise<S3Response | S3Error> {
  // Authorization first (authorize.ts), before any body is read.
  return authorize(ctx).then((denied) => denied ?? run(ctx));
}

function run(ctx: S3Context): Promise<S3Response | S3Error> {
  // The table is keyed by the same discriminant, so this pairing is sound.
  const handler = HANDLERS[ctx.op.op] as S3Handler;
  // A PayloadError is rejected: the caller turns it into its S3 error (origin-handler toS3Error).
  const op = ctx.op.op;
  const payload = actsOnRequest(op) ? checkPayloadBeforeHandler(ctx, READS_BODY.has(op)) : undefined;
  if (payload === undefined) return handler(ctx);
  if (payload !== 'drain') return Promise.reject(payload);
  return drainAndCheckPayload(ctx).then((err) => {
    if (err) throw err;
    return handler(ctx);
  });
}
