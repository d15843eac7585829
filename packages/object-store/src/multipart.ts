/** Multipart decisions that need no I/O: which parts complete an upload, the result's metadata, upload listing. */
import { compareKeys, walkListing } from './key-order.js';
import { StoreError, type CompletedPartRef, type ListUploadsOptions, type ListUploadsResult, type MultipartUploadInfo, type ObjectMetadata, type PartInfo, type StoredChecksum } from './types.js';
import { sameEtag } from './validate.js';

/** A stored part: its info, data file (in the upload directory) and binary MD5. */
export interface PartEntry {
  info: PartInfo;
  file: string;
  md5: Buffer;
}

/**
 * The entries of a CompleteMultipartUpload part list that name a part: a part number listed
 * again right after itself replaces the entry before it (a client that re-sent a part lists the
 * send it kept last, as radosgw reads the list; ceph/s3-tests test_multipart_resend_first_finishes_last).
 * Any other step down in part numbers is InvalidPartOrder.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html#API_CompleteMultipartUpload_Errors
 */
export function namedParts<R extends { partNumber: number }>(parts: readonly R[]): R[] {
  const named: R[] = [];
  for (const ref of parts) {
    const last = named[named.length - 1];
    if (last !== undefined && ref.partNumber < last.partNumber) {
      throw new StoreError('InvalidPartOrder', 'The list of parts was not in ascending order. The parts list must be specified in order by part number.');
    }
    if (last?.partNumber === ref.partNumber) named[named.length - 1] = ref;
    else named.push(ref);
  }
  return named;
}

/**
 * The parts a CompleteMultipartUpload names ({@link namedParts}), validated. Generic over the
 * driver's part record (anything carrying the part's {@link PartInfo}).
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html#API_CompleteMultipartUpload_Errors
 */
export function chooseCompletedParts<P extends { info: PartInfo }>(uploadId: string, available: ReadonlyMap<number, P>, parts: CompletedPartRef[], minPartSize: number): P[] {
  if (parts.length === 0) {
    throw new StoreError('InvalidArgument', 'You must specify at least one part'); // S3 answers MalformedXML
  }
  const chosen: P[] = [];
  for (const ref of namedParts(parts)) {
    const part = available.get(ref.partNumber);
    if (part === undefined || !sameEtag(part.info.etag, ref.etag)) {
      throw new StoreError(
        'InvalidPart',
        "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag.",
        { UploadId: uploadId, PartNumber: String(ref.partNumber), ETag: ref.etag },
      );
    }
    chosen.push(part);
  }
  chosen.forEach((p, i) => {
    if (i < chosen.length - 1 && p.info.size < minPartSize) {
      throw new StoreError('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.', {
        ProposedSize: String(p.info.size),
        MinSizeAllowed: String(minPartSize),
        PartNumber: String(p.info.partNumber),
        ETag: p.info.etag,
      });
    }
  });
  return chosen;
}

/**
 * The completed object's metadata: the upload's, its part sizes, the checksum given at
 * completion, and each part's checksum when every part has one of that algorithm (S3 keeps them:
 * GetObject partNumber with checksum mode answers the part's own).
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
export function completedMetadata(upload: ObjectMetadata, parts: readonly PartInfo[], checksum: StoredChecksum | undefined): ObjectMetadata {
  const { checksum: announced, partChecksums: _none, ...rest } = upload;
  const md: ObjectMetadata = { ...rest, partSizes: parts.map((p) => p.size) };
  const chosen = checksum ?? (announced !== undefined && announced.value !== '' ? announced : undefined);
  if (chosen !== undefined) {
    md.checksum = chosen;
    const values = parts.map((p) => (p.checksum?.algorithm === chosen.algorithm ? p.checksum.value : ''));
    if (values.every((v) => v !== '')) md.partChecksums = values;
  }
  return md;
}

/**
 * One page of ListMultipartUploads over all uploads of a bucket: sorted by
 * key (UTF-8 order), then initiation time; prefix, delimiter (common prefixes
 * count toward maxUploads) and the key / upload-id markers.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html
 */
export function listUploadsPage(uploads: readonly MultipartUploadInfo[], opts: ListUploadsOptions): ListUploadsResult {
  const prefix = opts.prefix ?? '';
  const delimiter = opts.delimiter ?? '';
  const keyMarker = opts.keyMarker ?? '';
  const idMarker = opts.uploadIdMarker ?? '';
  // Upload IDs break ties between uploads of one key started in the same millisecond.
  const all = uploads
    .filter((u) => u.key.startsWith(prefix))
    .sort((x, y) => compareKeys(x.key, y.key) || x.initiated.getTime() - y.initiated.getTime() || (x.uploadId < y.uploadId ? -1 : x.uploadId > y.uploadId ? 1 : 0));
  let i = 0;
  if (keyMarker !== '') {
    const markerPos = idMarker !== '' ? all.findIndex((u) => u.key === keyMarker && u.uploadId === idMarker) : -1;
    while (i < all.length) {
      const u = all[i]!;
      const c = compareKeys(u.key, keyMarker);
      const after = c > 0 || (c === 0 && idMarker !== '' && (markerPos >= 0 ? i > markerPos : u.uploadId > idMarker));
      if (after) break;
      i++;
    }
  }
  const result: ListUploadsResult = { uploads: [], commonPrefixes: [], isTruncated: false };
  const keys = all.map((u) => u.key);
  result.isTruncated = walkListing(
    keys,
    i,
    { prefix, delimiter, max: Math.max(0, opts.maxUploads), skipGroup: idMarker === '' ? keyMarker : undefined },
    (k) => {
      const u = all[k]!;
      result.uploads.push(u);
      result.nextKeyMarker = u.key;
      result.nextUploadIdMarker = u.uploadId;
    },
    (common) => {
      result.commonPrefixes.push(common);
      result.nextKeyMarker = common;
      delete result.nextUploadIdMarker;
    },
  );
  return result;
}
