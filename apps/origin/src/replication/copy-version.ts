/**
 * Copies one source version (or delete marker) named by a replication record to its destination
 * origin (remote-client.ts), as a replica with the same version id (REPLICA_VERSION_HEADER).
 * The source is read through the store the handlers use, so SSE-S3 / SSE-KMS objects are
 * decrypted, and the destination is asked to encrypt the same way with its own keys. Objects over
 * 16 MiB go multipart, one ranged read of the source per 16 MiB part (bounded memory).
 * docs/replication.md#what-replicates.
 */
import type { Readable } from 'node:stream';
import { isStoreError, type ObjectInfo, type ObjectStore } from '@bucketfront/object-store';
import { openRemote, remoteErrorOf, type RemoteError, remoteRequest, RemoteUnavailable, type RemoteEndpoint, type RemoteResponse } from './remote-client.js';
import { REPLICA_SOURCE_TIME_HEADER, REPLICA_VERSION_HEADER, type ReplicationRecord } from './records.js';

/** Above this size a version is copied multipart, in parts of this size. */
export const MULTIPART_THRESHOLD_BYTES = 16 * 1024 * 1024;
export const PART_BYTES = 16 * 1024 * 1024;

export type CopyOutcome =
  /** The replica is on the destination. */
  | { kind: 'done' }
  /** The source version is gone (deleted by versionId meanwhile): nothing to copy. */
  | { kind: 'gone' }
  /** The version is already COMPLETED or FAILED: a record read again after a restart (delivery is at least once). */
  | { kind: 'settled' }
  /** Try again later (the destination is unreachable, busy or failing). */
  /**
   * Try again later. `region`: the destination as a whole is unreachable or pushing back (no
   * connection, 502/503/504, 429, SlowDown): the sender gates the region; otherwise only this
   * record backs off (a 500 for one key, an unexpected answer, a source-side failure).
   */
  | { kind: 'retry'; reason: string; region?: true }
  /** Never going to work: the version is marked FAILED. */
  | { kind: 'failed'; code: string; message: string };

/** Destination answers worth retrying: S3's 5xx (InternalError, 503 SlowDown…), 408 and 429. */
function outcomeOfRemoteError(err: RemoteError): CopyOutcome {
  // 501 NotImplemented does not pass with time (e.g. a destination over an S3 backend, which cannot
  // keep version ids): FAILED, as AWS SDKs do not retry it either
  // (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
  if (err.status === 501) return { kind: 'failed', code: err.code, message: err.message };
  const regionWide = err.status === 502 || err.status === 503 || err.status === 504 || err.status === 429 || err.code === 'SlowDown';
  if (regionWide) return { kind: 'retry', reason: `${err.status} ${err.code}`, region: true };
  if (err.status >= 500 || err.status === 408 || err.code === 'RequestTimeout') return { kind: 'retry', reason: `${err.status} ${err.code}` };
  return { kind: 'failed', code: err.code, message: err.message };
}

function isGone(err: unknown): boolean {
  return isStoreError(err, 'NoSuchVersion') || isStoreError(err, 'NoSuchKey') || isStoreError(err, 'NoSuchBucket');
}

/** The headers naming the replica: its version id and when the source wrote it (records.ts). */
function replicaOf(record: ReplicationRecord, sourceTime: Date | number): Record<string, string> {
  return { [REPLICA_VERSION_HEADER]: record.versionId, [REPLICA_SOURCE_TIME_HEADER]: String(Math.floor(Number(sourceTime))) };
}

/** The request headers that carry a version's metadata to its replica. */
export function replicaHeaders(info: ObjectInfo, record: ReplicationRecord): Record<string, string> {
  const md = info.metadata;
  const h: Record<string, string> = replicaOf(record, info.lastModified);
  if (md.contentType !== undefined) h['content-type'] = md.contentType;
  if (md.cacheControl !== undefined) h['cache-control'] = md.cacheControl;
  if (md.contentEncoding !== undefined) h['content-encoding'] = md.contentEncoding;
  if (md.contentDisposition !== undefined) h['content-disposition'] = md.contentDisposition;
  if (md.contentLanguage !== undefined) h['content-language'] = md.contentLanguage;
  if (md.expires !== undefined) h.expires = md.expires;
  if (md.websiteRedirectLocation !== undefined) h['x-amz-website-redirect-location'] = md.websiteRedirectLocation;
  for (const [name, value] of Object.entries(md.userMetadata)) h[`x-amz-meta-${name}`] = value;
  if (md.tagging !== undefined && md.tagging !== '') h['x-amz-tagging'] = md.tagging;
  // Only a canned ACL travels; explicit grants name users of this origin (docs/replication.md#deviations).
  if (md.acl !== undefined) h['x-amz-acl'] = md.acl;
  const storageClass = record.storageClass ?? md.storageClass;
  if (storageClass !== undefined) h['x-amz-storage-class'] = storageClass;
  // The destination encrypts the same way, with its own keys (an SSE-KMS replica gets its default key).
  const sse = md.encryption?.serverSideEncryption;
  if (sse !== undefined) h['x-amz-server-side-encryption'] = sse;
  return h;
}

async function answer(res: Promise<RemoteResponse>): Promise<RemoteResponse | CopyOutcome> {
  try {
    return await res;
  } catch (err) {
    if (err instanceof RemoteUnavailable) return { kind: 'retry', reason: err.message, region: true };
    throw err;
  }
}

function isOutcome(x: RemoteResponse | CopyOutcome): x is CopyOutcome {
  return 'kind' in x;
}

/** Copies the record's version; never throws for the destination's answers (a store failure does, and is retried). */
export async function copyVersion(store: ObjectStore, remote: RemoteEndpoint, record: ReplicationRecord): Promise<CopyOutcome> {
  return record.kind === 'deleteMarker' ? copyDeleteMarker(store, remote, record) : copyObject(store, remote, record);
}

async function copyDeleteMarker(store: ObjectStore, remote: RemoteEndpoint, r: ReplicationRecord): Promise<CopyOutcome> {
  // Reading a delete marker by its id is MethodNotAllowed: that is the proof it is still there.
  try {
    const info = await store.headObject(r.bucket, r.key, { versionId: r.versionId });
    if (info !== null) return { kind: 'gone' };
  } catch (err) {
    if (isGone(err)) return { kind: 'gone' };
    if (!isStoreError(err, 'MethodNotAllowed')) throw err;
  }
  // Reading a delete marker is MethodNotAllowed: its time comes with its record (a record older than markerTime: when it was queued).
  const res = await answer(remoteRequest(remote, { method: 'DELETE', bucket: r.destinationBucket, key: r.key, headers: replicaOf(r, r.markerTime ?? r.enqueuedAt) }));
  if (isOutcome(res)) return res;
  return res.status === 204 || res.status === 200 ? { kind: 'done' } : outcomeOfRemoteError(remoteErrorOf(res));
}

async function copyObject(store: ObjectStore, remote: RemoteEndpoint, r: ReplicationRecord): Promise<CopyOutcome> {
  let info: ObjectInfo | null;
  try {
    info = await store.headObject(r.bucket, r.key, { versionId: r.versionId });
  } catch (err) {
    if (isGone(err) || isStoreError(err, 'MethodNotAllowed')) return { kind: 'gone' };
    throw err;
  }
  if (info === null) return { kind: 'gone' };
  // A record whose batch was not removed before a crash: its copy is done, nothing goes over the wire again.
  const status = info.metadata.replicationStatus;
  if (status === 'COMPLETED' || status === 'FAILED') return { kind: 'settled' };
  // The origin cannot read an SSE-C object without the customer's key: FAILED, never retried
  // (docs/replication.md#what-replicates).
  if (info.metadata.encryption?.customerAlgorithm !== undefined) {
    return { kind: 'failed', code: 'SSECustomerKeyRequired', message: 'objects encrypted with SSE-C are not replicated' };
  }
  const headers = replicaHeaders(info, r);
  if (info.size <= MULTIPART_THRESHOLD_BYTES) {
    const body = await openSource(store, r, undefined);
    if (body === null) return { kind: 'gone' };
    const res = await answer(remoteRequest(remote, { method: 'PUT', bucket: r.destinationBucket, key: r.key, headers, body, contentLength: info.size }).finally(() => body.destroy()));
    if (isOutcome(res)) return res;
    return res.status === 200 ? { kind: 'done' } : outcomeOfRemoteError(remoteErrorOf(res));
  }
  return copyMultipart(store, remote, r, info, headers);
}

async function openSource(store: ObjectStore, r: ReplicationRecord, range: { start: number; end: number } | undefined): Promise<Readable | null> {
  try {
    const got = await store.getObject(r.bucket, r.key, range, { versionId: r.versionId });
    return got === null ? null : got.body;
  } catch (err) {
    if (isGone(err) || isStoreError(err, 'MethodNotAllowed')) return null;
    throw err;
  }
}

/** CreateMultipartUpload, one UploadPart per 16 MiB (a ranged read each), CompleteMultipartUpload; aborted on failure. */
async function copyMultipart(store: ObjectStore, remote: RemoteEndpoint, r: ReplicationRecord, info: ObjectInfo, headers: Record<string, string>): Promise<CopyOutcome> {
  const size = info.size;
  const target = { bucket: r.destinationBucket, key: r.key };
  const created = await answer(remoteRequest(remote, { method: 'POST', ...target, query: 'uploads', headers }));
  if (isOutcome(created)) return created;
  if (created.status !== 200) return outcomeOfRemoteError(remoteErrorOf(created));
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.body.toString('utf8'))?.[1];
  if (uploadId === undefined) return { kind: 'retry', reason: 'CreateMultipartUpload answered no UploadId' };
  const upload = `uploadId=${encodeURIComponent(uploadId)}`;
  let finished = false;
  try {
    const etags: string[] = [];
    for (let start = 0, n = 1; start < size; start += PART_BYTES, n++) {
      const end = Math.min(size, start + PART_BYTES) - 1;
      const body = await openSource(store, r, { start, end });
      if (body === null) return { kind: 'gone' };
      const res = await answer(
        (async () => {
          try {
            const stream = await openRemote(remote, { method: 'PUT', ...target, query: `partNumber=${n}&${upload}`, body, contentLength: end - start + 1 });
            // The answer of a part is small (its ETag is a header); read and drop the body.
            const chunks: Buffer[] = [];
            for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
            return { status: stream.statusCode ?? 0, headers: stream.headers, body: Buffer.concat(chunks) };
          } finally {
            body.destroy();
          }
        })(),
      );
      if (isOutcome(res)) return res;
      if (res.status !== 200) return outcomeOfRemoteError(remoteErrorOf(res));
      const etag = res.headers.etag;
      if (typeof etag !== 'string') return { kind: 'retry', reason: `UploadPart ${n} answered no ETag` };
      etags.push(etag);
    }
    const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
    const done = await answer(remoteRequest(remote, { method: 'POST', ...target, query: upload, headers: replicaOf(r, info.lastModified), body: Buffer.from(xml) }));
    if (isOutcome(done)) return done;
    // S3 may answer 200 with an error document once it has started sending (API_CompleteMultipartUpload).
    if (done.status !== 200 || done.body.includes('<Error>')) return outcomeOfRemoteError(remoteErrorOf(done.status === 200 ? { ...done, status: 500 } : done));
    finished = true;
    return { kind: 'done' };
  } finally {
    if (!finished) await remoteRequest(remote, { method: 'DELETE', ...target, query: upload }).catch(() => {});
  }
}
