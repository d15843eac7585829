/**
 * Parses and validates an `<InvalidationBatch>` request document.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidation.html
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_InvalidationBatch.html
 *
 * Element order is free: `aws cloudfront create-invalidation --paths` writes
 * CallerReference first, `--invalidation-batch` JSON writes Paths first.
 */
import { errors } from './errors.js';
import { escapeXml } from '@bucketfront/http-basics';
import { CLOUDFRONT_XMLNS, XML_DECLARATION } from './xml.js';
import { checkInvalidationItem, isWildcardItem } from './invalidation-path.js';
import { isXmlObject as isObject, leafText, parseRequestDocument } from './request-xml.js';

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

export function parseInvalidationBatch(body: Buffer): InvalidationBatch {
  const batch = parseRequestDocument(body, 'InvalidationBatch', ['Path']);
  if (Object.keys(batch).length === 0) throw errors.missingMember('invalidationBatch.paths');

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
