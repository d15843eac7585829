import type { DeliveryMessage } from '@bucketfront/notifications';

/** `count` distinct event messages for bucket `bucket` (keys `k/00000`…), ids `<batch>-<index>`. */
export function makeMessages(count: number, batch = 'b1', bucket = 'photos'): DeliveryMessage[] {
  return Array.from({ length: count }, (_, i) => {
    const key = `k/${String(i).padStart(5, '0')}`;
    const eventTime = new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i)).toISOString();
    const record = { eventVersion: '2.1', eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', eventTime, s3: { bucket: { name: bucket }, object: { key, size: i } } };
    return { id: `${batch}-${i}`, bucket, key, eventName: 'ObjectCreated:Put' as const, eventTime, body: JSON.stringify({ Records: [record] }) };
  });
}

/** The ids in `received`, checked to be exactly `sent`'s ids in order (no loss, no duplicate). */
export function idsOf(messages: DeliveryMessage[]): string[] {
  return messages.map((m) => m.id);
}
