export type { DeliveryMessage, Destination, DestinationType, ObjectEvent, S3EventName, S3EventRecord, S3TestEvent } from './types.js';

// Event records, matching and the outbox sender (the core; docs/notifications.md).
export { buildEventRecord, buildTestEvent, encodeEventKey, decodeEventKey, nextSequencer, type RecordContext } from './event-record.js';
export { eventMatches, ruleMatches, matchingRules, type NotificationRuleLike } from './matching.js';
export * from './sender/index.js';

export {
  createDestination,
  parseDestinationsConfig,
  DestinationConfigError,
  DestinationTimeoutError,
  DESTINATION_ARN,
  DEFAULT_TIMEOUT_MS,
  type DestinationConfig,
} from './destinations/index.js';
