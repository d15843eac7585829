/**
 * ListFunctions: GET /2020-05-31/function?Stage=&Marker=&MaxItems= → FunctionList, by name.
 * With Stage, the functions that have that stage; without, each function once: its LIVE stage
 * once published, else DEVELOPMENT. `NextMarker` (the last name of a truncated page) is passed
 * back as `Marker`.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_ListFunctions.html
 */
import { parseMaxItems, type ControlHandler } from '../context.js';
import { parseStage, type FunctionStage } from '../function-request.js';
import { summaryOf } from '../function-view.js';
import { renderFunctionList } from '../function-xml.js';

export const ListFunctions: ControlHandler = (ctx, { query }) => {
  const filter: FunctionStage | undefined = query.get('Stage') ? parseStage(query.get('Stage'), 'DEVELOPMENT') : undefined;
  const maxItems = parseMaxItems(query);
  const marker = query.get('Marker') ?? '';
  const all = ctx.functions
    .list()
    .filter((f) => filter !== 'LIVE' || f.live !== undefined)
    .map((f) => summaryOf(ctx, f, filter ?? (f.live ? 'LIVE' : 'DEVELOPMENT')));
  // Names sort: the page starts after the marker even when that function was deleted meanwhile.
  const rest = marker === '' ? all : all.filter((s) => s.fn.name > marker);
  const items = rest.slice(0, maxItems);
  const truncated = rest.length > maxItems;
  return { status: 200, body: renderFunctionList({ items, maxItems, ...(truncated ? { nextMarker: items[items.length - 1]!.fn.name } : {}) }) };
};
