/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAcl.html */
import { AccessControlPolicyXml, S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { objectAcl } from '../acl.js';
import { bucketAclOf } from '../bucket-owner.js';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';
import { objectForSubresource, versionIdHeader } from '../versions.js';

export const GetObjectAcl: S3Handler<OpOf<'GetObjectAcl'>> = async (ctx) => {
  const facts = await requireBucket(ctx, ctx.op.bucket);
  if (facts instanceof S3Error) return facts;
  const info = await objectForSubresource(ctx.store, ctx.op.bucket, ctx.op.key, ctx.op.query, 'GET');
  if (info instanceof S3Error || !('metadata' in info)) return info;
  return xmlResponse(AccessControlPolicyXml.serialize(objectAcl(info.metadata, bucketAclOf(facts, ctx.users).owner, ctx.users)), 200, versionIdHeader(info));
};
