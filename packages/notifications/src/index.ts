export type { DeliveryMessage, Destination, DestinationType, ObjectEvent, S3EventName, S3EventRecord, S3TestEvent } from './types.js';

export {
  createDestination,
  parseDestinationsConfig,
  DestinationConfigError,
  DestinationTimeoutError,
  DESTINATION_ARN,
  DEFAULT_TIMEOUT_MS,
  type DestinationConfig,
} from './destinations/index.js';
