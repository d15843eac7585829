/**
 * The seams of event notifications, shared by the origin (which records events), the sender
 * (which delivers them) and the destinations (which talk to one broker each).
 */

/** S3 event names (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html), without the `s3:` prefix. */
export type S3EventName = 'ObjectCreated:Put' | 'ObjectCreated:Post' | 'ObjectCreated:Copy' | 'ObjectCreated:CompleteMultipartUpload' | 'ObjectRemoved:Delete' | 'ObjectRemoved:DeleteMarkerCreated';

/** What a write handler reports once the write is durable (before it answers the client). */
export interface ObjectEvent {
  eventName: S3EventName;
  bucket: string;
  key: string;
  /** ObjectCreated: the object's size and ETag (without quotes, as AWS sends it). */
  size?: number;
  eTag?: string;
  versionId?: string;
  /** Who and from where (userIdentity.principalId, requestParameters.sourceIPAddress). */
  principalId: string;
  sourceIp: string;
  requestId: string;
  hostId: string;
}

/**
 * One S3 event record, exactly as AWS shapes it (eventVersion 2.1):
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 */
export interface S3EventRecord {
  eventVersion: '2.1';
  eventSource: 'aws:s3';
  awsRegion: string;
  /** ISO-8601 UTC with milliseconds. */
  eventTime: string;
  eventName: S3EventName;
  userIdentity: { principalId: string };
  requestParameters: { sourceIPAddress: string };
  responseElements: { 'x-amz-request-id': string; 'x-amz-id-2': string };
  s3: {
    s3SchemaVersion: '1.0';
    configurationId: string;
    bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
    /** `key` is URL-encoded as AWS does (spaces as `+`). size/eTag are absent on ObjectRemoved. */
    object: { key: string; size?: number; eTag?: string; versionId?: string; sequencer: string };
  };
}

/** What S3 sends to a destination when a notification configuration is stored. */
export interface S3TestEvent {
  Service: 'Amazon S3';
  Event: 's3:TestEvent';
  Time: string;
  Bucket: string;
  RequestId: string;
  HostId: string;
}

export type DestinationType = 'webhook' | 'amqp' | 'nats' | 'mqtt' | 'redis' | 'postgres';

/** One message handed to a destination: one event (or a test event), already serialised. */
export interface DeliveryMessage {
  /** Stable across retries and restarts (outbox batch id + index): a duplicate after a fault has the same id. */
  id: string;
  bucket: string;
  /** The object key, decoded (per-key order, the PostgreSQL "namespace" format's row key); '' for a test event. */
  key: string;
  /** `ObjectCreated:Put`… or `TestEvent`. */
  eventName: S3EventName | 'TestEvent';
  /** ISO-8601 time of the event. */
  eventTime: string;
  /** The message body: `{"Records":[record]}` for an event (as SQS/SNS/Lambda receive it), the test event's JSON for a test. */
  body: string;
}

/** A configured destination: one broker connection, opened lazily and re-opened after a failure. */
export interface Destination {
  readonly arn: string;
  readonly type: DestinationType;
  /**
   * Delivers `messages` in order and resolves only once the broker acknowledged every one
   * (AMQP publisher confirm, JetStream ack, MQTT PUBACK, XADD reply, COMMIT, HTTP 2xx).
   * Rejects when any was not acknowledged; the caller retries the whole list (duplicates allowed).
   * Never hangs: bounded by the destination's timeout.
   */
  deliver(messages: DeliveryMessage[]): Promise<void>;
  close(): Promise<void>;
}
