/**
 * S3 event records as AWS shapes them (eventVersion 2.1):
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
 * and the test event S3 sends when a configuration is stored.
 */
import type { ObjectEvent, S3EventRecord, S3TestEvent } from './types.js';

/**
 * The object key as S3 writes it into an event record: form-encoded
 * (application/x-www-form-urlencoded: a space is `+`, a `+` is `%2B`, UTF-8 bytes as `%XX`),
 * except `/`, which S3 leaves as is. Unreserved: letters, digits, `-`, `_`, `.`, `*`.
 * https://url.spec.whatwg.org/#application-x-www-form-urlencoded-percent-encode-set
 */
export function encodeEventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/');
}

/** The inverse of {@link encodeEventKey} (what a consumer does: `+` is a space). */
export function decodeEventKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, '%20'));
}

let lastMs = 0;
let counter = 0;

/**
 * The `sequencer`: 18 hex digits, the event's time in ms (12) then a counter within that ms (6).
 * Successive events of this process compare in order as strings (the clock is never allowed to go
 * back below the last value); across nodes the time orders them as far as the clocks agree.
 * AWS: "a greater hex value indicates that the event came later" for one key (same width compared).
 */
export function nextSequencer(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else if (++counter > 0xffffff) {
    lastMs++;
    counter = 0;
  }
  return `${lastMs.toString(16).toUpperCase().padStart(12, '0')}${counter.toString(16).toUpperCase().padStart(6, '0')}`;
}

export interface RecordContext {
  region: string;
  /** The bucket owner's canonical id (ownerIdentity.principalId). */
  ownerId: string;
  /** The matching configuration's Id. */
  configurationId: string;
  /** ISO-8601 time with ms. */
  eventTime: string;
  sequencer: string;
}

export function buildEventRecord(event: ObjectEvent, ctx: RecordContext): S3EventRecord {
  // Fields in AWS's order: key, size, eTag, versionId, sequencer.
  const object = { key: encodeEventKey(event.key) } as S3EventRecord['s3']['object'];
  // ObjectRemoved records carry no size or eTag (AWS's example of a delete has neither).
  if (event.eventName.startsWith('ObjectCreated:')) {
    if (event.size !== undefined) object.size = event.size;
    if (event.eTag !== undefined) object.eTag = event.eTag.replace(/^"|"$/g, '');
  }
  if (event.versionId !== undefined) object.versionId = event.versionId;
  object.sequencer = ctx.sequencer;
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: ctx.region,
    eventTime: ctx.eventTime,
    eventName: event.eventName,
    userIdentity: { principalId: event.principalId },
    requestParameters: { sourceIPAddress: event.sourceIp },
    responseElements: { 'x-amz-request-id': event.requestId, 'x-amz-id-2': event.hostId },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: ctx.configurationId,
      bucket: { name: event.bucket, ownerIdentity: { principalId: ctx.ownerId }, arn: `arn:aws:s3:::${event.bucket}` },
      object,
    },
  };
}

export function buildTestEvent(bucket: string, time: string, requestId: string, hostId: string): S3TestEvent {
  return { Service: 'Amazon S3', Event: 's3:TestEvent', Time: time, Bucket: bucket, RequestId: requestId, HostId: hostId };
}
