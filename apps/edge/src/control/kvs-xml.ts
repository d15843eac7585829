/**
 * `<KeyValueStore>` and `<KeyValueStoreList>` documents.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_KeyValueStore.html
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_KeyValueStoreList.html
 */
import type { KvsStoreRecord } from '../kvs/kvs-db.js';
import { ACCOUNT_ID } from './distribution-xml.js';
import { renderDocument, type XmlNode, type XmlValue } from './xml.js';

/** `arn:aws:cloudfront::<account>:key-value-store/<id>` */
export function kvsArnOf(id: string): string {
  return `arn:aws:cloudfront::${ACCOUNT_ID}:key-value-store/${id}`;
}

function storeNode(s: KvsStoreRecord): XmlNode {
  return [
    ['Name', s.name],
    ['Id', s.id],
    ['Comment', s.comment],
    ['ARN', kvsArnOf(s.id)],
    // Created stores are usable at once here (no import runs in the background).
    ['Status', 'READY'],
    ['LastModifiedTime', s.modified],
  ];
}

export function renderKeyValueStore(s: KvsStoreRecord): string {
  return renderDocument('KeyValueStore', storeNode(s));
}

export function renderKeyValueStoreList(l: { items: KvsStoreRecord[]; maxItems: number; nextMarker?: string }): string {
  const node: XmlNode = [
    ['NextMarker', l.nextMarker],
    ['MaxItems', l.maxItems],
    ['Quantity', l.items.length],
  ];
  if (l.items.length > 0) node.push(['Items', l.items.map((s): [string, XmlValue] => ['KeyValueStore', storeNode(s)])]);
  return renderDocument('KeyValueStoreList', node);
}
