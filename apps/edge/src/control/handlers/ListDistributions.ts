/**
 * ListDistributions: GET /2020-05-31/distribution?Marker=&MaxItems=
 * The distributions of this edge's configuration, in configuration order, then those created through the API.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ListDistributions.html
 */
import { allDistributions, parseMaxItems, type ControlHandler } from '../context.js';
import { distributionSummaryNode } from '../distribution-xml.js';
import { errors } from '../errors.js';
import { quantityList, renderDocument, type XmlNode } from '../xml.js';

export const ListDistributions: ControlHandler = (ctx, { query }) => {
  const all = allDistributions(ctx);
  const marker = query.get('Marker') ?? '';
  const maxItems = parseMaxItems(query);
  let start = 0;
  if (marker !== '') {
    const at = all.findIndex((d) => d.config.id === marker);
    if (at < 0) throw errors.invalidArgument(`Marker '${marker}' does not match a distribution.`);
    start = at + 1;
  }
  const page = all.slice(start, start + maxItems);
  const isTruncated = start + maxItems < all.length;
  const node: XmlNode = [
    ['Marker', marker],
    ['NextMarker', isTruncated && page.length > 0 ? page[page.length - 1]!.config.id : undefined],
    ['MaxItems', maxItems],
    ['IsTruncated', isTruncated],
    ...quantityList(
      'DistributionSummary',
      page.map((d) => distributionSummaryNode(d.config, d.meta)),
    ),
  ];
  return { status: 200, body: renderDocument('DistributionList', node) };
};
