/**
 * A tiny schema-driven XML codec: one {@link DocumentSpec} per S3 document
 * drives both the serializer and the parser, so every document round-trips.
 *
 * Parsing is hardened: input size is bounded, any DOCTYPE / ENTITY
 * declaration is refused (no entity expansion at all, so an entity bomb costs
 * nothing), and only the predefined and numeric entities are decoded.
 */
import { S3Error } from '../errors.js';
import { decodeXmlEntities, escapeXml, parseXml, XmlRefusal } from '@bucketfront/http-basics';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
/** Default cap for request documents (a 1000-key Delete of 1024-byte keys fits). */
export const DEFAULT_MAX_XML_BYTES = 2 * 1024 * 1024;

export type Scalar = 'string' | 'int' | 'bool' | 'date';

export type FieldSpec = ElementSpec | ChoiceListSpec;

export interface ElementSpec {
  /** XML element name. */
  el: string;
  /** Property name on the JS object. */
  prop: string;
  type: Scalar | { fields: readonly FieldSpec[] };
  /** Repeated element → array property. */
  list?: boolean;
  /** Missing element → undefined instead of MalformedXML. */
  optional?: boolean;
  /** With `list`: the items sit inside this container element (`<Buckets><Bucket/>…</Buckets>`). */
  wrap?: string;
}

/**
 * One ordered list of items of several element names (ListObjectVersions' `<Version>` and
 * `<DeleteMarker>`, interleaved as S3 sends them): each item's `kind` property names its element.
 * Parsing groups the items by element name, in the order of `choice` (the parser does not keep
 * the order between elements of different names).
 */
export interface ChoiceListSpec {
  prop: string;
  choice: Readonly<Record<string, { fields: readonly FieldSpec[] }>>;
}

export interface DocumentSpec {
  root: string;
  /** Add `xmlns="http://s3.amazonaws.com/doc/2006-03-01/"` to the root (default true). */
  xmlns?: boolean;
  fields: readonly FieldSpec[];
}

export interface XmlCodec<T> {
  readonly root: string;
  serialize(value: T): string;
  /** MalformedXML (as an S3Error value) for anything that is not this document. */
  parse(xml: string | Buffer, opts?: { maxBytes?: number }): T | S3Error;
}

export function defineDocument<T>(spec: DocumentSpec): XmlCodec<T> {
  return {
    root: spec.root,
    serialize(value: T): string {
      const ns = spec.xmlns === false ? '' : ` xmlns="${S3_XMLNS}"`;
      return `${XML_DECLARATION}<${spec.root}${ns}>${serializeFields(spec.fields, value as Record<string, unknown>)}</${spec.root}>`;
    },
    parse(xml, opts) {
      const tree = parseXmlTree(xml, opts?.maxBytes);
      if (tree instanceof S3Error) return tree;
      const rootNode = tree[spec.root];
      if (rootNode === undefined || Object.keys(tree).length !== 1) return malformedXml();
      const out = decodeStruct(spec.fields, rootNode === '' ? {} : rootNode);
      return out === null ? malformedXml() : (out as T);
    },
  };
}

export function malformedXml(): S3Error {
  return new S3Error('MalformedXML');
}

function serializeFields(fields: readonly FieldSpec[], obj: Record<string, unknown>): string {
  let out = '';
  for (const f of fields) {
    const v = obj[f.prop];
    if (v === undefined || v === null) continue;
    if ('choice' in f) {
      for (const item of v as { kind: string }[]) {
        const spec = f.choice[item.kind];
        if (spec === undefined) throw new TypeError(`${f.prop}: no element ${item.kind}`);
        out += serializeOne({ el: item.kind, prop: f.prop, type: spec }, item);
      }
    } else if (f.list) {
      let items = '';
      for (const item of v as unknown[]) items += serializeOne(f, item);
      out += f.wrap ? `<${f.wrap}>${items}</${f.wrap}>` : items;
    } else {
      out += serializeOne(f, v);
    }
  }
  return out;
}

function serializeOne(f: ElementSpec, v: unknown): string {
  let body: string;
  if (typeof f.type === 'object') body = serializeFields(f.type.fields, v as Record<string, unknown>);
  else if (f.type === 'date') body = (v as Date).toISOString();
  else if (f.type === 'bool') body = v ? 'true' : 'false';
  else if (f.type === 'int') body = String(v);
  else body = escapeXml(String(v));
  return body === '' ? `<${f.el}></${f.el}>` : `<${f.el}>${body}</${f.el}>`;
}

type Tree = Record<string, unknown>;

/**
 * Size check, DOCTYPE refusal, well-formedness check, then parse (the shared XML policy of
 * @bucketfront/http-basics). Exported for documents that do not fit the schema model (Error, ACLs).
 */
export function parseXmlTree(xml: string | Buffer, maxBytes = DEFAULT_MAX_XML_BYTES): Tree | S3Error {
  try {
    return parseXml(xml, { maxBytes });
  } catch (err) {
    if (err instanceof XmlRefusal) return malformedXml();
    throw err;
  }
}

/** A parsed element's children by name. */
export type XmlElements = Record<string, unknown>;

/** The element children of a node (whitespace between elements ignored); null for non-empty text, a list, or anything else. */
export function elementsOf(node: unknown): XmlElements | null {
  if (typeof node === 'string') return node.trim() === '' ? {} : null;
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return null;
  const out: XmlElements = {};
  for (const [name, value] of Object.entries(node)) {
    if (name === '#text') {
      if (typeof value !== 'string' || value.trim() !== '') return null;
      continue;
    }
    out[name] = value;
  }
  return out;
}

/** Text content of a scalar node, entity-decoded; null when the node is not text. */
export function textOf(node: unknown): string | null {
  if (typeof node === 'string') return decodeXmlEntities(node);
  if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
    const keys = Object.keys(node);
    if (keys.length === 0) return '';
    if (keys.length === 1 && keys[0] === '#text') return textOf((node as Tree)['#text']);
  }
  return null;
}

function decodeStruct(fields: readonly FieldSpec[], node: unknown): Record<string, unknown> | null {
  if (node === '' || (typeof node === 'string' && node.trim() === '')) node = {};
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return null;
  const tree = node as Tree;
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if ('choice' in f) {
      const items: unknown[] = [];
      for (const [el, spec] of Object.entries(f.choice)) {
        const raw = tree[el];
        if (raw === undefined) continue;
        for (const node of Array.isArray(raw) ? raw : [raw]) {
          const v = decodeStruct(spec.fields, node);
          if (v === null) return null;
          items.push({ kind: el, ...v });
        }
      }
      out[f.prop] = items;
      continue;
    }
    let raw: unknown;
    if (f.wrap) {
      const container = tree[f.wrap];
      if (container === undefined || container === '') raw = undefined;
      else if (typeof container !== 'object' || container === null || Array.isArray(container)) return null;
      else raw = (container as Tree)[f.el];
    } else {
      raw = tree[f.el];
    }
    if (raw === undefined) {
      if (f.list) out[f.prop] = [];
      else if (!f.optional) return null;
      continue;
    }
    if (f.list) {
      const items = Array.isArray(raw) ? raw : [raw];
      const decoded: unknown[] = [];
      for (const item of items) {
        const v = decodeValue(f, item);
        if (v === null) return null;
        decoded.push(v);
      }
      out[f.prop] = decoded;
    } else {
      if (Array.isArray(raw)) return null;
      const v = decodeValue(f, raw);
      if (v === null) return null;
      out[f.prop] = v;
    }
  }
  return out;
}

function decodeValue(f: ElementSpec, node: unknown): unknown {
  if (typeof f.type === 'object') return decodeStruct(f.type.fields, node);
  const text = textOf(node);
  if (text === null) return null;
  switch (f.type) {
    case 'string':
      return text;
    case 'int': {
      const t = text.trim();
      return /^-?\d{1,15}$/.test(t) ? Number(t) : null;
    }
    case 'bool': {
      const t = text.trim().toLowerCase();
      return t === 'true' ? true : t === 'false' ? false : null;
    }
    case 'date': {
      const d = new Date(text.trim());
      return Number.isNaN(d.getTime()) ? null : d;
    }
  }
}
