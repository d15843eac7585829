export type { DeliveryMessage, Destination, DestinationType, ObjectEvent, S3EventName, S3EventRecord, S3TestEvent } from './types.js';
