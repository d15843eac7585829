/**
 * DescribeKeyValueStore (cloudfront-keyvaluestore): GET /key-value-stores/{KvsARN} → counts,
 * dates (epoch seconds) and the data ETag (the If-Match of the key operations).
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_kvs_DescribeKeyValueStore.html
 */
import { requireStoreByArn } from '../store-ref.js';
import type { KvsHandler } from '../types.js';

export const DescribeKeyValueStore: KvsHandler = (ctx, { arn }) => {
  const store = requireStoreByArn(ctx.kvs, arn);
  const size = ctx.kvs.size(store.id);
  return {
    etag: store.dataEtag,
    json: {
      ItemCount: size.itemCount,
      TotalSizeInBytes: size.totalSizeInBytes,
      KvsARN: arn,
      Created: store.created.getTime() / 1000,
      LastModified: store.dataModified.getTime() / 1000,
      Status: 'READY',
    },
  };
};
