/**
 * The one XML policy of every API we serve (S3 and the CloudFront control API), in one place:
 * - no DTDs at all: a `<!DOCTYPE` or `<!ENTITY` anywhere refuses the document, so no entity is
 *   ever expanded (billion laughs, external entities);
 * - the parser never processes entities; we decode the five predefined ones and numeric
 *   character references ourselves, and refuse any other reference;
 * - well-formedness is checked before parsing; attributes and namespace prefixes are ignored,
 *   text is kept exactly as sent (no trimming, no number parsing).
 * XML 1.0: https://www.w3.org/TR/xml/ (§2.2 Char, §4.1 references, §4.6 predefined entities).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export type XmlTree = Record<string, unknown>;

export type XmlRefusalReason = 'empty' | 'too-large' | 'dtd' | 'not-well-formed' | 'bad-reference' | 'unparseable';

/** Why a document was refused; each API maps it to its own error (S3 MalformedXML, CloudFront MalformedInput). */
export class XmlRefusal extends Error {
  constructor(
    readonly reason: XmlRefusalReason,
    message: string,
  ) {
    super(message);
    this.name = 'XmlRefusal';
  }
}

export interface ParseXmlOptions {
  /** Larger documents are refused before parsing. */
  maxBytes?: number;
  /** Element names always read as arrays, even when they occur once. */
  lists?: readonly string[];
  /**
   * Decode character references in every text value of the tree (refusing undefined ones).
   * Off: text comes back raw and the caller decodes with `decodeXmlEntities` where it reads it.
   */
  decodeReferences?: boolean;
}

const DTD = /<!DOCTYPE|<!ENTITY/i;

const parserOptions = {
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
} as const;

const plainParser = new XMLParser(parserOptions);

/** Parses `xml` under the policy above; throws `XmlRefusal`. */
export function parseXml(xml: string | Buffer, options: ParseXmlOptions = {}): XmlTree {
  const size = typeof xml === 'string' ? Buffer.byteLength(xml) : xml.length;
  if (options.maxBytes !== undefined && size > options.maxBytes) throw new XmlRefusal('too-large', `The XML document is larger than ${options.maxBytes} bytes.`);
  const text = typeof xml === 'string' ? xml : xml.toString('utf8');
  if (text.trim() === '') throw new XmlRefusal('empty', 'The XML document is empty.');
  if (DTD.test(text)) throw new XmlRefusal('dtd', 'DOCTYPE declarations are not allowed.');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new XmlRefusal('not-well-formed', `The XML you provided was not well-formed: ${valid.err.msg}`);
  const lists = options.lists;
  const parser = lists && lists.length > 0 ? new XMLParser({ ...parserOptions, isArray: (name) => lists.includes(name) }) : plainParser;
  let tree: unknown;
  try {
    tree = parser.parse(text);
  } catch (err) {
    // e.g. fast-xml-parser's nesting limit
    throw new XmlRefusal('unparseable', `The XML you provided could not be parsed: ${(err as Error).message}`);
  }
  if (tree === null || typeof tree !== 'object') throw new XmlRefusal('unparseable', 'The XML you provided could not be parsed.');
  return options.decodeReferences ? (decodeTree(tree) as XmlTree) : (tree as XmlTree);
}

function decodeTree(node: unknown): unknown {
  if (typeof node === 'string') {
    const text = decodeXmlEntities(node);
    if (text === null) throw new XmlRefusal('bad-reference', 'The XML you provided uses an undefined entity or an invalid character reference.');
    return text;
  }
  if (Array.isArray(node)) return node.map(decodeTree);
  if (node !== null && typeof node === 'object') {
    const out: XmlTree = {};
    for (const [key, value] of Object.entries(node)) out[key] = decodeTree(value);
    return out;
  }
  return node;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' };

/** Escapes text for an element body or attribute; `\r` is kept as a character reference so it survives parsing. */
export function escapeXml(text: string): string {
  return /[&<>"'\r]/.test(text) ? text.replace(/[&<>"'\r]/g, (c) => ESCAPES[c] ?? c) : text;
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Decodes the five predefined entities and numeric character references.
 * Returns null on anything else: an undeclared entity, a bare `&` or a reference to a code point
 * that is not an XML Char is malformed XML.
 */
export function decodeXmlEntities(text: string): string | null {
  if (!text.includes('&')) return text;
  let bad = false;
  const out = text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z][A-Za-z0-9]*);|&/g, (whole, ref: string | undefined) => {
    if (ref === undefined) {
      bad = true;
      return whole;
    }
    if (ref.startsWith('#')) {
      const cp = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!isXmlChar(cp)) {
        bad = true;
        return whole;
      }
      return String.fromCodePoint(cp);
    }
    const named = PREDEFINED[ref];
    if (named === undefined) bad = true;
    return named ?? whole;
  });
  return bad ? null : out;
}

/** XML 1.0 Char production: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. */
export function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/** True when every character of `text` can be carried by an XML 1.0 document. */
export function isXmlSafe(text: string): boolean {
  return !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}
