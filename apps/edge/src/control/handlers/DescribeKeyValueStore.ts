/**
 * DescribeKeyValueStore: GET /2020-05-31/key-value-store/{Name} → KeyValueStore + ETag.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DescribeKeyValueStore.html
 */
import type { ControlHandler } from '../context.js';
import { requireStore } from '../kvs-view.js';
import { renderKeyValueStore } from '../kvs-xml.js';

export const DescribeKeyValueStore: ControlHandler = (ctx, { params }) => {
  const store = requireStore(ctx, params);
  return { status: 200, headers: { ETag: store.etag }, body: renderKeyValueStore(store) };
};
