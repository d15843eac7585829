/**
 * What bucketfront keeps about buckets, uploads and itself, stored in the
 * cluster (never on local disk) in one backend bucket, the system bucket
 * (`<bucketPrefix>bucketfront-system` by default), created on first write:
 *
 *   buckets/<name>/bucket.json     {"region","acl","created"} (absent for adopted buckets)
 *   buckets/<name>/website         opaque bucket configuration documents
 *   buckets/<name>/policy          (one per BucketConfigKind)
 *   buckets/<name>/encryption
 *   buckets/<name>/notification
 *   system/<name>                  SystemDocuments (e.g. the origin's credentials)
 *   probe/payload-sha256           the start-up probe of payload-hash checking (payloadHashRefusal),
 *                                  removed again when it is done
 *   outbox/<partition>/<batch-id>  the event outbox (outbox.ts)
 *   uploads/<bucket>/<uploadId>/upload.<c>              the checksum a multipart upload announced
 *   uploads/<bucket>/<uploadId>/part.<nnnnn>.<etag>.<c> a part's verified checksum
 *   replication-status/<bucket>/<sha256(key)>/<versionId>  a version's replication status since it
 *                                  was written PENDING (replication-status.ts)
 *
 * `<c>` is the checksum (`ALGORITHM:F|C|-:value`) in base64url. Upload
 * entries are empty objects whose names carry everything, so one listing
 * reads all of an upload's checksums.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { KeyedMutex } from '../keyed-mutex.js';
import { BUCKET_CONFIG_KINDS, StoreError, type BucketConfigKind, type BucketConfigs, type CannedAcl, type StoredChecksum } from '../types.js';
import { BackendError, isBackendError, isPayloadHashRefusal } from './errors.js';
import { drain, readBody, type BackendClient, type RequestSpec } from './http-client.js';
import { decodeChecksum, encodeChecksum } from './metadata.js';
import { createBucketConfiguration, deleteObjectsRequest, normalizeEtag, parseDeleteResult, parseListObjectsV2, type ListedObject } from './xml.js';

export interface BucketRecord {
  region: string;
  acl: CannedAcl;
  /** Creation time, ms since the epoch. */
  created: number;
}

export interface UploadChecksums {
  /** The checksum announced at CreateMultipartUpload, if any. */
  announced?: StoredChecksum;
  /** `<partNumber>:<etag without quotes>` → the part's checksum. */
  parts: Map<string, StoredChecksum>;
}

const DOCUMENT_MAX_BYTES = 16 * 1024 * 1024;

const b64url = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');
const fromB64url = (s: string): string => Buffer.from(s, 'base64url').toString('utf8');
const bareEtag = (etag: string): string => etag.replace(/^"|"$/g, '');

export function partChecksumKey(partNumber: number, etag: string): string {
  return `${partNumber}:${bareEtag(etag)}`;
}

export class SystemBucket {
  private ready: Promise<void> | undefined;
  /** Last document read per key, so an unchanged document is the same string instance (If-None-Match). */
  private readonly cached = new Map<string, { etag: string; text: string }>();
  private readonly locks = new KeyedMutex();

  constructor(
    private readonly client: BackendClient,
    /** Backend name of the system bucket. */
    readonly name: string,
    private readonly region: string,
  ) {}

  // ---------------------------------------------------------------- the bucket itself

  /** Creates the system bucket unless it exists (once per process, again if it disappears). */
  private ensure(): Promise<void> {
    this.ready ??= (async () => {
      const head = await this.client.request({ method: 'HEAD', bucket: this.name, accept: [404] });
      await drain(head);
      if (head.statusCode !== 404) return;
      try {
        const body = this.region === 'us-east-1' ? undefined : createBucketConfiguration(this.region);
        await drain(await this.client.request({ method: 'PUT', bucket: this.name, idempotent: true, ...(body !== undefined ? { body } : {}) }));
      } catch (err) {
        if (!isBackendError(err, 'BucketAlreadyOwnedByYou')) throw err;
      }
    })();
    this.ready.catch(() => (this.ready = undefined));
    return this.ready;
  }

  /** Runs a write; if the system bucket vanished, creates it again and repeats once. */
  /** A request for the document at `key` in the system bucket. */
  private document(method: RequestSpec['method'], key: string, spec: Omit<RequestSpec, 'method' | 'bucket' | 'key'> = {}): Promise<IncomingMessage> {
    return this.client.request({ method, bucket: this.name, key, ...spec });
  }

  private async writing<T>(fn: () => Promise<T>): Promise<T> {
    await this.ensure();
    try {
      return await fn();
    } catch (err) {
      if (!isBackendError(err, 'NoSuchBucket')) throw err;
      this.ready = undefined;
      await this.ensure();
      return fn();
    }
  }

  // ---------------------------------------------------------------- documents

  /** The document at `key`, or null (also when the system bucket does not exist yet). */
  async get(key: string): Promise<string | null> {
    const known = this.cached.get(key);
    let res: IncomingMessage;
    try {
      res = await this.document('GET', key, { accept: [304], ...(known !== undefined ? { headers: { 'if-none-match': known.etag } } : {}) });
    } catch (err) {
      if (isBackendError(err, 'NoSuchKey') || isBackendError(err, 'NoSuchBucket')) {
        this.cached.delete(key);
        return null;
      }
      throw err;
    }
    if (res.statusCode === 304 && known !== undefined) {
      await drain(res);
      return known.text;
    }
    const text = (await readBody(res, DOCUMENT_MAX_BYTES)).toString('utf8');
    const etag = res.headers.etag;
    if (typeof etag === 'string' && etag !== '') {
      const previous = this.cached.get(key);
      // Same ETag as before (e.g. a 200 to a request sent without If-None-Match): keep the known instance.
      if (previous !== undefined && previous.etag === etag && previous.text === text) return previous.text;
      this.cached.set(key, { etag, text });
    }
    return text;
  }

  /**
   * The document at `key`, or null, read without the If-None-Match cache: for the many small
   * documents read once or twice (replication statuses), which the cache would keep forever.
   */
  async getUncached(key: string): Promise<string | null> {
    try {
      return (await readBody(await this.document('GET', key), DOCUMENT_MAX_BYTES)).toString('utf8');
    } catch (err) {
      if (isBackendError(err, 'NoSuchKey') || isBackendError(err, 'NoSuchBucket')) return null;
      throw err;
    }
  }

  /** Stores `text` at `key` (durable when the backend acknowledges). */
  async put(key: string, text: string): Promise<void> {
    await this.writing(async () => {
      await drain(await this.document('PUT', key, { body: text, idempotent: true }));
    });
  }

  /**
   * Stores `text` at `key` unless something is there; resolves to what is
   * stored (read back after the write). `If-None-Match: *` makes it atomic on
   * backends that implement it atomically (AWS S3, radosgw); elsewhere (a
   * backend that ignores it or checks before writing, as bucketfront's origin
   * does) a GET goes first, serialized in this process — two processes
   * racing there may both store, and each then returns what it reads back.
   */
  async create(key: string, text: string): Promise<string> {
    return this.locks.run(key, async () => {
      const existing = await this.get(key);
      if (existing !== null) return existing;
      await this.writing(async () => {
        let res: IncomingMessage;
        try {
          res = await this.document('PUT', key, { body: text, headers: { 'if-none-match': '*' }, accept: [412], idempotent: true });
        } catch (err) {
          // A backend without conditional writes answers 501 to If-None-Match: write plainly. The
          // per-key lock keeps create-if-absent exact within this process; across nodes the read-back
          // below settles on whichever write landed last (docs: packages/object-store/README.md).
          if (!isBackendError(err, 'NotImplemented')) throw err;
          res = await this.document('PUT', key, { body: text, idempotent: true });
        }
        await drain(res); // 412: someone was first
      });
      // Read back either way: on a backend whose If-None-Match is not atomic (bucketfront's own origin
      // checks before it writes), a racing node's write may have landed last; this narrows that window.
      return (await this.get(key)) ?? text;
    });
  }

  /** Idempotent. */
  async delete(key: string): Promise<void> {
    this.cached.delete(key);
    try {
      await drain(await this.document('DELETE', key));
    } catch (err) {
      if (!isBackendError(err, 'NoSuchBucket') && !isBackendError(err, 'NoSuchKey')) throw err;
    }
  }

  /**
   * How the backend refuses a streamed body that is not the one whose SHA-256 signed the request
   * (isPayloadHashRefusal), or null when it stored the body anyway (a backend, or a re-signing
   * gateway before it, that does not check). First the same PUT with the right body must succeed,
   * so a refusal for any other reason cannot pass for a check. Anything inconclusive (the control
   * PUT failing, e.g. read-only keys; another error) rejects. The probe object is removed.
   */
  async payloadHashRefusal(): Promise<BackendError | null> {
    const key = 'probe/payload-sha256';
    const signed = Buffer.alloc(64 * 1024, 's');
    const other = Buffer.alloc(64 * 1024, 'o');
    const spec: RequestSpec = { method: 'PUT', bucket: this.name, key, payloadSha256: createHash('sha256').update(signed).digest('hex') };
    return this.writing(async () => {
      try {
        await drain(await this.client.stream(spec, Readable.from([signed]), signed.length)); // the control
        try {
          await drain(await this.client.stream(spec, Readable.from([other]), other.length));
        } catch (err) {
          if (isPayloadHashRefusal(err)) return err;
          throw err;
        }
        return null;
      } finally {
        await this.delete(key).catch(() => {}); // e.g. read-only keys: the PUT's own error says why
      }
    });
  }

  /** Every key under `prefix` (all pages). */
  async list(prefix: string): Promise<string[]> {
    return (await this.listed(prefix)).map((o) => o.key);
  }

  /** Every object under `prefix` with its ETag (all pages); none when the system bucket does not exist yet. */
  private async listed(prefix: string): Promise<ListedObject[]> {
    const out: ListedObject[] = [];
    let startAfter: string | undefined;
    for (;;) {
      let body: Buffer;
      try {
        ({ body } = await this.client.requestBody({
          method: 'GET',
          bucket: this.name,
          query: [['list-type', '2'], ['prefix', prefix], ['encoding-type', 'url'], ...(startAfter !== undefined ? ([['start-after', startAfter]] as [string, string][]) : [])],
        }));
      } catch (err) {
        if (isBackendError(err, 'NoSuchBucket')) return out;
        throw err;
      }
      const page = parseListObjectsV2(body);
      out.push(...page.objects);
      if (!page.isTruncated || page.objects.length === 0) return out;
      startAfter = page.objects[page.objects.length - 1]!.key;
    }
  }

  /** Deletes `keys` (DeleteObjects, 1000 at a time). */
  async deleteAll(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      for (const k of batch) this.cached.delete(k);
      const body = deleteObjectsRequest(batch);
      const md5 = createHash('md5').update(body).digest('base64');
      try {
        const res = await this.client.requestBody({
          method: 'POST',
          bucket: this.name,
          query: [['delete', undefined]],
          headers: { 'content-md5': md5, 'content-type': 'application/xml' },
          body,
          idempotent: true,
        });
        const failed = parseDeleteResult(res.body).filter((f) => f.code !== 'NoSuchKey');
        if (failed.length > 0) throw new BackendError(500, failed[0]!.code, `Could not delete ${failed[0]!.key} from the system bucket`);
      } catch (err) {
        if (isBackendError(err, 'NoSuchBucket')) return;
        throw err;
      }
    }
  }

  // ---------------------------------------------------------------- buckets

  private bucketKey(bucket: string, doc: 'bucket.json' | BucketConfigKind | ''): string {
    return `buckets/${bucket}/${doc}`;
  }

  async getRecord(bucket: string): Promise<BucketRecord | null> {
    const text = await this.get(this.bucketKey(bucket, 'bucket.json'));
    if (text === null) return null;
    try {
      const doc = JSON.parse(text) as Partial<BucketRecord>;
      if (typeof doc.region === 'string' && typeof doc.acl === 'string' && typeof doc.created === 'number') {
        return { region: doc.region, acl: doc.acl, created: doc.created };
      }
    } catch {
      // fall through
    }
    throw new StoreError('InternalError', `Unreadable bucket record ${this.bucketKey(bucket, 'bucket.json')} in ${this.name}`);
  }

  putRecord(bucket: string, record: BucketRecord): Promise<void> {
    return this.put(this.bucketKey(bucket, 'bucket.json'), JSON.stringify(record));
  }

  getConfig(bucket: string, kind: BucketConfigKind): Promise<string | null> {
    return this.get(this.bucketKey(bucket, kind));
  }

  /**
   * All of `bucket`'s configuration documents in one listing of buckets/<bucket>/: a document
   * already read at the ETag listed is not read again, others are (the listing only ever
   * shows documents that exist, so an unset kind costs nothing).
   */
  async getConfigs(bucket: string): Promise<BucketConfigs> {
    const kinds = new Map<string, BucketConfigKind>(BUCKET_CONFIG_KINDS.map((k) => [this.bucketKey(bucket, k), k]));
    const out: BucketConfigs = {};
    const listed = (await this.listed(this.bucketKey(bucket, ''))).filter((o) => kinds.has(o.key));
    const present = new Set(listed.map((o) => o.key));
    for (const key of kinds.keys()) if (!present.has(key)) this.cached.delete(key); // deleted through another node
    await Promise.all(
      listed.map(async (o) => {
        const known = this.cached.get(o.key);
        const text = known !== undefined && normalizeEtag(known.etag) === o.etag ? known.text : await this.get(o.key);
        if (text !== null) out[kinds.get(o.key)!] = text;
      }),
    );
    return out;
  }

  putConfig(bucket: string, kind: BucketConfigKind, document: string | null): Promise<void> {
    const key = this.bucketKey(bucket, kind);
    return document === null ? this.delete(key) : this.put(key, document);
  }

  /** Removes a bucket's record and configuration documents. */
  async clearBucket(bucket: string): Promise<void> {
    await Promise.all([...BUCKET_CONFIG_KINDS, 'bucket.json' as const].map((doc) => this.delete(this.bucketKey(bucket, doc))));
  }

  // ---------------------------------------------------------------- multipart uploads

  private uploadPrefix(bucket: string, uploadId: string): string {
    return `uploads/${bucket}/${encodeURIComponent(uploadId)}/`;
  }

  async putAnnounced(bucket: string, uploadId: string, checksum: StoredChecksum): Promise<void> {
    await this.put(`${this.uploadPrefix(bucket, uploadId)}upload.${b64url(encodeChecksum(checksum))}`, '');
  }

  async putPartChecksum(bucket: string, uploadId: string, partNumber: number, etag: string, checksum: StoredChecksum): Promise<void> {
    const n = String(partNumber).padStart(5, '0');
    await this.put(`${this.uploadPrefix(bucket, uploadId)}part.${n}.${b64url(bareEtag(etag))}.${b64url(encodeChecksum(checksum))}`, '');
  }

  async uploadChecksums(bucket: string, uploadId: string): Promise<UploadChecksums> {
    const prefix = this.uploadPrefix(bucket, uploadId);
    const out: UploadChecksums = { parts: new Map() };
    for (const key of await this.list(prefix)) {
      const name = key.slice(prefix.length).split('.');
      if (name[0] === 'upload' && name.length === 2) {
        const c = decodeChecksum(fromB64url(name[1]!));
        if (c !== undefined) out.announced = c;
      } else if (name[0] === 'part' && name.length === 4) {
        const c = decodeChecksum(fromB64url(name[3]!));
        if (c !== undefined) out.parts.set(`${Number(name[1])}:${fromB64url(name[2]!)}`, c);
      }
    }
    return out;
  }

  /** Best effort: an upload's entries once it is completed or aborted. */
  async clearUpload(bucket: string, uploadId: string): Promise<void> {
    const keys = await this.list(this.uploadPrefix(bucket, uploadId));
    if (keys.length > 0) await this.deleteAll(keys);
  }

  // ---------------------------------------------------------------- system documents

  getSystemDocument(name: string): Promise<string | null> {
    return this.get(`system/${name}`);
  }

  createSystemDocument(name: string, doc: string): Promise<string> {
    return this.create(`system/${name}`, doc);
  }

  /** Not part of SystemDocuments (create-only): for the store's own marks (replication-status.ts). */
  removeSystemDocument(name: string): Promise<void> {
    return this.delete(`system/${name}`);
  }
}
