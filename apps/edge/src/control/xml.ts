/**
 * A tiny XML writer for CloudFront's REST-XML documents: elements are written in
 * the order the API reference lists them; nullish values are left out.
 */

import { escapeXml } from '@bucketfront/http-basics';

export const CLOUDFRONT_XMLNS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

export type XmlValue = string | number | boolean | Date | XmlNode | null | undefined;
/** Ordered children: each entry is [elementName, value]. Arrays of nodes are nested lists. */
export type XmlNode = Array<[string, XmlValue]>;

function renderValue(value: Exclude<XmlValue, null | undefined>): string {
  if (typeof value === 'string') return escapeXml(value);
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return value.toISOString();
  return renderChildren(value as XmlNode);
}

export function renderChildren(node: XmlNode): string {
  let out = '';
  for (const [name, value] of node) {
    if (value === null || value === undefined) continue;
    out += `<${name}>${renderValue(value)}</${name}>`;
  }
  return out;
}

/** A whole document with the CloudFront namespace on the root element. */
export function renderDocument(root: string, node: XmlNode): string {
  return `${XML_DECLARATION}<${root} xmlns="${CLOUDFRONT_XMLNS}">${renderChildren(node)}</${root}>`;
}

/** CloudFront's list wrapper: `<Quantity>n</Quantity><Items><Member>…</Member>…</Items>` (Items left out when empty). */
export function quantityList(memberName: string, items: readonly XmlValue[]): XmlNode {
  const node: XmlNode = [['Quantity', items.length]];
  if (items.length > 0) node.push(['Items', items.map((v): [string, XmlValue] => [memberName, v])]);
  return node;
}
