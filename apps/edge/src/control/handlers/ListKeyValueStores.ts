/**
 * ListKeyValueStores: GET /2020-05-31/key-value-store?Marker=&MaxItems=&Status= → KeyValueStoreList,
 * by name (`NextMarker`: the last name of a truncated page). Every store is READY: `Status=READY`
 * lists all, another status none.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ListKeyValueStores.html
 */
import { parseMaxItems, type ControlHandler } from '../context.js';
import { renderKeyValueStoreList } from '../kvs-xml.js';

export const ListKeyValueStores: ControlHandler = (ctx, { query }) => {
  const maxItems = parseMaxItems(query);
  const status = query.get('Status');
  if (status !== null && status !== '' && status !== 'READY') return { status: 200, body: renderKeyValueStoreList({ items: [], maxItems }) };
  const page = ctx.kvs.list(query.get('Marker') ?? '', maxItems + 1);
  const items = page.slice(0, maxItems);
  const truncated = page.length > maxItems;
  return { status: 200, body: renderKeyValueStoreList({ items, maxItems, ...(truncated ? { nextMarker: items[items.length - 1]!.name } : {}) }) };
};
