/**
 * What one outbox record holds: a message for one destination (ARN). The origin writes one record
 * per (event, matching configuration); the DeliveryMessage id is derived from where the record
 * sits (`<batch id>:<index>`), so a re-sent message after a crash has the id it had before.
 */
import type { DeliveryMessage } from '../types.js';

export interface OutboxRecord {
  arn: string;
  message: Omit<DeliveryMessage, 'id'>;
}

export function encodeOutboxRecord(record: OutboxRecord): string {
  return JSON.stringify(record);
}

/** null when the text is not a record (a batch written by something else: dead-lettered, never retried). */
export function decodeOutboxRecord(text: string): OutboxRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { arn, message } = value as Partial<OutboxRecord>;
  if (typeof arn !== 'string' || typeof message !== 'object' || message === null) return null;
  const m = message as Partial<DeliveryMessage>;
  if (typeof m.bucket !== 'string' || typeof m.key !== 'string' || typeof m.eventName !== 'string' || typeof m.eventTime !== 'string' || typeof m.body !== 'string') return null;
  return { arn, message: { bucket: m.bucket, key: m.key, eventName: m.eventName, eventTime: m.eventTime, body: m.body } };
}

export function messageId(batchId: string, index: number): string {
  return `${batchId}:${index}`;
}
