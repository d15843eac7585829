/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html */
import { ListAllMyBucketsResultXml } from '@bucketfront/s3-protocol';
import { xmlResponse, type OpOf, type S3Handler } from '../context.js';

export const ListBuckets: S3Handler<OpOf<'ListBuckets'>> = async (ctx) => {
  const buckets = await ctx.store.listBuckets();
  return xmlResponse(
    ListAllMyBucketsResultXml.serialize({
      owner: ctx.owner,
      buckets: buckets.map((b) => ({ name: b.name, creationDate: b.creationDate, bucketRegion: b.region })),
    }),
  );
};
