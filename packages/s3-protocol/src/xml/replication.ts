/**
 * The ReplicationConfiguration document of PutBucketReplication / GetBucketReplication
 * (cross-region replication, docs/replication.md):
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketReplication.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ReplicationRule.html
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-add-config.html
 *
 * Hand-written (like logging.ts) because S3 validates it beyond its schema. Two schemas exist:
 * V1 rules carry a top-level `Prefix` (no Filter, no Priority; delete markers made by users are
 * replicated), V2 rules carry a `Filter` and then need `Priority` and `DeleteMarkerReplication`
 * ("Backward Compatibility" in the user guide page above). Checks that need the store or the
 * remotes (versioning on either side, the destination exists) are the origin's.
 */
import { randomUUID } from 'node:crypto';
import { escapeXml } from '@bucketfront/http-basics';
import { S3Error } from '../errors.js';
import { elementsOf, malformedXml, parseXmlTree, S3_XMLNS, textOf, XML_DECLARATION, type XmlElements } from './codec.js';

export interface ReplicationTag {
  key: string;
  value: string;
}

/** A V2 rule's filter: a prefix, a tag, or both/several joined by And (empty: every object). */
export interface ReplicationFilter {
  prefix?: string;
  tags: ReplicationTag[];
  /** How it was written (`Tag`, `And`, `Prefix` or empty), so it is answered back the same way. */
  form: 'empty' | 'prefix' | 'tag' | 'and';
}

export type RuleStatus = 'Enabled' | 'Disabled';

export interface ReplicationRule {
  /** The `ID`; generated when the request had none, as S3 does. */
  id: string;
  status: RuleStatus;
  /** V2 only (required there). */
  priority?: number;
  /** V1 rules: the top-level `Prefix`. */
  legacyPrefix?: string;
  /** V2 rules: the `Filter`. */
  filter?: ReplicationFilter;
  /** V2 only (required there); V1 rules replicate delete markers made by users. */
  deleteMarkerReplication?: RuleStatus;
  existingObjectReplication?: RuleStatus;
  destination: {
    /** The bucket's name (the ARN is `arn:aws:s3:::` + name). */
    bucket: string;
    storageClass?: string;
  };
}

export interface ReplicationConfiguration {
  /** Kept and answered back as sent (bucketfront has no IAM roles: docs/replication.md). */
  role: string;
  rules: ReplicationRule[];
}

/** S3 documents no limit on the body; this is far above 1,000 rules. */
export const MAX_REPLICATION_CONFIGURATION_BYTES = 2 * 1024 * 1024;
/** https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-rule-filtering.html: up to 1,000 rules. */
export const MAX_REPLICATION_RULES = 1000;
const BUCKET_ARN_PREFIX = 'arn:aws:s3:::';
const MAX_PRIORITY = 2 ** 31 - 1;
const STORAGE_CLASSES = ['STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'DEEP_ARCHIVE', 'OUTPOSTS', 'GLACIER_IR', 'EXPRESS_ONEZONE'];
const SCHEMA_HINT = ' Please refer to S3 Developer Guide for more information.';

/** Whether the rule follows the V2 schema (it has a Filter). */
export function isV2Rule(rule: ReplicationRule): boolean {
  return rule.filter !== undefined;
}

/** Whether a rule's filter applies to an object with this key and these tags (decoded). */
export function replicationRuleMatches(rule: ReplicationRule, key: string, tags: ReadonlyMap<string, string>): boolean {
  const prefix = rule.filter?.prefix ?? rule.legacyPrefix ?? '';
  if (!key.startsWith(prefix)) return false;
  return (rule.filter?.tags ?? []).every((t) => tags.get(t.key) === t.value);
}

/**
 * The rule that decides for this object: among the enabled rules that match it, the one with the
 * highest Priority ("Priority" in the ReplicationRule reference: the larger number wins); null when none.
 */
export function selectReplicationRule(config: ReplicationConfiguration, key: string, tags: ReadonlyMap<string, string>): ReplicationRule | null {
  let best: ReplicationRule | null = null;
  for (const rule of config.rules) {
    if (rule.status !== 'Enabled' || !replicationRuleMatches(rule, key, tags)) continue;
    if (best === null || (rule.priority ?? 0) > (best.priority ?? 0)) best = rule;
  }
  return best;
}

/**
 * Whether the configuration asks for existing objects too (an enabled rule with ExistingObjectReplication Enabled:
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ExistingObjectReplication.html).
 */
export function replicatesExistingObjects(config: ReplicationConfiguration): boolean {
  return config.rules.some((r) => r.status === 'Enabled' && r.existingObjectReplication === 'Enabled');
}

/** Whether the rule replicates delete markers (V1 rules always do, V2 rules when it says Enabled). */
export function replicatesDeleteMarkers(rule: ReplicationRule): boolean {
  return isV2Rule(rule) ? rule.deleteMarkerReplication === 'Enabled' : true;
}

function onlyNames(node: XmlElements, allowed: readonly string[]): boolean {
  return Object.keys(node).every((n) => allowed.includes(n));
}

/** A single text child (not repeated); undefined when absent; null when malformed. */
function optText(node: XmlElements, name: string): string | undefined | null {
  const v = node[name];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return null;
  return textOf(v);
}

function listOf(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function parseStatusElement(node: unknown): RuleStatus | null {
  if (Array.isArray(node)) return null;
  const e = elementsOf(node);
  if (e === null || !onlyNames(e, ['Status'])) return null;
  const s = optText(e, 'Status')?.trim();
  return s === 'Enabled' || s === 'Disabled' ? s : null;
}

function parseTag(node: unknown): ReplicationTag | S3Error {
  const t = elementsOf(node);
  if (t === null || !onlyNames(t, ['Key', 'Value'])) return malformedXml();
  const key = optText(t, 'Key');
  const value = optText(t, 'Value');
  if (typeof key !== 'string' || typeof value !== 'string') return malformedXml();
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-tagging.html: keys 1-128, values 0-256 characters.
  if (key.length === 0 || key.length > 128) return new S3Error('InvalidTag', 'The TagKey you have provided is invalid');
  if (value.length > 256) return new S3Error('InvalidTag', 'The TagValue you have provided is invalid');
  return { key, value };
}

function parseFilter(node: unknown): ReplicationFilter | S3Error {
  if (Array.isArray(node)) return malformedXml();
  const f = elementsOf(node);
  if (f === null || !onlyNames(f, ['Prefix', 'Tag', 'And'])) return malformedXml();
  const given = ['Prefix', 'Tag', 'And'].filter((n) => f[n] !== undefined);
  // "A Filter must specify exactly one Prefix, Tag, or an And child element" (ReplicationRuleFilter).
  if (given.length > 1) return malformedXml();
  if (given.length === 0) return { tags: [], form: 'empty' };
  if (f.Prefix !== undefined) {
    const prefix = optText(f, 'Prefix');
    if (typeof prefix !== 'string') return malformedXml();
    return { prefix, tags: [], form: 'prefix' };
  }
  if (f.Tag !== undefined) {
    if (Array.isArray(f.Tag)) return malformedXml();
    const tag = parseTag(f.Tag);
    return tag instanceof S3Error ? tag : { tags: [tag], form: 'tag' };
  }
  if (Array.isArray(f.And)) return malformedXml();
  const and = elementsOf(f.And);
  if (and === null || !onlyNames(and, ['Prefix', 'Tag'])) return malformedXml();
  const prefix = optText(and, 'Prefix');
  if (prefix === null) return malformedXml();
  const tags: ReplicationTag[] = [];
  for (const item of listOf(and.Tag)) {
    const tag = parseTag(item);
    if (tag instanceof S3Error) return tag;
    if (tags.some((t) => t.key === tag.key)) return new S3Error('InvalidRequest', 'Duplicate Tag Keys are not allowed.');
    tags.push(tag);
  }
  return prefix === undefined ? { tags, form: 'and' } : { prefix, tags, form: 'and' };
}

/** Destination elements bucketfront does not implement: present (and not Disabled) → NotImplemented. */
const UNSUPPORTED_DESTINATION = ['Account', 'AccessControlTranslation', 'EncryptionConfiguration', 'Metrics', 'ReplicationTime'];

function parseDestination(node: unknown): ReplicationRule['destination'] | S3Error {
  if (Array.isArray(node)) return malformedXml();
  const d = elementsOf(node);
  if (d === null || !onlyNames(d, ['Bucket', 'StorageClass', ...UNSUPPORTED_DESTINATION])) return malformedXml();
  const arn = optText(d, 'Bucket')?.trim();
  if (arn === undefined || arn === null || arn === '') return malformedXml();
  if (!arn.startsWith(BUCKET_ARN_PREFIX) || arn.length === BUCKET_ARN_PREFIX.length || arn.slice(BUCKET_ARN_PREFIX.length).includes('/')) {
    return new S3Error('InvalidArgument', 'Invalid bucket ARN.', { ArgumentName: 'Bucket', ArgumentValue: arn });
  }
  for (const name of UNSUPPORTED_DESTINATION) {
    const v = d[name];
    if (v === undefined) continue;
    const e = elementsOf(v);
    // Metrics / ReplicationTime with Status Disabled ask for nothing: accepted and dropped.
    if ((name === 'Metrics' || name === 'ReplicationTime') && e !== null && optText(e, 'Status')?.trim() === 'Disabled') continue;
    return new S3Error('NotImplemented', `Destination ${name} is not implemented by bucketfront (docs/replication.md)`);
  }
  const storageClass = optText(d, 'StorageClass');
  if (storageClass === null) return malformedXml();
  if (storageClass !== undefined && !STORAGE_CLASSES.includes(storageClass.trim())) return malformedXml();
  const bucket = arn.slice(BUCKET_ARN_PREFIX.length);
  return storageClass === undefined ? { bucket } : { bucket, storageClass: storageClass.trim() };
}

function parseSourceSelection(node: unknown): S3Error | null {
  if (Array.isArray(node)) return malformedXml();
  const s = elementsOf(node);
  if (s === null || !onlyNames(s, ['SseKmsEncryptedObjects', 'ReplicaModifications'])) return malformedXml();
  for (const [name, v] of Object.entries(s)) {
    const status = parseStatusElement(v);
    if (status === null) return malformedXml();
    if (status === 'Enabled') return new S3Error('NotImplemented', `SourceSelectionCriteria ${name} is not implemented by bucketfront (docs/replication.md)`);
  }
  return null;
}

const RULE_ELEMENTS = ['ID', 'Priority', 'Status', 'Prefix', 'Filter', 'Destination', 'DeleteMarkerReplication', 'ExistingObjectReplication', 'SourceSelectionCriteria'];

function parseRule(node: unknown): ReplicationRule | S3Error {
  const r = elementsOf(node);
  if (r === null || !onlyNames(r, RULE_ELEMENTS)) return malformedXml();
  for (const name of RULE_ELEMENTS) if (Array.isArray(r[name])) return malformedXml();
  const status = optText(r, 'Status')?.trim();
  if (status !== 'Enabled' && status !== 'Disabled') return malformedXml();
  if (r.Destination === undefined) return malformedXml();
  const destination = parseDestination(r.Destination);
  if (destination instanceof S3Error) return destination;

  const id = optText(r, 'ID');
  if (id === null) return malformedXml();
  if (id !== undefined && id.length > 255) return new S3Error('InvalidArgument', 'The ID must be at most 255 characters long.', { ArgumentName: 'ID', ArgumentValue: id });
  const rule: ReplicationRule = { id: id === undefined || id === '' ? Buffer.from(randomUUID()).toString('base64') : id, status, destination };

  if (r.Prefix !== undefined && r.Filter !== undefined) return malformedXml();
  const priorityText = optText(r, 'Priority');
  if (priorityText === null) return malformedXml();
  if (r.Filter === undefined) {
    // V1: no Priority, no DeleteMarkerReplication ("Backward Compatibility").
    if (priorityText !== undefined) return new S3Error('InvalidRequest', 'Priority cannot be used for this version of Cross Region Replication configuration schema.' + SCHEMA_HINT);
    if (r.DeleteMarkerReplication !== undefined)
      return new S3Error('InvalidRequest', 'DeleteMarkerReplication cannot be used for this version of Cross Region Replication configuration schema.' + SCHEMA_HINT);
    const prefix = optText(r, 'Prefix');
    if (prefix === null) return malformedXml();
    if (prefix !== undefined) {
      if (prefix.length > 1024) return new S3Error('InvalidArgument', 'The prefix must be at most 1024 characters long.', { ArgumentName: 'Prefix', ArgumentValue: prefix });
      rule.legacyPrefix = prefix;
    }
  } else {
    const filter = parseFilter(r.Filter);
    if (filter instanceof S3Error) return filter;
    rule.filter = filter;
    if (priorityText === undefined) return new S3Error('InvalidRequest', 'Priority must be specified for this version of Cross Region Replication configuration schema.' + SCHEMA_HINT);
    if (!/^\d{1,10}$/.test(priorityText.trim()) || Number(priorityText.trim()) > MAX_PRIORITY) return malformedXml();
    rule.priority = Number(priorityText.trim());
    if (r.DeleteMarkerReplication === undefined)
      return new S3Error('InvalidRequest', 'DeleteMarkerReplication must be specified for this version of Cross Region Replication configuration schema.' + SCHEMA_HINT);
    const dmr = parseStatusElement(r.DeleteMarkerReplication);
    if (dmr === null) return malformedXml();
    // DeleteMarkerReplication: "If your Filter includes a Tag element, the DeleteMarkerReplication Status must be set to Disabled".
    if (dmr === 'Enabled' && filter.tags.length > 0) return new S3Error('InvalidRequest', 'Delete marker replication is not supported if any Tag filter is specified.' + SCHEMA_HINT);
    rule.deleteMarkerReplication = dmr;
  }
  if (r.ExistingObjectReplication !== undefined) {
    const eor = parseStatusElement(r.ExistingObjectReplication);
    if (eor === null) return malformedXml();
    // Enabled: the origin backfills the versions that existed before (S3 Batch Replication's job; docs/replication.md#existing-objects).
    rule.existingObjectReplication = eor;
  }
  if (r.SourceSelectionCriteria !== undefined) {
    const err = parseSourceSelection(r.SourceSelectionCriteria);
    if (err !== null) return err;
  }
  return rule;
}

/**
 * Parses and validates a PutBucketReplication body: MalformedXML for anything outside the schema,
 * InvalidRequest / InvalidArgument where S3 answers them (messages as S3 words them where known),
 * NotImplemented for the parts bucketfront does not do (docs/replication.md#deviations).
 */
export function parseReplicationConfiguration(xml: string | Buffer): ReplicationConfiguration | S3Error {
  const tree = parseXmlTree(xml, MAX_REPLICATION_CONFIGURATION_BYTES);
  if (tree instanceof S3Error) return tree;
  if (Object.keys(tree).length !== 1 || !('ReplicationConfiguration' in tree)) return malformedXml();
  const root = elementsOf(tree.ReplicationConfiguration);
  if (root === null || !onlyNames(root, ['Role', 'Rule'])) return malformedXml();
  const role = optText(root, 'Role');
  if (typeof role !== 'string') return malformedXml();
  const items = listOf(root.Rule);
  if (items.length === 0) return malformedXml();
  if (items.length > MAX_REPLICATION_RULES) return new S3Error('InvalidRequest', `The number of replication rules must not exceed ${MAX_REPLICATION_RULES}.`);
  const rules: ReplicationRule[] = [];
  for (const item of items) {
    const rule = parseRule(item);
    if (rule instanceof S3Error) return rule;
    if (rules.some((r) => r.id === rule.id)) return new S3Error('InvalidArgument', 'Rule Id must be unique.', { ArgumentName: 'ID', ArgumentValue: rule.id });
    rules.push(rule);
  }
  const v2 = rules.filter(isV2Rule).length;
  if (v2 !== 0 && v2 !== rules.length) return malformedXml();
  if (rules.length > 1 && v2 === 0) {
    // Deviation from S3 (which accepts several V1 rules with non-overlapping prefixes): several rules need the V2 schema.
    return new S3Error('InvalidRequest', 'Priority must be specified for this version of Cross Region Replication configuration schema.' + SCHEMA_HINT);
  }
  const priorities = new Set<number>();
  for (const rule of rules) {
    if (rule.priority === undefined) continue;
    // S3 refuses two rules with one priority; its exact message is not documented.
    if (priorities.has(rule.priority)) return new S3Error('InvalidRequest', `Found duplicate priority ${rule.priority}: each rule needs its own Priority.`);
    priorities.add(rule.priority);
  }
  // Deviation from S3 (which replicates to several destinations since 2020): one destination bucket per configuration.
  if (new Set(rules.map((r) => r.destination.bucket)).size > 1) return new S3Error('InvalidRequest', 'Number of distinct destination bucket ARNs cannot exceed 1');
  return { role, rules };
}

function tagXml(t: ReplicationTag): string {
  return `<Tag><Key>${escapeXml(t.key)}</Key><Value>${escapeXml(t.value)}</Value></Tag>`;
}

function filterXml(f: ReplicationFilter): string {
  switch (f.form) {
    case 'empty':
      return '<Filter/>';
    case 'prefix':
      return `<Filter><Prefix>${escapeXml(f.prefix ?? '')}</Prefix></Filter>`;
    case 'tag':
      return `<Filter>${tagXml(f.tags[0]!)}</Filter>`;
    case 'and':
      return `<Filter><And>${f.prefix !== undefined ? `<Prefix>${escapeXml(f.prefix)}</Prefix>` : ''}${f.tags.map(tagXml).join('')}</And></Filter>`;
  }
}

function ruleXml(r: ReplicationRule): string {
  let inner = `<ID>${escapeXml(r.id)}</ID>`;
  if (r.priority !== undefined) inner += `<Priority>${r.priority}</Priority>`;
  if (r.legacyPrefix !== undefined) inner += `<Prefix>${escapeXml(r.legacyPrefix)}</Prefix>`;
  if (r.filter !== undefined) inner += filterXml(r.filter);
  inner += `<Status>${r.status}</Status>`;
  if (r.existingObjectReplication !== undefined) inner += `<ExistingObjectReplication><Status>${r.existingObjectReplication}</Status></ExistingObjectReplication>`;
  const sc = r.destination.storageClass !== undefined ? `<StorageClass>${escapeXml(r.destination.storageClass)}</StorageClass>` : '';
  inner += `<Destination><Bucket>${escapeXml(BUCKET_ARN_PREFIX + r.destination.bucket)}</Bucket>${sc}</Destination>`;
  if (r.deleteMarkerReplication !== undefined) inner += `<DeleteMarkerReplication><Status>${r.deleteMarkerReplication}</Status></DeleteMarkerReplication>`;
  return `<Rule>${inner}</Rule>`;
}

/** The document GetBucketReplication answers with (and the form the origin stores). */
export function serializeReplicationConfiguration(config: ReplicationConfiguration): string {
  return `${XML_DECLARATION}<ReplicationConfiguration xmlns="${S3_XMLNS}"><Role>${escapeXml(config.role)}</Role>${config.rules.map(ruleXml).join('')}</ReplicationConfiguration>`;
}
