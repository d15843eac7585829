/**
 * The NotificationConfiguration document of PutBucketNotificationConfiguration /
 * GetBucketNotificationConfiguration (docs/notifications.md#configuration):
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_NotificationConfiguration.html
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html
 *
 * Hand-written (like encryption.ts) because S3 validates it: an element the schema does not have
 * is MalformedXML, an unknown event or filter rule InvalidArgument, and two configurations that
 * could both match one event InvalidArgument ("Configurations overlap").
 * Whether each ARN names a configured destination is the origin's check (it knows them).
 */
import { randomUUID } from 'node:crypto';
import { escapeXml } from '@bucketfront/http-basics';
import { S3Error } from '../errors.js';
import { elementsOf, malformedXml, parseXmlTree, S3_XMLNS, textOf, XML_DECLARATION } from './codec.js';

/** Which element holds the configuration (and names its ARN: `Queue`, `Topic`, `CloudFunction`). */
export type NotificationTargetKind = 'Topic' | 'Queue' | 'CloudFunction';

export interface NotificationRule {
  /** The `Id`; generated (base64 of a UUID, as S3 does) when the request had none. */
  id: string;
  kind: NotificationTargetKind;
  /** The destination's ARN (`Queue`, `Topic` or `CloudFunction`). */
  arn: string;
  /** Event names with the `s3:` prefix, as sent: exact names or `s3:ObjectCreated:*`-style wildcards. */
  events: string[];
  /** `Filter/S3Key/FilterRule` Name prefix / suffix (matched against the decoded key). */
  prefix?: string;
  suffix?: string;
}

export interface NotificationConfiguration {
  rules: NotificationRule[];
}

/** S3 reads configurations far smaller than this; a larger body is MaxMessageLengthExceeded. */
export const MAX_NOTIFICATION_CONFIGURATION_BYTES = 1024 * 1024;

/**
 * Deviation from S3 (which documents no number): at most this many configurations per bucket, so
 * the overlap check (every pair) stays cheap; more is InvalidArgument.
 */
export const MAX_NOTIFICATION_CONFIGURATIONS = 1000;

/**
 * Every event type S3 accepts in a configuration
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html).
 * bucketfront emits the ObjectCreated and ObjectRemoved ones; the others are accepted (a
 * configuration written for S3 stores as is) and never fire (docs/notifications.md#limits).
 */
export const NOTIFICATION_EVENT_TYPES: readonly string[] = [
  's3:ObjectCreated:*',
  's3:ObjectCreated:Put',
  's3:ObjectCreated:Post',
  's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*',
  's3:ObjectRemoved:Delete',
  's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectRestore:*',
  's3:ObjectRestore:Post',
  's3:ObjectRestore:Completed',
  's3:ObjectRestore:Delete',
  's3:ReducedRedundancyLostObject',
  's3:Replication:*',
  's3:Replication:OperationFailedReplication',
  's3:Replication:OperationMissedThreshold',
  's3:Replication:OperationReplicatedAfterThreshold',
  's3:Replication:OperationNotTracked',
  's3:LifecycleExpiration:*',
  's3:LifecycleExpiration:Delete',
  's3:LifecycleExpiration:DeleteMarkerCreated',
  's3:LifecycleTransition',
  's3:IntelligentTiering',
  's3:ObjectTagging:*',
  's3:ObjectTagging:Put',
  's3:ObjectTagging:Delete',
  's3:ObjectAcl:Put',
];
const EVENT_TYPES = new Set(NOTIFICATION_EVENT_TYPES);

const KINDS: readonly NotificationTargetKind[] = ['Topic', 'Queue', 'CloudFunction'];

const listOf = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** A single text element; undefined when absent, repeated or not text. */
function singleText(node: unknown): string | undefined {
  if (node === undefined || Array.isArray(node)) return undefined;
  return textOf(node) ?? undefined;
}

/**
 * Parses and validates a PutBucketNotificationConfiguration body as S3 does. An empty
 * `<NotificationConfiguration/>` is valid: it removes the bucket's configuration.
 */
export function parseNotificationConfiguration(xml: string | Buffer): NotificationConfiguration | S3Error {
  const tree = parseXmlTree(xml, MAX_NOTIFICATION_CONFIGURATION_BYTES);
  if (tree instanceof S3Error) return tree;
  if (Object.keys(tree).length !== 1 || !('NotificationConfiguration' in tree)) return malformedXml();
  const root = elementsOf(tree.NotificationConfiguration);
  if (root === null) return malformedXml();
  const rules: NotificationRule[] = [];
  for (const name of Object.keys(root)) {
    // Deviation from S3: EventBridge is an AWS service; refusing it says so, where accepting it
    // would promise deliveries nobody makes.
    if (name === 'EventBridgeConfiguration') return new S3Error('NotImplemented', 'EventBridgeConfiguration is not implemented by bucketfront');
    const kind = KINDS.find((k) => `${k}Configuration` === name);
    if (kind === undefined) return malformedXml();
    for (const item of listOf(root[name])) {
      const rule = parseRule(kind, item);
      if (rule instanceof S3Error) return rule;
      rules.push(rule);
    }
  }
  if (rules.length > MAX_NOTIFICATION_CONFIGURATIONS) {
    return new S3Error('InvalidArgument', `A bucket may have at most ${MAX_NOTIFICATION_CONFIGURATIONS} notification configurations.`, {
      ArgumentName: 'NotificationConfiguration',
      ArgumentValue: String(rules.length),
    });
  }
  const overlap = findOverlap(rules);
  if (overlap) return overlap;
  return { rules };
}

function parseRule(kind: NotificationTargetKind, node: unknown): NotificationRule | S3Error {
  const el = elementsOf(node);
  if (el === null) return malformedXml();
  for (const name of Object.keys(el)) if (name !== 'Id' && name !== kind && name !== 'Event' && name !== 'Filter') return malformedXml();
  const arn = singleText(el[kind])?.trim();
  if (arn === undefined || arn === '') return malformedXml();
  let id = el.Id === undefined ? '' : singleText(el.Id);
  if (id === undefined) return malformedXml();
  // S3 names a configuration sent without an Id itself.
  if (id === '') id = Buffer.from(randomUUID()).toString('base64');
  const events: string[] = [];
  for (const e of listOf(el.Event)) {
    const event = singleText(e)?.trim();
    if (event === undefined) return malformedXml();
    if (!EVENT_TYPES.has(event)) return new S3Error('InvalidArgument', 'The event is not supported for notifications', { ArgumentName: 'Event', ArgumentValue: event });
    if (!events.includes(event)) events.push(event);
  }
  if (events.length === 0) return malformedXml();
  const rule: NotificationRule = { id, kind, arn, events };
  if (el.Filter !== undefined) {
    const filter = parseFilter(el.Filter);
    if (filter instanceof S3Error) return filter;
    if (filter.prefix !== undefined) rule.prefix = filter.prefix;
    if (filter.suffix !== undefined) rule.suffix = filter.suffix;
  }
  return rule;
}

function parseFilter(node: unknown): { prefix?: string; suffix?: string } | S3Error {
  if (Array.isArray(node)) return malformedXml();
  const filter = elementsOf(node);
  if (filter === null) return malformedXml();
  for (const name of Object.keys(filter)) if (name !== 'S3Key') return malformedXml();
  if (filter.S3Key === undefined) return {};
  if (Array.isArray(filter.S3Key)) return malformedXml();
  const s3Key = elementsOf(filter.S3Key);
  if (s3Key === null) return malformedXml();
  for (const name of Object.keys(s3Key)) if (name !== 'FilterRule') return malformedXml();
  const out: { prefix?: string; suffix?: string } = {};
  for (const r of listOf(s3Key.FilterRule)) {
    const rule = elementsOf(r);
    if (rule === null) return malformedXml();
    for (const name of Object.keys(rule)) if (name !== 'Name' && name !== 'Value') return malformedXml();
    const name = singleText(rule.Name)?.trim().toLowerCase();
    const value = rule.Value === undefined ? '' : singleText(rule.Value);
    if (name === undefined || value === undefined) return malformedXml();
    if (name !== 'prefix' && name !== 'suffix') {
      return new S3Error('InvalidArgument', 'filter rule name must be either prefix or suffix', { ArgumentName: 'FilterRule', ArgumentValue: name });
    }
    if (out[name] !== undefined) return new S3Error('InvalidArgument', `Cannot specify more than one ${name} rule in a filter.`, { ArgumentName: 'FilterRule', ArgumentValue: name });
    if (value.length > 1024) return new S3Error('InvalidArgument', 'The filter rule value is too long.', { ArgumentName: 'FilterRule', ArgumentValue: name });
    out[name] = value;
  }
  return out;
}

/**
 * The concrete event types (no `*`) a configured list covers, as a bit mask over
 * NOTIFICATION_EVENT_TYPES: `s3:ObjectCreated:*` covers every `s3:ObjectCreated:…`. Two lists
 * share an event type exactly when their masks intersect.
 */
const CONCRETE_EVENT_TYPES = NOTIFICATION_EVENT_TYPES.filter((e) => !e.endsWith(':*'));
function concreteEventMask(events: readonly string[]): number {
  let mask = 0;
  CONCRETE_EVENT_TYPES.forEach((type, bit) => {
    if (events.some((e) => e === type || (e.endsWith(':*') && type.startsWith(e.slice(0, -1))))) mask |= 1 << bit;
  });
  return mask;
}

/**
 * "One starts with the other" for every pair of values, without comparing strings per pair (the
 * overlap check looks at half a million pairs of values up to 1,024 characters long for 1,000
 * configurations). In sorted order, the values starting with v are the run right after v: each
 * distinct value gets its rank and the rank of the last value of its run, so "b starts with a" is
 * `rank(a) ≤ rank(b) ≤ end(a)`. A stack of the values the current one starts with finds the runs
 * with O(n) comparisons.
 */
function startsWithRelation(values: ReadonlyArray<string | undefined>): (i: number, j: number) => boolean {
  const distinct = [...new Set(values.filter((v): v is string => v !== undefined))].sort();
  const end = distinct.map(() => distinct.length - 1);
  const stack: number[] = [];
  for (let i = 0; i < distinct.length; i++) {
    while (stack.length > 0 && !distinct[i]!.startsWith(distinct[stack[stack.length - 1]!]!)) end[stack.pop()!] = i - 1;
    stack.push(i);
  }
  const ranks = new Map(distinct.map((v, i) => [v, i]));
  const rank = values.map((v) => (v === undefined ? -1 : ranks.get(v)!));
  const within = (a: number, b: number): boolean => a <= b && b <= end[a]!;
  // Absent on either side: related (it matches every key).
  return (i, j) => rank[i]! < 0 || rank[j]! < 0 || within(rank[i]!, rank[j]!) || within(rank[j]!, rank[i]!);
}

const reversed = (s: string | undefined): string | undefined => (s === undefined ? undefined : s.split('').reverse().join(''));

/**
 * S3 refuses two configurations that could both match one event: they share an event type and
 * neither their prefixes (one starts with the other, or either is absent) nor their suffixes
 * (one ends with the other, or either is absent) tell them apart.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html
 * An empty prefix or suffix is treated as absent (it matches every key).
 */
function findOverlap(rules: readonly NotificationRule[]): S3Error | null {
  const masks = rules.map((r) => concreteEventMask(r.events));
  const prefixes = startsWithRelation(rules.map((r) => r.prefix || undefined));
  // "ends with" is "starts with" of the reversed strings (code unit by code unit, like endsWith).
  const suffixes = startsWithRelation(rules.map((r) => reversed(r.suffix || undefined)));
  for (let i = 0; i < rules.length; i++) {
    for (let j = i + 1; j < rules.length; j++) {
      const shared = masks[i]! & masks[j]!;
      if (shared === 0 || !prefixes(i, j) || !suffixes(i, j)) continue;
      const a = rules[i]!;
      return new S3Error('InvalidArgument', 'Configurations overlap. Configurations on the same bucket cannot share a common event type.', {
        ArgumentName: 'Event',
        ArgumentValue: a.events.find((x) => (concreteEventMask([x]) & shared) !== 0) ?? a.events[0]!,
      });
    }
  }
  return null;
}

/** The document GetBucketNotificationConfiguration answers with (and the form the origin stores). */
export function serializeNotificationConfiguration(config: NotificationConfiguration): string {
  let body = '';
  for (const kind of KINDS) {
    for (const r of config.rules) {
      if (r.kind !== kind) continue;
      let filter = '';
      if (r.prefix !== undefined || r.suffix !== undefined) {
        const rules =
          (r.prefix !== undefined ? `<FilterRule><Name>Prefix</Name><Value>${escapeXml(r.prefix)}</Value></FilterRule>` : '') +
          (r.suffix !== undefined ? `<FilterRule><Name>Suffix</Name><Value>${escapeXml(r.suffix)}</Value></FilterRule>` : '');
        filter = `<Filter><S3Key>${rules}</S3Key></Filter>`;
      }
      const events = r.events.map((e) => `<Event>${escapeXml(e)}</Event>`).join('');
      body += `<${kind}Configuration><Id>${escapeXml(r.id)}</Id><${kind}>${escapeXml(r.arn)}</${kind}>${events}${filter}</${kind}Configuration>`;
    }
  }
  return `${XML_DECLARATION}<NotificationConfiguration xmlns="${S3_XMLNS}">${body}</NotificationConfiguration>`;
}
