/**
 * The request documents of CreateKeyValueStore and UpdateKeyValueStore.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateKeyValueStore.html
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_UpdateKeyValueStore.html
 */
import { errors } from './errors.js';
import { isXmlObject, leafText, parseRequestDocument, type XmlObject } from './request-xml.js';

/** `[a-zA-Z0-9-_]{1,64}` (the API's Name pattern). */
const STORE_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export function checkStoreName(name: string): void {
  if (!STORE_NAME.test(name)) throw errors.invalidArgument(`The key value store name '${name}' is not valid: 1-64 letters, digits, hyphens and underscores.`);
}

function comment(doc: XmlObject, required: boolean): string {
  const raw = doc['Comment'];
  if (raw === undefined) {
    if (required) throw errors.missingMember('comment');
    return '';
  }
  const text = leafText(raw);
  if (text === undefined) throw errors.malformedInput('Comment must contain text only.');
  if (text.length > 128) throw errors.invalidArgument('The comment of a key value store is at most 128 characters.');
  return text;
}

export function parseCreateKeyValueStoreRequest(body: Buffer): { name: string; comment: string } {
  const doc = parseRequestDocument(body, 'CreateKeyValueStoreRequest', ['Tag']);
  const name = leafText(doc['Name'])?.trim();
  if (name === undefined) throw errors.missingMember('name');
  checkStoreName(name);
  if (doc['ImportSource'] !== undefined) {
    // An import reads a file from an S3 bucket of the account: the edge has no S3 credentials of its own.
    throw errors.unsupportedOperation(
      'ImportSource is not supported by the bucketfront edge: create the store, then load it with the cloudfront-keyvaluestore UpdateKeys operation (or use a configuration keyValueStores file).',
    );
  }
  const tags = doc['Tags'];
  if (isXmlObject(tags) && isXmlObject(tags['Items']) && tags['Items']['Tag'] !== undefined) {
    throw errors.unsupportedOperation('Tags are not supported by the bucketfront edge: create the key value store without Tags.');
  }
  return { name, comment: comment(doc, false) };
}

export function parseUpdateKeyValueStoreRequest(body: Buffer): { comment: string } {
  return { comment: comment(parseRequestDocument(body, 'UpdateKeyValueStoreRequest'), true) };
}
