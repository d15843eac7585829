/**
 * Reading CloudFront REST-XML request documents (fast-xml-parser): UTF-8 only, no DOCTYPE,
 * well-formed, exactly the expected root element. Errors are CloudFront's: MissingBody,
 * MalformedInput. https://docs.aws.amazon.com/cloudfront/latest/APIReference/CommonErrors.html
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
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
  // Entity definitions are never needed by this API; refuse them instead of expanding them.
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw errors.malformedInput('DOCTYPE declarations are not allowed.');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw errors.malformedInput(`The XML you provided was not well-formed: ${valid.err.msg}`);
  const parser = new XMLParser({
    ignoreAttributes: true,
    removeNSPrefix: true,
    parseTagValue: false,
    // Leaf text exactly as sent; whitespace between container elements lands in '#text' keys, ignored.
    trimValues: false,
    processEntities: true,
    htmlEntities: false,
    isArray: (name) => lists.includes(name),
  });
  let doc: XmlObject;
  try {
    doc = parser.parse(text) as XmlObject;
  } catch (err) {
    // e.g. fast-xml-parser's nesting limit
    throw errors.malformedInput(`The XML you provided could not be parsed: ${(err as Error).message}`);
  }
  const roots = Object.keys(doc).filter((k) => k !== '?xml' && k !== '#text');
  if (roots.length !== 1 || roots[0] !== root) {
    throw errors.malformedInput(`Expected ${/^[AEIOU]/.test(root) ? 'an' : 'a'} ${root} document, got ${roots.join(', ') || 'nothing'}.`);
  }
  const el = doc[root];
  // An empty root element parses as '' : no members at all.
  return isXmlObject(el) ? el : {};
}
