/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html */
import { CreateBucketConfigurationXml, S3Error } from '@bucketfront/s3-protocol';
import { readSmallBody } from '../body.js';
import type { OpOf, S3Handler } from '../context.js';
import { cannedAclFrom } from '../object-headers.js';

export const CreateBucket: S3Handler<OpOf<'CreateBucket'>> = async (ctx) => {
  const { bucket } = ctx.op;
  const acl = cannedAclFrom(ctx.req.headers);
  if (acl instanceof S3Error) return acl;
  const body = await readSmallBody(ctx, 64 * 1024);
  if (body instanceof S3Error) return body;
  if (body.length > 0) {
    const conf = CreateBucketConfigurationXml.parse(body);
    if (conf instanceof S3Error) return conf;
    const wanted = conf.locationConstraint;
    // One region per origin: a constraint naming another region is refused as S3's
    // regional endpoints do. (us-east-1 is spelled as an empty constraint.)
    if (wanted !== undefined && wanted !== '' && wanted !== ctx.region) {
      return new S3Error('IllegalLocationConstraintException', `The ${wanted} location constraint is incompatible for the region specific endpoint this request was sent to.`);
    }
  }
  try {
    await ctx.store.createBucket(bucket, { region: ctx.region, ...(acl ? { acl } : {}) });
  } finally {
  }
  return { status: 200, headers: ['Location', `/${bucket}`] };
};
