/**
 * The request documents of the CloudFront Functions operations:
 * `CreateFunctionRequest` https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateFunction.html
 * `UpdateFunctionRequest` https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_UpdateFunction.html
 * `TestFunctionRequest`   https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_TestFunction.html
 * Blobs (FunctionCode, EventObject) are base64 in the XML, as the SDKs and the CLI send them.
 */
import { errors } from './errors.js';
import { isXmlObject, leafText, parseRequestDocument, type XmlObject } from './request-xml.js';

export type FunctionStage = 'DEVELOPMENT' | 'LIVE';

/** `FunctionConfig` as sent: https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_FunctionConfig.html */
export interface FunctionConfigInput {
  comment: string;
  runtime: string;
  /** KeyValueStoreARNs as sent. */
  kvsAssociations: string[];
}

export interface FunctionDefinition {
  config: FunctionConfigInput;
  code: Buffer;
}

/** `[a-zA-Z0-9-_]{1,64}` (FunctionName in the API reference). */
export const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export function checkFunctionName(name: string): void {
  if (!FUNCTION_NAME.test(name)) throw errors.invalidArgument(`The function name '${name}' is not valid: 1-64 letters, digits, hyphens and underscores.`);
}

function requiredText(parent: XmlObject, element: string, member: string): string {
  const value = leafText(parent[element]);
  if (value === undefined) {
    if (parent[element] === undefined) throw errors.missingMember(member);
    throw errors.malformedInput(`${element} must contain text only.`);
  }
  return value;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function blob(parent: XmlObject, element: string, member: string): Buffer {
  const text = requiredText(parent, element, member).replace(/\s+/g, '');
  if (!BASE64.test(text)) throw errors.invalidArgument(`${element} must be base64-encoded.`);
  return Buffer.from(text, 'base64');
}

function functionConfig(doc: XmlObject): FunctionConfigInput {
  const el = doc['FunctionConfig'];
  if (el === undefined) throw errors.missingMember('functionConfig');
  const config = isXmlObject(el) ? el : {};
  const comment = requiredText(config, 'Comment', 'functionConfig.comment');
  const runtime = requiredText(config, 'Runtime', 'functionConfig.runtime').trim();
  const kvsAssociations: string[] = [];
  const assoc = config['KeyValueStoreAssociations'];
  if (isXmlObject(assoc)) {
    const quantity = leafText(assoc['Quantity'])?.trim();
    const items = isXmlObject(assoc['Items']) ? assoc['Items']['KeyValueStoreAssociation'] : undefined;
    for (const item of Array.isArray(items) ? items : []) {
      const arn = isXmlObject(item) ? leafText(item['KeyValueStoreARN'])?.trim() : undefined;
      if (arn === undefined || arn === '') throw errors.missingMember('functionConfig.keyValueStoreAssociations.items.member.keyValueStoreARN');
      kvsAssociations.push(arn);
    }
    if (quantity !== undefined && quantity !== String(kvsAssociations.length)) throw errors.inconsistentQuantities();
  }
  return { comment, runtime, kvsAssociations };
}

function definition(doc: XmlObject): FunctionDefinition {
  const config = functionConfig(doc);
  const code = blob(doc, 'FunctionCode', 'functionCode');
  if (code.length === 0) throw errors.invalidArgument('FunctionCode must not be empty.');
  return { config, code };
}

const LISTS = ['KeyValueStoreAssociation'];

export function parseCreateFunctionRequest(body: Buffer): FunctionDefinition & { name: string } {
  const doc = parseRequestDocument(body, 'CreateFunctionRequest', LISTS);
  const name = requiredText(doc, 'Name', 'name');
  checkFunctionName(name);
  // The edge keeps no tags (no TagResource / ListTagsForResource either): refused, not dropped.
  const tags = doc['Tags'];
  if (isXmlObject(tags) && isXmlObject(tags['Items']) && tags['Items']['Tag'] !== undefined) {
    throw errors.unsupportedOperation('Tags are not supported by the bucketfront edge: create the function without Tags.');
  }
  return { name, ...definition(doc) };
}

export function parseUpdateFunctionRequest(body: Buffer): FunctionDefinition {
  return definition(parseRequestDocument(body, 'UpdateFunctionRequest', LISTS));
}

export function parseStage(value: string | null | undefined, fallback: FunctionStage): FunctionStage {
  if (value === null || value === undefined || value === '') return fallback;
  if (value === 'DEVELOPMENT' || value === 'LIVE') return value;
  throw errors.invalidArgument(`Stage '${value}' is not valid: DEVELOPMENT or LIVE.`);
}

export function parseTestFunctionRequest(body: Buffer): { stage: FunctionStage; eventObject: Buffer } {
  const doc = parseRequestDocument(body, 'TestFunctionRequest');
  const eventObject = blob(doc, 'EventObject', 'eventObject');
  return { stage: parseStage(leafText(doc['Stage'])?.trim(), 'DEVELOPMENT'), eventObject };
}
