export { OutboxSender, DEAD_LETTER_PARTITION, type DeadLetterRecord, type SenderOptions, type SenderOutbox } from './sender.js';
export { DEFAULT_DELIVERY_POLICY, backoffMs, type DeliveryPolicy } from './backoff.js';
export { encodeOutboxRecord, decodeOutboxRecord, messageId, type OutboxRecord } from './outbox-record.js';
