/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAcl.html */
import { AccessControlPolicyXml, S3Error } from '@bucketfront/s3-protocol';
import { aclDocument } from '../acl.js';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';

export const GetObjectAcl: S3Handler<OpOf<'GetObjectAcl'>> = async (ctx) => {
  const info = await ctx.store.headObject(ctx.op.bucket, ctx.op.key);
  if (info === null) return new S3Error('NoSuchKey', undefined, { Key: ctx.op.key });
  return xmlResponse(AccessControlPolicyXml.serialize(aclDocument(ctx.owner, info.metadata.acl ?? 'private')));
};
