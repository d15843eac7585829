/**
 * A bucket's Object Ownership setting (OwnershipControls): its XML and its stored form (bucket
 * config kind `ownership-controls`, the setting's name). What each setting does is in
 * authorize.ts (BucketOwnerEnforced disables ACLs) and object-acl-input.ts (who owns a new object).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html
 */
import { parseXmlTree, S3_XMLNS, S3Error, textOf, XML_DECLARATION } from '@bucketfront/s3-protocol';

export type ObjectOwnership = 'BucketOwnerEnforced' | 'BucketOwnerPreferred' | 'ObjectWriter';
const SETTINGS: ReadonlySet<string> = new Set<ObjectOwnership>(['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter']);

export const isObjectOwnership = (v: string): v is ObjectOwnership => SETTINGS.has(v);

/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketOwnershipControls.html: exactly one rule. */
export function parseOwnershipControlsXml(xml: Buffer): ObjectOwnership | S3Error {
  const tree = parseXmlTree(xml);
  if (tree instanceof S3Error) return tree;
  const root = tree.OwnershipControls as Record<string, unknown> | undefined;
  const rule = root && typeof root === 'object' ? root.Rule : undefined;
  if (!rule || typeof rule !== 'object' || Array.isArray(rule)) return new S3Error('MalformedXML');
  const value = textOf((rule as Record<string, unknown>).ObjectOwnership);
  return value !== null && isObjectOwnership(value) ? value : new S3Error('MalformedXML');
}

export function ownershipControlsXml(o: ObjectOwnership): string {
  return `${XML_DECLARATION}<OwnershipControls xmlns="${S3_XMLNS}"><Rule><ObjectOwnership>${o}</ObjectOwnership></Rule></OwnershipControls>`;
}

/** The stored setting (null: none configured, or unreadable). */
export const storedOwnership = (raw: string | null): ObjectOwnership | null => (raw !== null && isObjectOwnership(raw) ? raw : null);
