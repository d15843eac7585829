/**
 * `<Invalidation>` and `<InvalidationList>` documents.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_Invalidation.html
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_InvalidationList.html
 */
import type { InvalidationBatch } from './invalidation-batch.js';
import type { InvalidationStatus, ListPage } from './invalidation-store.js';
import { quantityList, renderDocument, type XmlNode } from './xml.js';

export interface InvalidationView {
  id: string;
  status: InvalidationStatus;
  createTime: Date;
  batch: InvalidationBatch;
}

export function renderInvalidation(inv: InvalidationView): string {
  return renderDocument('Invalidation', [
    ['Id', inv.id],
    ['Status', inv.status],
    ['CreateTime', inv.createTime],
    [
      'InvalidationBatch',
      [
        ['Paths', quantityList('Path', inv.batch.paths)],
        ['CallerReference', inv.batch.callerReference],
      ],
    ],
  ]);
}

export function renderInvalidationList(page: ListPage): string {
  const node: XmlNode = [
    ['Marker', page.marker],
    ['NextMarker', page.nextMarker],
    ['MaxItems', page.maxItems],
    ['IsTruncated', page.isTruncated],
    ...quantityList(
      'InvalidationSummary',
      page.items.map(
        (r): XmlNode => [
          ['Id', r.id],
          ['CreateTime', r.createTime],
          ['Status', r.status],
        ],
      ),
    ),
  ];
  return renderDocument('InvalidationList', node);
}
