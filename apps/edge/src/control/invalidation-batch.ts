/**
 * Parses and validates an `<InvalidationBatch>` request document.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidation.html
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_InvalidationBatch.html
 *
 * Element order is free: `aws cloudfront create-invalidation --paths` writes
 * CallerReference first, `--invalidation-batch` JSON writes Paths first.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { errors } from './errors.js';
import { CLOUDFRONT_XMLNS, escapeXml, XML_DECLARATION } from './xml.js';
import { checkInvalidationItem, isWildcardItem } from './invalidation-path.js';

export interface InvalidationBatch {
  callerReference: string;
  /** Paths and `#tag` items, as sent (echoed back in responses). */
  paths: string[];
}

/**
 * Items in one batch: CloudFront allows 3,000 individual paths and 15 wildcard paths in progress;
 * each `#tag` item counts as one individual path.
 */
export const MAX_PATHS_PER_BATCH = 3000;
export const MAX_WILDCARDS_PER_BATCH = 15;

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  // Keep leaf text exactly as sent (paths may start or end with spaces); whitespace
  // between container elements lands in '#text' keys, which are ignored.
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => name === 'Path',
});

type Parsed = Record<string, unknown>;

function isObject(v: unknown): v is Parsed {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An element that holds only text, or only whitespace. */
function leafText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isObject(v) && Object.keys(v).every((k) => k === '#text')) return typeof v['#text'] === 'string' ? v['#text'] : '';
  return undefined;
}

export function parseInvalidationBatch(body: Buffer): InvalidationBatch {
  if (body.length === 0 || body.toString('utf8').trim() === '') throw errors.missingBody();
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw errors.malformedInput('The request body is not valid UTF-8.');
  }
  // Entity definitions are never needed by this API; refuse them instead of expanding them.
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw errors.malformedInput('DOCTYPE declarations are not allowed.');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw errors.malformedInput(`The XML you provided was not well-formed: ${valid.err.msg}`);

  let doc: Parsed;
  try {
    doc = parser.parse(text) as Parsed;
  } catch (err) {
    // e.g. fast-xml-parser's nesting limit
    throw errors.malformedInput(`The XML you provided could not be parsed: ${(err as Error).message}`);
  }
  const roots = Object.keys(doc).filter((k) => k !== '?xml' && k !== '#text');
  if (roots.length !== 1 || roots[0] !== 'InvalidationBatch') {
    throw errors.malformedInput(`Expected an InvalidationBatch document, got ${roots.join(', ') || 'nothing'}.`);
  }
  const batch = doc['InvalidationBatch'];
  if (!isObject(batch)) throw errors.missingMember('invalidationBatch.paths');

  const callerReference = leafText(batch['CallerReference']);
  if (callerReference === undefined) throw errors.missingMember('invalidationBatch.callerReference');
  if (callerReference.length === 0) throw errors.invalidArgument('CallerReference must not be empty.');

  const pathsEl = batch['Paths'];
  if (!isObject(pathsEl)) throw errors.missingMember('invalidationBatch.paths');
  const quantityText = leafText(pathsEl['Quantity'])?.trim();
  if (quantityText === undefined) throw errors.missingMember('invalidationBatch.paths.quantity');
  if (!/^\d+$/.test(quantityText)) throw errors.malformedInput(`Quantity '${quantityText}' is not an integer.`);
  const quantity = Number(quantityText);

  const paths: string[] = [];
  const items = pathsEl['Items'];
  if (items !== undefined && leafText(items)?.trim() !== '') {
    if (!isObject(items)) throw errors.malformedInput('Paths/Items must contain Path elements.');
    const list = items['Path'];
    if (Array.isArray(list)) {
      for (const p of list) {
        const value = leafText(p);
        if (value === undefined) throw errors.malformedInput('A Path element must contain text only.');
        paths.push(value);
      }
    }
  }

  if (quantity !== paths.length) throw errors.inconsistentQuantities();
  if (paths.length === 0) throw errors.invalidArgument('An invalidation batch must contain at least one path.');
  if (paths.length > MAX_PATHS_PER_BATCH) {
    throw errors.batchTooLarge(`Invalidation batch contains ${paths.length} paths; the limit is ${MAX_PATHS_PER_BATCH}.`);
  }
  const wildcards = paths.filter(isWildcardItem).length;
  if (wildcards > MAX_WILDCARDS_PER_BATCH) {
    throw errors.batchTooLarge(`Invalidation batch contains ${wildcards} wildcard paths; the limit is ${MAX_WILDCARDS_PER_BATCH}.`);
  }
  for (const p of paths) {
    const problem = checkInvalidationItem(p);
    if (problem) throw problem;
  }
  return { callerReference, paths };
}

/** The request document, as peers and tests send it. */
export function renderInvalidationBatch(batch: InvalidationBatch): string {
  return (
    `${XML_DECLARATION}<InvalidationBatch xmlns="${CLOUDFRONT_XMLNS}">` +
    `<Paths><Quantity>${batch.paths.length}</Quantity><Items>${batch.paths.map((p) => `<Path>${escapeXml(p)}</Path>`).join('')}</Items></Paths>` +
    `<CallerReference>${escapeXml(batch.callerReference)}</CallerReference></InvalidationBatch>`
  );
}
