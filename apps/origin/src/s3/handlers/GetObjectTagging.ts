/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectTagging.html — an object without tags has an empty TagSet. */
import { S3Error, TaggingXml } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';
import { objectForSubresource, versionIdHeader } from '../versions.js';
import { decodeTagSet } from '../tagging.js';

export const GetObjectTagging: S3Handler<OpOf<'GetObjectTagging'>> = async (ctx) => {
  const { bucket, key } = ctx.op;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  const info = await objectForSubresource(ctx.store, bucket, key, ctx.op.query, 'GET');
  if (info instanceof S3Error || !('metadata' in info)) return info;
  return xmlResponse(TaggingXml.serialize({ tagSet: decodeTagSet(info.metadata.tagging) }), 200, versionIdHeader(info));
};
