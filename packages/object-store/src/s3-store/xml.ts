/**
 * The few S3 XML documents the driver reads and writes.
 *
 * Parsing reuses @bucketfront/s3-protocol's hardened tree parser (size bound,
 * no DOCTYPE / entities, well-formedness check); the readers here are lenient
 * about elements backends omit (Owner, StorageClass…) and strict about those
 * we need. Listings are requested with `encoding-type=url`, so keys with
 * characters XML cannot carry (or normalises, such as CR) round-trip.
 */
import { escapeXml } from '@bucketfront/http-basics';
import { parseXmlTree, textOf, S3Error } from '@bucketfront/s3-protocol';
import { StoreError } from '../types.js';
import { BackendError } from './errors.js';

type Node = Record<string, unknown>;

/** Backend documents can be large (a 1000-key listing of 1 KiB keys URL-encoded is ~4 MB). */
const MAX_DOCUMENT_BYTES = 32 * 1024 * 1024;

function malformed(what: string): StoreError {
  return new StoreError('InternalError', `The storage backend sent a malformed ${what} document`);
}

/** Parses `xml` and returns its root element, which must be `root`. */
export function parseDocument(xml: Buffer | string, root: string): Node {
  const tree = parseXmlTree(xml, MAX_DOCUMENT_BYTES);
  if (tree instanceof S3Error) throw malformed(root);
  const node = tree[root];
  if (node === undefined) {
    // A 200 answer may carry an error (CompleteMultipartUpload, CopyObject).
    const err = tree.Error;
    if (err !== undefined) throw errorFromNode(err, 200);
    throw malformed(root);
  }
  return asNode(node);
}

function asNode(v: unknown): Node {
  if (v === '' || v === undefined || v === null) return {};
  if (typeof v === 'object' && !Array.isArray(v)) return v as Node;
  return {};
}

/** The child elements named `name` (zero or more). */
function all(node: Node, name: string): unknown[] {
  const v = node[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function text(node: Node, name: string): string | undefined {
  const v = node[name];
  if (v === undefined) return undefined;
  const t = textOf(Array.isArray(v) ? v[0] : v);
  return t === null ? undefined : t;
}

function required(node: Node, name: string, doc: string): string {
  const t = text(node, name);
  if (t === undefined) throw malformed(doc);
  return t;
}

function int(node: Node, name: string, doc: string): number {
  const t = required(node, name, doc).trim();
  if (!/^\d{1,15}$/.test(t)) throw malformed(doc);
  return Number(t);
}

function optionalInt(node: Node, name: string): number | undefined {
  const t = text(node, name)?.trim();
  return t !== undefined && /^\d{1,15}$/.test(t) ? Number(t) : undefined;
}

function bool(node: Node, name: string): boolean {
  return text(node, name)?.trim().toLowerCase() === 'true';
}

function date(node: Node, name: string, doc: string): Date {
  const d = new Date(required(node, name, doc).trim());
  if (Number.isNaN(d.getTime())) throw malformed(doc);
  return d;
}

/** `encoding-type=url` values: percent-encoded UTF-8, `+` for a space (as AWS sends them). */
export function urlDecode(value: string, doc: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw malformed(doc);
  }
}

// ---------------------------------------------------------------- errors

function errorFromNode(node: unknown, status: number): BackendError {
  const n = asNode(node);
  return new BackendError(status, text(n, 'Code') ?? 'UnknownError', text(n, 'Message') ?? '', text(n, 'RequestId'));
}

/** The S3 error document of an error answer; null when the body is not one. */
export function parseError(body: Buffer, status: number): BackendError | null {
  if (body.length === 0) return null;
  const tree = parseXmlTree(body, MAX_DOCUMENT_BYTES);
  if (tree instanceof S3Error || tree.Error === undefined) return null;
  return errorFromNode(tree.Error, status);
}

// ---------------------------------------------------------------- buckets

export interface ListedBucket {
  name: string;
  creationDate: Date;
}

/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html */
export function parseListBuckets(xml: Buffer): { buckets: ListedBucket[]; continuationToken?: string } {
  const doc = 'ListAllMyBucketsResult';
  const root = parseDocument(xml, doc);
  const buckets = all(asNode(root.Buckets), 'Bucket').map((b) => {
    const n = asNode(b);
    return { name: required(n, 'Name', doc), creationDate: date(n, 'CreationDate', doc) };
  });
  const token = text(root, 'ContinuationToken');
  return token ? { buckets, continuationToken: token } : { buckets };
}

/** The ID of ListBuckets' Owner: the user the request was signed as (radosgw: its uid, `tenant$uid` for a tenant's user). */
export function parseListBucketsOwner(xml: Buffer): string {
  const doc = 'ListAllMyBucketsResult';
  return required(asNode(parseDocument(xml, doc).Owner), 'ID', doc);
}

/** CreateBucket's body outside us-east-1 (https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html). */
export function createBucketConfiguration(region: string): string {
  return `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>${escapeXml(region)}</LocationConstraint></CreateBucketConfiguration>`;
}

// ---------------------------------------------------------------- objects

export interface ListedObject {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

export interface ObjectListing {
  objects: ListedObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
}

/** A listing document and its decoder: url-decodes keys and prefixes when the listing says EncodingType url. */
function listingDocument(xml: Buffer, doc: string): { root: Node; decode: (v: string) => string } {
  const root = parseDocument(xml, doc);
  const encoded = text(root, 'EncodingType')?.toLowerCase() === 'url';
  return { root, decode: (v) => (encoded ? urlDecode(v, doc) : v) };
}

/** ListObjectsV2 with encoding-type=url (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html). */
export function parseListObjectsV2(xml: Buffer): ObjectListing {
  const doc = 'ListBucketResult';
  const { root, decode } = listingDocument(xml, doc);
  const objects = all(root, 'Contents').map((c) => {
    const n = asNode(c);
    return {
      key: decode(required(n, 'Key', doc)),
      size: int(n, 'Size', doc),
      etag: normalizeEtag(required(n, 'ETag', doc)),
      lastModified: date(n, 'LastModified', doc),
    };
  });
  const commonPrefixes = all(root, 'CommonPrefixes').map((p) => decode(required(asNode(p), 'Prefix', doc)));
  return { objects, commonPrefixes, isTruncated: bool(root, 'IsTruncated') };
}

// ---------------------------------------------------------------- versioning

/** GetBucketVersioning's Status (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketVersioning.html); null when absent (never enabled). */
export function parseVersioningConfiguration(xml: Buffer): 'Enabled' | 'Suspended' | null {
  const status = text(parseDocument(xml, 'VersioningConfiguration'), 'Status')?.trim();
  return status === 'Enabled' || status === 'Suspended' ? status : null;
}

/** PutBucketVersioning's body (https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html). */
export function versioningConfigurationRequest(status: 'Enabled' | 'Suspended'): string {
  return `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>${status}</Status></VersioningConfiguration>`;
}

/** One `<Version>` or `<DeleteMarker>` of ListObjectVersions. */
export interface ListedVersion {
  key: string;
  versionId: string;
  isLatest: boolean;
  lastModified: Date;
  /** Versions only (delete markers have neither). */
  size?: number;
  etag?: string;
  deleteMarker: boolean;
}

export interface VersionListing {
  /** In document order: keys ascending, each key's versions and delete markers newest first. */
  entries: ListedVersion[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}

/** The start tags of a listing's entries, in document order (keys and other text are escaped, so no `<` there). */
const ENTRY_TAG = /<(Version|DeleteMarker)(?=[\s/>])/g;

/**
 * ListObjectVersions (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html).
 * The tree keeps `<Version>`s and `<DeleteMarker>`s apart, so their interleaving (each key's
 * history, newest first) is read from the order of their start tags in the text; a document
 * where the two do not agree (CDATA, namespace prefixes) is refused rather than misread.
 */
export function parseListVersions(xml: Buffer): VersionListing {
  const doc = 'ListVersionsResult';
  const { root, decode } = listingDocument(xml, doc);
  const entry = (v: unknown, deleteMarker: boolean): ListedVersion => {
    const n = asNode(v);
    const out: ListedVersion = {
      key: decode(required(n, 'Key', doc)),
      versionId: required(n, 'VersionId', doc),
      isLatest: bool(n, 'IsLatest'),
      lastModified: date(n, 'LastModified', doc),
      deleteMarker,
    };
    if (!deleteMarker) {
      out.size = int(n, 'Size', doc);
      out.etag = normalizeEtag(required(n, 'ETag', doc));
    }
    return out;
  };
  const versions = all(root, 'Version').map((v) => entry(v, false));
  const markers = all(root, 'DeleteMarker').map((v) => entry(v, true));
  const order = [...xml.toString('utf8').matchAll(ENTRY_TAG)].map((m) => m[1]);
  if (order.length !== versions.length + markers.length) throw malformed(doc);
  let v = 0;
  let d = 0;
  const entries = order.map((tag) => (tag === 'Version' ? versions[v++] : markers[d++]));
  if (v !== versions.length || d !== markers.length) throw malformed(doc);
  const out: VersionListing = {
    entries: entries as ListedVersion[],
    commonPrefixes: all(root, 'CommonPrefixes').map((p) => decode(required(asNode(p), 'Prefix', doc))),
    isTruncated: bool(root, 'IsTruncated'),
  };
  const nextKey = text(root, 'NextKeyMarker');
  const nextId = text(root, 'NextVersionIdMarker');
  if (nextKey) out.nextKeyMarker = decode(nextKey);
  if (nextId) out.nextVersionIdMarker = nextId;
  return out;
}

/** CopyObjectResult / CopyPartResult. */
export function parseCopyResult(xml: Buffer, root: 'CopyObjectResult' | 'CopyPartResult'): { etag: string; lastModified: Date } {
  const n = parseDocument(xml, root);
  return { etag: normalizeEtag(required(n, 'ETag', root)), lastModified: date(n, 'LastModified', root) };
}

/** DeleteObjects' request body (quiet: only failures are reported). */
export function deleteObjectsRequest(keys: string[]): string {
  const objects = keys.map((k) => `<Object><Key>${escapeXml(k)}</Key></Object>`).join('');
  return `<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>${objects}</Delete>`;
}

/** DeleteObjects' answer: the keys that could not be deleted. */
export function parseDeleteResult(xml: Buffer): { key: string; code: string }[] {
  const doc = 'DeleteResult';
  const root = parseDocument(xml, doc);
  return all(root, 'Error').map((e) => {
    const n = asNode(e);
    return { key: text(n, 'Key') ?? '', code: text(n, 'Code') ?? 'UnknownError' };
  });
}

// ---------------------------------------------------------------- multipart

export function parseInitiateMultipartUpload(xml: Buffer): string {
  const doc = 'InitiateMultipartUploadResult';
  return required(parseDocument(xml, doc), 'UploadId', doc);
}

export function completeMultipartUploadRequest(parts: { partNumber: number; etag: string }[]): string {
  const items = parts.map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>${escapeXml(p.etag)}</ETag></Part>`).join('');
  return `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${items}</CompleteMultipartUpload>`;
}

/**
 * CompleteMultipartUploadResult; an `<Error>` in a 200 answer throws (AWS
 * reports late failures that way). `etag` is undefined when the backend left
 * it empty (radosgw Pacific).
 */
export function parseCompleteMultipartUpload(xml: Buffer): { etag?: string } {
  const doc = 'CompleteMultipartUploadResult';
  const etag = text(parseDocument(xml, doc), 'ETag')?.trim();
  return etag ? { etag: normalizeEtag(etag) } : {};
}

export interface ListedPart {
  partNumber: number;
  size: number;
  etag: string;
  lastModified: Date;
}

/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html */
export function parseListParts(xml: Buffer): { parts: ListedPart[]; isTruncated: boolean; nextPartNumberMarker?: number } {
  const doc = 'ListPartsResult';
  const root = parseDocument(xml, doc);
  const parts = all(root, 'Part').map((p) => {
    const n = asNode(p);
    return {
      partNumber: int(n, 'PartNumber', doc),
      size: int(n, 'Size', doc),
      etag: normalizeEtag(required(n, 'ETag', doc)),
      lastModified: date(n, 'LastModified', doc),
    };
  });
  const out: { parts: ListedPart[]; isTruncated: boolean; nextPartNumberMarker?: number } = { parts, isTruncated: bool(root, 'IsTruncated') };
  const next = optionalInt(root, 'NextPartNumberMarker');
  if (next !== undefined) out.nextPartNumberMarker = next;
  return out;
}

export interface ListedUpload {
  key: string;
  uploadId: string;
  initiated: Date;
}

export interface UploadListing {
  uploads: ListedUpload[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
}

/** ListMultipartUploads (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html); url-decoded when it says so. */
export function parseListMultipartUploads(xml: Buffer): UploadListing {
  const doc = 'ListMultipartUploadsResult';
  const { root, decode } = listingDocument(xml, doc);
  const uploads = all(root, 'Upload').map((u) => {
    const n = asNode(u);
    return { key: decode(required(n, 'Key', doc)), uploadId: required(n, 'UploadId', doc), initiated: date(n, 'Initiated', doc) };
  });
  const out: UploadListing = {
    uploads,
    commonPrefixes: all(root, 'CommonPrefixes').map((p) => decode(required(asNode(p), 'Prefix', doc))),
    isTruncated: bool(root, 'IsTruncated'),
  };
  const nextKey = text(root, 'NextKeyMarker');
  const nextId = text(root, 'NextUploadIdMarker');
  if (nextKey) out.nextKeyMarker = decode(nextKey);
  if (nextId) out.nextUploadIdMarker = nextId;
  return out;
}

/** ETags as S3 shows them, quoted (some backends list them bare). */
export function normalizeEtag(etag: string): string {
  const t = etag.trim();
  return t.startsWith('"') && t.endsWith('"') && t.length >= 2 ? t : `"${t}"`;
}
