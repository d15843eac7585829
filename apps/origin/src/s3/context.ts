/** What every S3 handler receives, and what it returns. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { ObjectInfo, ObjectStore } from '@bucketfront/object-store';
import type { Owner, S3Error, S3Operation } from '@bucketfront/s3-protocol';
import type { SignedResult } from '@bucketfront/sigv4';
import type { ObjectEvent } from '@bucketfront/notifications';
import type { Notifier } from '../notifications/notifier.js';
import type { ReplicationService } from '../replication/service.js';
import type { UserDirectory } from '../users/directory.js';

export type RequestAuth = { kind: 'anonymous' } | SignedResult;

/**
 * Who is asking: anonymous, or the user an access key belongs to (canonical id and display name,
 * as S3's Owner element shows them). https://docs.aws.amazon.com/AmazonS3/latest/userguide/finding-canonical-user-id.html
 */
export type Caller = { kind: 'anonymous' } | { kind: 'user'; id: string; displayName: string; accessKeyId: string };

export interface S3Context<Op extends S3Operation = S3Operation> {
  req: IncomingMessage;
  res: ServerResponse;
  op: Op;
  auth: RequestAuth;
  /** The principal behind `auth` (anonymous for an unsigned request, and for a PostObject form until its policy is checked). */
  caller: Caller;
  store: ObjectStore;
  region: string;
  requestId: string;
  hostId: string;
  /** The first user: the owner of buckets whose owner was never recorded (bucket-owner.ts). */
  owner: Owner;
  /** Every user and access key (users/directory.ts): who a grant or a policy names (acl.ts, authorize.ts). */
  users: UserDirectory;
  /** `http://host` (`https://` on a TLS listener) as the client addressed us (for Location fields). */
  baseUrl: string;
  /** The client sent `Expect: 100-continue`; body readers answer it when they start reading. */
  expectContinue: boolean;
  /** Decoded request-body bytes, for the access log and metrics. */
  bytesIn: number;
  /** PutBucketWebsite accepts bucketfront's SPA-fallback rules (HttpRedirectCode 200). */
  allowSpaFallback: boolean;
  /** The secret of an access key id (PostObject verifies the form's own signature with it). */
  lookupSecret(accessKeyId: string): string | undefined;
  /** A request body slower than this is answered RequestTimeout (see body.ts). */
  minBodyRate: MinBodyRate;
  /**
   * Records an S3 event notification for a write that is durable, before the handler answers
   * (`principalId`, `sourceIp`, `requestId`, `hostId` are filled in from the request). Resolves
   * once the event is in the durable outbox, or at once when no configuration of the bucket
   * matches it. notifications/notifier.ts.
   */
  notify(event: Omit<ObjectEvent, 'principalId' | 'sourceIp' | 'requestId' | 'hostId'>): Promise<void>;
  /** The origin's event notifications (its destinations, the test event); null when none are configured. */
  notifications: Pick<Notifier, 'destinations' | 'testEvent'> | null;
  /** Cross-region replication (replication/service.ts); null when the store cannot keep remotes. */
  replication: ReplicationService | null;
  /**
   * The object (version) whose ACL the last authorization read (authorize.ts), null when there was
   * none; unset when no object's ACL had to be read. An in-place change is pinned to it.
   */
  checkedObject?: ObjectInfo | null;
}

/** At least `bytes` of request body in every `windowMs`. */
export interface MinBodyRate {
  bytes: number;
  windowMs: number;
}

/** Default: 8 KiB per 20 s (≈ 400 B/s): no real client is slower, a trickle cannot hold a socket. */
export const DEFAULT_MIN_BODY_RATE: MinBodyRate = { bytes: 8 * 1024, windowMs: 20_000 };

/** Headers as a flat `[name, value, name, value…]` list (what `res.writeHead` takes fastest). */
export type HeaderList = string[];

export interface S3Response {
  status: number;
  headers?: HeaderList;
  /** XML / text / bytes, or a stream piped to the client (never sent for HEAD). */
  body?: string | Buffer | Readable;
  /** Content-Length when `body` is a stream, or for HEAD (where no body is sent). */
  contentLength?: number;
  /** An error document to render (with the request ids) plus `headers` (e.g. 416's Content-Range). */
  error?: S3Error;
}

export type S3Handler<Op extends S3Operation = S3Operation> = (ctx: S3Context<Op>) => Promise<S3Response | S3Error>;

/** The operation with this name (members of the union may cover several names, e.g. BucketOperationName). */
export type OpOf<Name extends S3Operation['op']> = NarrowOp<S3Operation, Name>;
type NarrowOp<T, Name> = T extends { op: infer O } ? (Name extends O ? Omit<T, 'op'> & { op: Name } : never) : never;

export const XML_CONTENT_TYPE = 'application/xml';

export function xmlResponse(body: string, status = 200, headers: HeaderList = []): S3Response {
  return { status, headers: ['Content-Type', XML_CONTENT_TYPE, ...headers], body };
}

export function emptyResponse(status: number, headers: HeaderList = []): S3Response {
  return { status, headers };
}
