/**
 * A bucket's PublicAccessBlock configuration: its XML, and its stored form (bucket config kind
 * `public-access-block`, JSON of the four flags). What each flag does is in authorize.ts.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
 */
import { parseXmlTree, S3_XMLNS, S3Error, textOf, XML_DECLARATION } from '@bucketfront/s3-protocol';
import { ParsedPerBucket } from '../bucket-documents.js';

export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}
const FLAGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;

/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutPublicAccessBlock.html (an absent flag is false). */
export function parsePublicAccessBlockXml(xml: Buffer): PublicAccessBlock | S3Error {
  const tree = parseXmlTree(xml);
  if (tree instanceof S3Error) return tree;
  const root = tree.PublicAccessBlockConfiguration;
  if (root === undefined || root === null || typeof root !== 'object' || Array.isArray(root)) return new S3Error('MalformedXML');
  const out: PublicAccessBlock = { BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false };
  for (const [name, value] of Object.entries(root as Record<string, unknown>)) {
    if (!(FLAGS as readonly string[]).includes(name)) continue; // xmlns attributes and the like
    const text = textOf(value)?.trim().toLowerCase();
    if (text !== 'true' && text !== 'false') return new S3Error('MalformedXML');
    out[name as (typeof FLAGS)[number]] = text === 'true';
  }
  return out;
}

export function publicAccessBlockXml(c: PublicAccessBlock): string {
  return `${XML_DECLARATION}<PublicAccessBlockConfiguration xmlns="${S3_XMLNS}">${FLAGS.map((f) => `<${f}>${c[f]}</${f}>`).join('')}</PublicAccessBlockConfiguration>`;
}

const parsed = new ParsedPerBucket<PublicAccessBlock | null>((raw) => {
  try {
    const doc = JSON.parse(raw) as Partial<PublicAccessBlock>;
    return {
      BlockPublicAcls: doc.BlockPublicAcls === true,
      IgnorePublicAcls: doc.IgnorePublicAcls === true,
      BlockPublicPolicy: doc.BlockPublicPolicy === true,
      RestrictPublicBuckets: doc.RestrictPublicBuckets === true,
    };
  } catch {
    return null;
  }
});

/** The stored document, parsed once per text. */
export const storedPublicAccessBlock = (bucket: string, raw: string): PublicAccessBlock | null => parsed.get(bucket, raw);
