/**
 * The ServerSideEncryptionConfiguration document of PutBucketEncryption / GetBucketEncryption
 * (default bucket encryption, docs/encryption.md#default-bucket-encryption):
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketEncryption.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ServerSideEncryptionConfiguration.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ServerSideEncryptionRule.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ServerSideEncryptionByDefault.html
 *
 * Hand-written rather than a `defineDocument` spec because S3 validates it against its schema:
 * an element the schema does not have is MalformedXML here, where the generic codec ignores it.
 */
import { escapeXml } from '@bucketfront/http-basics';
import { S3Error } from '../errors.js';
import { elementsOf, malformedXml, parseXmlTree, S3_XMLNS, textOf, XML_DECLARATION } from './codec.js';

/** The `SSEAlgorithm` values a general purpose bucket accepts as its default. */
export const BUCKET_ENCRYPTION_ALGORITHMS = ['AES256', 'aws:kms', 'aws:kms:dsse'] as const;
export type BucketEncryptionAlgorithm = (typeof BUCKET_ENCRYPTION_ALGORITHMS)[number];

/** One `Rule`: its `ApplyServerSideEncryptionByDefault` and `BucketKeyEnabled`. */
export interface BucketEncryptionRule {
  sseAlgorithm: BucketEncryptionAlgorithm;
  /** Only with `aws:kms` / `aws:kms:dsse`; absent: the AWS managed key (`aws/s3`). */
  kmsMasterKeyId?: string;
  bucketKeyEnabled?: boolean;
}

export interface BucketEncryptionConfiguration {
  /** S3 accepts exactly one rule. */
  rules: BucketEncryptionRule[];
}

/**
 * The largest configuration PutBucketEncryption reads. S3 documents no limit; one rule with a
 * KMS key ARN (at most 2048 characters) is well under 4 KiB, so this leaves room for whitespace.
 */
export const MAX_ENCRYPTION_CONFIGURATION_BYTES = 64 * 1024;

/** S3's answer to a KMS key with SSE-S3 (the text LocalStack recorded from S3). */
export const KMS_KEY_NOT_APPLICABLE = 'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse';

/** A single text element's trimmed value; null when absent is allowed and it is absent; undefined when malformed. */
function singleText(node: unknown): string | undefined {
  if (Array.isArray(node)) return undefined;
  const text = textOf(node);
  return text === null ? undefined : text.trim();
}

const isAlgorithm = (s: string): s is BucketEncryptionAlgorithm => (BUCKET_ENCRYPTION_ALGORITHMS as readonly string[]).includes(s);

/**
 * Parses and validates a PutBucketEncryption body as S3 does: anything that is not exactly one
 * `Rule` with an `ApplyServerSideEncryptionByDefault` naming a known `SSEAlgorithm` is
 * MalformedXML (400); a `KMSMasterKeyID` with `AES256` is InvalidArgument (400).
 */
export function parseServerSideEncryptionConfiguration(xml: string | Buffer): BucketEncryptionConfiguration | S3Error {
  const tree = parseXmlTree(xml, MAX_ENCRYPTION_CONFIGURATION_BYTES);
  if (tree instanceof S3Error) return tree;
  if (Object.keys(tree).length !== 1 || !('ServerSideEncryptionConfiguration' in tree)) return malformedXml();
  const root = elementsOf(tree.ServerSideEncryptionConfiguration);
  if (root === null) return malformedXml();
  for (const name of Object.keys(root)) if (name !== 'Rule') return malformedXml();
  // Zero rules or several: MalformedXML (S3 keeps one rule per bucket).
  if (root.Rule === undefined || Array.isArray(root.Rule)) return malformedXml();
  const rule = elementsOf(root.Rule);
  if (rule === null) return malformedXml();

  let bucketKeyEnabled: boolean | undefined;
  for (const [name, value] of Object.entries(rule)) {
    if (name === 'ApplyServerSideEncryptionByDefault') continue;
    if (name === 'BucketKeyEnabled') {
      const text = singleText(value)?.toLowerCase();
      if (text !== 'true' && text !== 'false') return malformedXml();
      bucketKeyEnabled = text === 'true';
      continue;
    }
    // Deviation from S3: SSE-C blocking (BlockedEncryptionTypes) is not offered; refusing it
    // says so, where accepting it would promise a block nobody enforces.
    if (name === 'BlockedEncryptionTypes') return new S3Error('NotImplemented', 'BlockedEncryptionTypes is not implemented by bucketfront');
    return malformedXml();
  }

  // ApplyServerSideEncryptionByDefault is optional in the schema, but S3 refuses a rule without it.
  if (rule.ApplyServerSideEncryptionByDefault === undefined || Array.isArray(rule.ApplyServerSideEncryptionByDefault)) return malformedXml();
  const byDefault = elementsOf(rule.ApplyServerSideEncryptionByDefault);
  if (byDefault === null) return malformedXml();
  for (const name of Object.keys(byDefault)) if (name !== 'SSEAlgorithm' && name !== 'KMSMasterKeyID') return malformedXml();
  const algorithm = singleText(byDefault.SSEAlgorithm);
  // Missing or unknown (including aws:fsx and aws:backup, which are not for general purpose buckets).
  if (algorithm === undefined || !isAlgorithm(algorithm)) return malformedXml();

  const out: BucketEncryptionRule = { sseAlgorithm: algorithm };
  if (byDefault.KMSMasterKeyID !== undefined) {
    // "This parameter is allowed if and only if SSEAlgorithm is set to aws:kms or aws:kms:dsse."
    if (algorithm === 'AES256') return new S3Error('InvalidArgument', KMS_KEY_NOT_APPLICABLE, { ArgumentName: 'ApplyServerSideEncryptionByDefault' });
    const keyId = singleText(byDefault.KMSMasterKeyID);
    // S3 does not check that the key exists; an empty id cannot name one (our choice: MalformedXML).
    if (keyId === undefined || keyId === '') return malformedXml();
    out.kmsMasterKeyId = keyId;
  }
  if (bucketKeyEnabled !== undefined) out.bucketKeyEnabled = bucketKeyEnabled;
  return { rules: [out] };
}

/** The document GetBucketEncryption answers with (and the form the origin stores). */
export function serializeServerSideEncryptionConfiguration(config: BucketEncryptionConfiguration): string {
  let rules = '';
  for (const r of config.rules) {
    const key = r.kmsMasterKeyId !== undefined ? `<KMSMasterKeyID>${escapeXml(r.kmsMasterKeyId)}</KMSMasterKeyID>` : '';
    const bucketKey = r.bucketKeyEnabled !== undefined ? `<BucketKeyEnabled>${r.bucketKeyEnabled ? 'true' : 'false'}</BucketKeyEnabled>` : '';
    rules += `<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>${escapeXml(r.sseAlgorithm)}</SSEAlgorithm>${key}</ApplyServerSideEncryptionByDefault>${bucketKey}</Rule>`;
  }
  return `${XML_DECLARATION}<ServerSideEncryptionConfiguration xmlns="${S3_XMLNS}">${rules}</ServerSideEncryptionConfiguration>`;
}
