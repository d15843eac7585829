/**
 * Reading CloudFront REST-XML request documents under the shared XML policy (@bucketfront/http-basics
 * parseXml: no DOCTYPE, no entity expansion, well-formed): UTF-8 only, exactly the expected root element. Errors are CloudFront's: MissingBody,
 * MalformedInput. https://docs.aws.amazon.com/cloudfront/latest/APIReference/CommonErrors.html
 */
import { parseXml, XmlRefusal } from '@bucketfront/http-basics';
import { errors } from './errors.js';

export type XmlObject = Record<string, unknown>;

export function isXmlObject(v: unknown): v is XmlObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An element that holds only text, or only whitespace. */
export function leafText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isXmlObject(v) && Object.keys(v).every((k) => k === '#text')) return typeof v['#text'] === 'string' ? v['#text'] : '';
  return undefined;
}

/** Parses `body` as a document whose root is `root`; `lists` are element names always read as arrays. */
export function parseRequestDocument(body: Buffer, root: string, lists: readonly string[] = []): XmlObject {
  if (body.length === 0 || body.toString('utf8').trim() === '') throw errors.missingBody();
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw errors.malformedInput('The request body is not valid UTF-8.');
  }
  let doc: XmlObject;
  try {
    doc = parseXml(text, { lists, decodeReferences: true });
  } catch (err) {
    if (err instanceof XmlRefusal) throw errors.malformedInput(err.message);
    throw err;
  }
  const roots = Object.keys(doc).filter((k) => k !== '?xml' && k !== '#text');
  if (roots.length !== 1 || roots[0] !== root) {
    throw errors.malformedInput(`Expected ${/^[AEIOU]/.test(root) ? 'an' : 'a'} ${root} document, got ${roots.join(', ') || 'nothing'}.`);
  }
  const el = doc[root];
  // An empty root element parses as '' : no members at all.
  return isXmlObject(el) ? el : {};
}
