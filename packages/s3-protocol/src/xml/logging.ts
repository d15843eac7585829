/**
 * The BucketLoggingStatus document of PutBucketLogging / GetBucketLogging (S3 server access
 * logging, docs/access-logs.md):
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLogging.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_LoggingEnabled.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_TargetObjectKeyFormat.html
 *
 * Hand-written (like encryption.ts) because S3 validates it against its schema: an unknown
 * element is MalformedXML. An empty `<BucketLoggingStatus/>` disables logging.
 */
import { escapeXml } from '@bucketfront/http-basics';
import { S3Error } from '../errors.js';
import { elementsOf, malformedXml, parseXmlTree, textOf, XML_DECLARATION, type XmlElements } from './codec.js';

/** BucketLoggingStatus uses the older namespace, as S3's own responses show. */
export const LOGGING_XMLNS = 'http://doc.s3.amazonaws.com/2006-03-01';

/** The largest document PutBucketLogging reads (S3 documents none; 100 grants fit easily). */
export const MAX_LOGGING_STATUS_BYTES = 64 * 1024;

export type LoggingPermission = 'FULL_CONTROL' | 'READ' | 'WRITE';
const LOGGING_PERMISSIONS: readonly string[] = ['FULL_CONTROL', 'READ', 'WRITE'];

export type LoggingGrantee = { type: 'CanonicalUser'; id: string; displayName?: string } | { type: 'AmazonCustomerByEmail'; emailAddress: string } | { type: 'Group'; uri: string };

export interface LoggingGrant {
  grantee: LoggingGrantee;
  permission: LoggingPermission;
}

/** How log object keys are built: `SimplePrefix` (the default) or `PartitionedPrefix`. */
export type TargetObjectKeyFormat = { kind: 'SimplePrefix' } | { kind: 'PartitionedPrefix'; partitionDateSource: 'EventTime' | 'DeliveryTime' };

export interface LoggingEnabled {
  targetBucket: string;
  targetPrefix: string;
  targetGrants: LoggingGrant[];
  /** Absent: SimplePrefix (and absent again in GetBucketLogging, as S3 answers). */
  targetObjectKeyFormat?: TargetObjectKeyFormat;
}

/** null: logging disabled. */
export type BucketLoggingStatus = { loggingEnabled: LoggingEnabled | null };

type Node = XmlElements;

function onlyNames(node: Node, allowed: readonly string[]): boolean {
  return Object.keys(node).every((n) => allowed.includes(n));
}

/** A single text element (not repeated); null when malformed. */
function singleText(node: unknown): string | null {
  if (Array.isArray(node)) return null;
  return textOf(node);
}

function parseGrantee(node: unknown): LoggingGrantee | null {
  const g = elementsOf(node);
  if (g === null || !onlyNames(g, ['ID', 'DisplayName', 'EmailAddress', 'URI'])) return null;
  const id = g.ID === undefined ? undefined : singleText(g.ID);
  const email = g.EmailAddress === undefined ? undefined : singleText(g.EmailAddress);
  const uri = g.URI === undefined ? undefined : singleText(g.URI);
  const displayName = g.DisplayName === undefined ? undefined : singleText(g.DisplayName);
  if (id === null || email === null || uri === null || displayName === null) return null;
  const given = [id, email, uri].filter((v) => v !== undefined);
  if (given.length !== 1 || given[0]!.trim() === '') return null;
  if (id !== undefined) return displayName === undefined ? { type: 'CanonicalUser', id: id.trim() } : { type: 'CanonicalUser', id: id.trim(), displayName };
  if (email !== undefined) return { type: 'AmazonCustomerByEmail', emailAddress: email.trim() };
  return { type: 'Group', uri: uri!.trim() };
}

function parseGrants(node: unknown): LoggingGrant[] | null {
  const wrap = elementsOf(node);
  if (wrap === null || !onlyNames(wrap, ['Grant'])) return null;
  const items = wrap.Grant === undefined ? [] : Array.isArray(wrap.Grant) ? wrap.Grant : [wrap.Grant];
  const out: LoggingGrant[] = [];
  for (const item of items) {
    const g = elementsOf(item);
    if (g === null || !onlyNames(g, ['Grantee', 'Permission'])) return null;
    const grantee = parseGrantee(g.Grantee);
    const permission = singleText(g.Permission)?.trim();
    if (grantee === null || permission === undefined || !LOGGING_PERMISSIONS.includes(permission)) return null;
    out.push({ grantee, permission: permission as LoggingPermission });
  }
  return out;
}

function parseKeyFormat(node: unknown): TargetObjectKeyFormat | null {
  const f = elementsOf(node);
  if (f === null || !onlyNames(f, ['SimplePrefix', 'PartitionedPrefix'])) return null;
  // Exactly one of the two (the API reference: "specify either").
  if ((f.SimplePrefix === undefined) === (f.PartitionedPrefix === undefined)) return null;
  if (f.SimplePrefix !== undefined) {
    const simple = elementsOf(f.SimplePrefix);
    return simple !== null && Object.keys(simple).length === 0 ? { kind: 'SimplePrefix' } : null;
  }
  const p = elementsOf(f.PartitionedPrefix);
  if (p === null || !onlyNames(p, ['PartitionDateSource'])) return null;
  // PartitionDateSource is optional; S3 defaults it to DeliveryTime.
  const source = p.PartitionDateSource === undefined ? 'DeliveryTime' : singleText(p.PartitionDateSource)?.trim();
  if (source !== 'EventTime' && source !== 'DeliveryTime') return null;
  return { kind: 'PartitionedPrefix', partitionDateSource: source };
}

/**
 * Parses a PutBucketLogging body: MalformedXML (400) for anything outside the schema, a
 * LoggingEnabled without TargetBucket or TargetPrefix, a grant without a valid grantee or
 * permission. The target bucket itself is checked by the handler (InvalidTargetBucketForLogging).
 */
export function parseBucketLoggingStatus(xml: string | Buffer): BucketLoggingStatus | S3Error {
  const tree = parseXmlTree(xml, MAX_LOGGING_STATUS_BYTES);
  if (tree instanceof S3Error) return tree;
  if (Object.keys(tree).length !== 1 || !('BucketLoggingStatus' in tree)) return malformedXml();
  const root = elementsOf(tree.BucketLoggingStatus);
  if (root === null || !onlyNames(root, ['LoggingEnabled'])) return malformedXml();
  if (root.LoggingEnabled === undefined) return { loggingEnabled: null };
  if (Array.isArray(root.LoggingEnabled)) return malformedXml();
  const le = elementsOf(root.LoggingEnabled);
  if (le === null || !onlyNames(le, ['TargetBucket', 'TargetPrefix', 'TargetGrants', 'TargetObjectKeyFormat'])) return malformedXml();
  const targetBucket = le.TargetBucket === undefined ? null : singleText(le.TargetBucket);
  const targetPrefix = le.TargetPrefix === undefined ? null : singleText(le.TargetPrefix);
  if (targetBucket === null || targetPrefix === null || targetBucket.trim() === '') return malformedXml();
  const out: LoggingEnabled = { targetBucket: targetBucket.trim(), targetPrefix, targetGrants: [] };
  if (le.TargetGrants !== undefined) {
    if (Array.isArray(le.TargetGrants)) return malformedXml();
    const grants = parseGrants(le.TargetGrants);
    if (grants === null) return malformedXml();
    out.targetGrants = grants;
  }
  if (le.TargetObjectKeyFormat !== undefined) {
    if (Array.isArray(le.TargetObjectKeyFormat)) return malformedXml();
    const format = parseKeyFormat(le.TargetObjectKeyFormat);
    if (format === null) return malformedXml();
    out.targetObjectKeyFormat = format;
  }
  return { loggingEnabled: out };
}

const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

function granteeXml(g: LoggingGrantee): string {
  if (g.type === 'Group') return `<Grantee xmlns:xsi="${XSI}" xsi:type="Group"><URI>${escapeXml(g.uri)}</URI></Grantee>`;
  if (g.type === 'AmazonCustomerByEmail') return `<Grantee xmlns:xsi="${XSI}" xsi:type="AmazonCustomerByEmail"><EmailAddress>${escapeXml(g.emailAddress)}</EmailAddress></Grantee>`;
  const name = g.displayName !== undefined ? `<DisplayName>${escapeXml(g.displayName)}</DisplayName>` : '';
  return `<Grantee xmlns:xsi="${XSI}" xsi:type="CanonicalUser"><ID>${escapeXml(g.id)}</ID>${name}</Grantee>`;
}

/** The document GetBucketLogging answers with (and the form the origin stores). */
export function serializeBucketLoggingStatus(status: BucketLoggingStatus): string {
  const le = status.loggingEnabled;
  if (le === null) return `${XML_DECLARATION}<BucketLoggingStatus xmlns="${LOGGING_XMLNS}"/>`;
  let inner = `<TargetBucket>${escapeXml(le.targetBucket)}</TargetBucket>`;
  if (le.targetGrants.length > 0) inner += `<TargetGrants>${le.targetGrants.map((g) => `<Grant>${granteeXml(g.grantee)}<Permission>${g.permission}</Permission></Grant>`).join('')}</TargetGrants>`;
  inner += `<TargetPrefix>${escapeXml(le.targetPrefix)}</TargetPrefix>`;
  const f = le.targetObjectKeyFormat;
  if (f !== undefined) {
    inner +=
      f.kind === 'SimplePrefix'
        ? '<TargetObjectKeyFormat><SimplePrefix/></TargetObjectKeyFormat>'
        : `<TargetObjectKeyFormat><PartitionedPrefix><PartitionDateSource>${f.partitionDateSource}</PartitionDateSource></PartitionedPrefix></TargetObjectKeyFormat>`;
  }
  return `${XML_DECLARATION}<BucketLoggingStatus xmlns="${LOGGING_XMLNS}"><LoggingEnabled>${inner}</LoggingEnabled></BucketLoggingStatus>`;
}
