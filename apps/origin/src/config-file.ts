/**
 * `bucketfront origin --config FILE`: the origin's configuration file, JSON or YAML (by extension;
 * otherwise JSON first, then YAML). It holds two sections, `notifications`
 * (docs/notifications.md#the-origins-configuration) and `replication` (the engine's tuning,
 * docs/replication.md#tuning); every problem names its field, and an unknown field is an error
 * rather than a silently ignored setting.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { DestinationConfigError, parseDestinationsConfig } from '@bucketfront/notifications';
import { parse as parseYaml } from 'yaml';
import { deliveryPolicyOf, NotificationsConfigError, nodeIdOf, type NotificationsOptions } from './notifications/start-notifications.js';
import type { ReplicationOptions } from './replication/start-replication.js';

export interface OriginConfigFile {
  notifications?: NotificationsOptions;
  replication?: ReplicationOptions;
}

export class OriginConfigError extends Error {
  override name = 'OriginConfigError';
}

const NOTIFICATION_FIELDS = new Set(['destinations', 'nodeId', 'delivery', 'lanesPerDestination', 'maxMessagesPerDelivery', 'adoptAfterMs']);

export async function loadOriginConfigFile(path: string): Promise<OriginConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new OriginConfigError(`${path}: cannot read: ${(err as Error).message}`);
  }
  const config = parseOriginConfig(text, path);
  // A webhook's caFile is named relative to the configuration file.
  for (const d of config.notifications?.destinations ?? []) {
    const destination = d as { caFile?: string };
    if (typeof destination.caFile === 'string') destination.caFile = resolve(dirname(resolve(path)), destination.caFile);
  }
  return config;
}

export function parseOriginConfig(text: string, name = 'config'): OriginConfigFile {
  let raw: unknown;
  try {
    if (/\.json$/i.test(name)) raw = JSON.parse(text);
    else if (/\.ya?ml$/i.test(name)) raw = parseYaml(text);
    else {
      try {
        raw = JSON.parse(text);
      } catch {
        raw = parseYaml(text);
      }
    }
  } catch (err) {
    throw new OriginConfigError(`${name}: cannot parse: ${(err as Error).message}`);
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new OriginConfigError(`${name}: must be an object (a mapping of sections)`);
  const out: OriginConfigFile = {};
  for (const [field, value] of Object.entries(raw)) {
    if (field === 'notifications') out.notifications = notificationsSection(value, name);
    else if (field === 'replication') out.replication = replicationSection(value, name);
    else throw new OriginConfigError(`${name}: ${field}: is not a known field (known: notifications, replication)`);
  }
  return out;
}

function notificationsSection(value: unknown, name: string): NotificationsOptions {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new OriginConfigError(`${name}: notifications: must be an object`);
  const section = value as Record<string, unknown>;
  for (const field of Object.keys(section)) {
    if (!NOTIFICATION_FIELDS.has(field)) throw new OriginConfigError(`${name}: notifications.${field}: is not a known field`);
  }
  try {
    const out: NotificationsOptions = { destinations: parseDestinationsConfig(section.destinations) };
    if (section.nodeId !== undefined) {
      if (typeof section.nodeId !== 'string') throw new NotificationsConfigError('notifications.nodeId: must be a string');
      out.nodeId = nodeIdOf(section.nodeId);
    }
    if (section.delivery !== undefined) out.delivery = deliveryPolicyOf(section.delivery as NotificationsOptions['delivery']);
    if (section.adoptAfterMs !== undefined) {
      const n = section.adoptAfterMs;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new NotificationsConfigError('notifications.adoptAfterMs: must be a whole number of milliseconds (0: never adopt)');
      out.adoptAfterMs = n;
    }
    for (const field of ['lanesPerDestination', 'maxMessagesPerDelivery'] as const) {
      const n = section[field];
      if (n === undefined) continue;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1000) throw new NotificationsConfigError(`notifications.${field}: must be a whole number from 1 to 1000`);
      out[field] = n;
    }
    return out;
  } catch (err) {
    if (err instanceof DestinationConfigError) throw new OriginConfigError(`${name}: ${err.problems.join(`\n${name}: `)}`);
    if (err instanceof NotificationsConfigError) throw new OriginConfigError(`${name}: ${err.message}`);
    throw err;
  }
}

/** Whole-number fields of `replication:` and their bounds (docs/replication.md#tuning). */
const REPLICATION_NUMBERS = {
  concurrency: { min: 1, max: 256, what: 'a whole number from 1 to 256' },
  initialBackoffMs: { min: 1, max: 3_600_000, what: 'a whole number of milliseconds from 1 to 3600000' },
  maxBackoffMs: { min: 1, max: 3_600_000, what: 'a whole number of milliseconds from 1 to 3600000' },
  adoptAfterMs: { min: 0, max: Number.MAX_SAFE_INTEGER, what: 'a whole number of milliseconds (0: never adopt)' },
  backfillPageSize: { min: 1, max: 1000, what: 'a whole number from 1 to 1000' },
  backfillMaxQueued: { min: 1, max: 10_000_000, what: 'a whole number from 1 to 10000000' },
  readPageSize: { min: 1, max: 1000, what: 'a whole number from 1 to 1000' },
  maxRecordsInMemory: { min: 1, max: 10_000_000, what: 'a whole number from 1 to 10000000' },
} as const;

function replicationSection(value: unknown, name: string): ReplicationOptions {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new OriginConfigError(`${name}: replication: must be an object`);
  const out: ReplicationOptions = {};
  for (const [field, v] of Object.entries(value as Record<string, unknown>)) {
    if (field === 'nodeId') {
      if (typeof v !== 'string') throw new OriginConfigError(`${name}: replication.nodeId: must be a string`);
      try {
        out.nodeId = nodeIdOf(v);
      } catch (err) {
        throw new OriginConfigError(`${name}: replication.nodeId: ${(err as Error).message.replace(/^notifications\.nodeId: /, '')}`);
      }
      continue;
    }
    if (!Object.hasOwn(REPLICATION_NUMBERS, field)) {
      throw new OriginConfigError(`${name}: replication.${field}: is not a known field (known: nodeId, ${Object.keys(REPLICATION_NUMBERS).join(', ')})`);
    }
    const bound = REPLICATION_NUMBERS[field as keyof typeof REPLICATION_NUMBERS];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < bound.min || v > bound.max) throw new OriginConfigError(`${name}: replication.${field}: must be ${bound.what}`);
    out[field as keyof typeof REPLICATION_NUMBERS] = v;
  }
  if (out.initialBackoffMs !== undefined && out.maxBackoffMs !== undefined && out.initialBackoffMs > out.maxBackoffMs) {
    throw new OriginConfigError(`${name}: replication.initialBackoffMs (${out.initialBackoffMs}) must not exceed replication.maxBackoffMs (${out.maxBackoffMs})`);
  }
  return out;
}
