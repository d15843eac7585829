/**
 * One codec per S3 XML document (request and response bodies).
 * Element order follows the AWS API reference examples.
 */
import { defineDocument, type FieldSpec } from './codec.js';

export interface Owner {
  id: string;
  displayName?: string;
}

/** Checksum properties shared by objects, parts and results. */
export interface ChecksumFields {
  checksumCRC32?: string;
  checksumCRC32C?: string;
  checksumCRC64NVME?: string;
  checksumSHA1?: string;
  checksumSHA256?: string;
  checksumType?: string;
}

const CHECKSUM_FIELDS: readonly FieldSpec[] = [
  { el: 'ChecksumCRC32', prop: 'checksumCRC32', type: 'string', optional: true },
  { el: 'ChecksumCRC32C', prop: 'checksumCRC32C', type: 'string', optional: true },
  { el: 'ChecksumCRC64NVME', prop: 'checksumCRC64NVME', type: 'string', optional: true },
  { el: 'ChecksumSHA1', prop: 'checksumSHA1', type: 'string', optional: true },
  { el: 'ChecksumSHA256', prop: 'checksumSHA256', type: 'string', optional: true },
  { el: 'ChecksumType', prop: 'checksumType', type: 'string', optional: true },
];

const OWNER = {
  fields: [
    { el: 'ID', prop: 'id', type: 'string' },
    { el: 'DisplayName', prop: 'displayName', type: 'string', optional: true },
  ] as const satisfies readonly FieldSpec[],
};

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html
export interface ListAllMyBucketsResult {
  owner: Owner;
  buckets: { name: string; creationDate: Date; bucketRegion?: string }[];
  continuationToken?: string;
  prefix?: string;
}
export const ListAllMyBucketsResultXml = defineDocument<ListAllMyBucketsResult>({
  root: 'ListAllMyBucketsResult',
  fields: [
    { el: 'Owner', prop: 'owner', type: OWNER },
    {
      el: 'Bucket',
      prop: 'buckets',
      list: true,
      wrap: 'Buckets',
      type: {
        fields: [
          { el: 'Name', prop: 'name', type: 'string' },
          { el: 'CreationDate', prop: 'creationDate', type: 'date' },
          { el: 'BucketRegion', prop: 'bucketRegion', type: 'string', optional: true },
        ],
      },
    },
    { el: 'ContinuationToken', prop: 'continuationToken', type: 'string', optional: true },
    { el: 'Prefix', prop: 'prefix', type: 'string', optional: true },
  ],
});

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html
export interface CreateBucketConfiguration {
  locationConstraint?: string;
}
export const CreateBucketConfigurationXml = defineDocument<CreateBucketConfiguration>({
  root: 'CreateBucketConfiguration',
  fields: [{ el: 'LocationConstraint', prop: 'locationConstraint', type: 'string', optional: true }],
});

export interface ListedObject extends ChecksumFields {
  key: string;
  lastModified: Date;
  etag: string;
  size: number;
  owner?: Owner;
  storageClass: string;
  checksumAlgorithm?: string;
}
/** An object as the listings show it (ListObjects' `<Contents>`, after Key/VersionId/IsLatest in a `<Version>`). */
const LISTED_OBJECT_FIELDS: readonly FieldSpec[] = [
  { el: 'LastModified', prop: 'lastModified', type: 'date' },
  { el: 'ETag', prop: 'etag', type: 'string' },
  { el: 'ChecksumAlgorithm', prop: 'checksumAlgorithm', type: 'string', optional: true },
  { el: 'Size', prop: 'size', type: 'int' },
  { el: 'Owner', prop: 'owner', type: OWNER, optional: true },
  { el: 'StorageClass', prop: 'storageClass', type: 'string' },
];
const CONTENTS: FieldSpec = {
  el: 'Contents',
  prop: 'contents',
  list: true,
  type: { fields: [{ el: 'Key', prop: 'key', type: 'string' }, ...LISTED_OBJECT_FIELDS] },
};
const COMMON_PREFIXES: FieldSpec = {
  el: 'CommonPrefixes',
  prop: 'commonPrefixes',
  list: true,
  type: { fields: [{ el: 'Prefix', prop: 'prefix', type: 'string' }] },
};

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjects.html
export interface ListBucketResultV1 {
  name: string;
  prefix: string;
  marker: string;
  nextMarker?: string;
  maxKeys: number;
  delimiter?: string;
  isTruncated: boolean;
  encodingType?: string;
  contents: ListedObject[];
  commonPrefixes: { prefix: string }[];
}
export const ListBucketResultV1Xml = defineDocument<ListBucketResultV1>({
  root: 'ListBucketResult',
  fields: [
    { el: 'Name', prop: 'name', type: 'string' },
    { el: 'Prefix', prop: 'prefix', type: 'string' },
    { el: 'Marker', prop: 'marker', type: 'string' },
    { el: 'NextMarker', prop: 'nextMarker', type: 'string', optional: true },
    { el: 'MaxKeys', prop: 'maxKeys', type: 'int' },
    { el: 'Delimiter', prop: 'delimiter', type: 'string', optional: true },
    { el: 'IsTruncated', prop: 'isTruncated', type: 'bool' },
    { el: 'EncodingType', prop: 'encodingType', type: 'string', optional: true },
    CONTENTS,
    COMMON_PREFIXES,
  ],
});

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
export interface ListBucketResultV2 {
  name: string;
  prefix: string;
  maxKeys: number;
  keyCount: number;
  delimiter?: string;
  isTruncated: boolean;
  continuationToken?: string;
  nextContinuationToken?: string;
  startAfter?: string;
  encodingType?: string;
  contents: ListedObject[];
  commonPrefixes: { prefix: string }[];
}
export const ListBucketResultV2Xml = defineDocument<ListBucketResultV2>({
  root: 'ListBucketResult',
  fields: [
    { el: 'Name', prop: 'name', type: 'string' },
    { el: 'Prefix', prop: 'prefix', type: 'string' },
    { el: 'MaxKeys', prop: 'maxKeys', type: 'int' },
    { el: 'KeyCount', prop: 'keyCount', type: 'int' },
    { el: 'Delimiter', prop: 'delimiter', type: 'string', optional: true },
    { el: 'IsTruncated', prop: 'isTruncated', type: 'bool' },
    { el: 'ContinuationToken', prop: 'continuationToken', type: 'string', optional: true },
    { el: 'NextContinuationToken', prop: 'nextContinuationToken', type: 'string', optional: true },
    { el: 'StartAfter', prop: 'startAfter', type: 'string', optional: true },
    { el: 'EncodingType', prop: 'encodingType', type: 'string', optional: true },
    CONTENTS,
    COMMON_PREFIXES,
  ],
});

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html
// (element order as S3 answers it; versions and delete markers interleaved in listing order)
export interface ListedVersion extends ListedObject {
  kind: 'Version';
  versionId: string;
  isLatest: boolean;
}
export interface ListedDeleteMarker {
  kind: 'DeleteMarker';
  key: string;
  versionId: string;
  isLatest: boolean;
  lastModified: Date;
  owner?: Owner;
}
export interface ListVersionsResult {
  name: string;
  prefix: string;
  keyMarker: string;
  versionIdMarker: string;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
  maxKeys: number;
  delimiter?: string;
  isTruncated: boolean;
  encodingType?: string;
  /** Keys ascending, each key's versions and delete markers newest first (parsed: versions, then delete markers). */
  entries: (ListedVersion | ListedDeleteMarker)[];
  commonPrefixes: { prefix: string }[];
}
const VERSION_HEAD: readonly FieldSpec[] = [
  { el: 'Key', prop: 'key', type: 'string' },
  { el: 'VersionId', prop: 'versionId', type: 'string' },
  { el: 'IsLatest', prop: 'isLatest', type: 'bool' },
];
export const ListVersionsResultXml = defineDocument<ListVersionsResult>({
  root: 'ListVersionsResult',
  fields: [
    { el: 'Name', prop: 'name', type: 'string' },
    { el: 'Prefix', prop: 'prefix', type: 'string' },
    { el: 'KeyMarker', prop: 'keyMarker', type: 'string' },
    { el: 'VersionIdMarker', prop: 'versionIdMarker', type: 'string' },
    { el: 'NextKeyMarker', prop: 'nextKeyMarker', type: 'string', optional: true },
    { el: 'NextVersionIdMarker', prop: 'nextVersionIdMarker', type: 'string', optional: true },
    { el: 'MaxKeys', prop: 'maxKeys', type: 'int' },
    { el: 'Delimiter', prop: 'delimiter', type: 'string', optional: true },
    { el: 'IsTruncated', prop: 'isTruncated', type: 'bool' },
    { el: 'EncodingType', prop: 'encodingType', type: 'string', optional: true },
    {
      prop: 'entries',
      choice: {
        Version: { fields: [...VERSION_HEAD, ...LISTED_OBJECT_FIELDS] },
        DeleteMarker: {
          fields: [...VERSION_HEAD, { el: 'LastModified', prop: 'lastModified', type: 'date' }, { el: 'Owner', prop: 'owner', type: OWNER, optional: true }],
        },
      },
    },
    COMMON_PREFIXES,
  ],
});

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html
export interface DeleteRequest {
  objects: { key: string; versionId?: string }[];
  quiet?: boolean;
}
export const DeleteXml = defineDocument<DeleteRequest>({
  root: 'Delete',
  fields: [
    { el: 'Quiet', prop: 'quiet', type: 'bool', optional: true },
    {
      el: 'Object',
      prop: 'objects',
      list: true,
      type: {
        fields: [
          { el: 'Key', prop: 'key', type: 'string' },
          { el: 'VersionId', prop: 'versionId', type: 'string', optional: true },
        ],
      },
    },
  ],
});

export interface DeleteResult {
  /** DeleteMarker / DeleteMarkerVersionId: a delete marker was created, or the version removed was one. */
  deleted: { key: string; versionId?: string; deleteMarker?: boolean; deleteMarkerVersionId?: string }[];
  errors: { key: string; versionId?: string; code: string; message: string }[];
}
export const DeleteResultXml = defineDocument<DeleteResult>({
  root: 'DeleteResult',
  fields: [
    {
      el: 'Deleted',
      prop: 'deleted',
      list: true,
      type: {
        fields: [
          { el: 'Key', prop: 'key', type: 'string' },
          { el: 'VersionId', prop: 'versionId', type: 'string', optional: true },
          { el: 'DeleteMarker', prop: 'deleteMarker', type: 'bool', optional: true },
          { el: 'DeleteMarkerVersionId', prop: 'deleteMarkerVersionId', type: 'string', optional: true },
        ],
      },
    },
    {
      el: 'Error',
      prop: 'errors',
      list: true,
      type: {
        fields: [
          { el: 'Key', prop: 'key', type: 'string' },
          { el: 'VersionId', prop: 'versionId', type: 'string', optional: true },
          { el: 'Code', prop: 'code', type: 'string' },
          { el: 'Message', prop: 'message', type: 'string' },
        ],
      },
    },
  ],
});

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
export interface CopyObjectResult extends ChecksumFields {
  etag: string;
  lastModified: Date;
}
export const CopyObjectResultXml = defineDocument<CopyObjectResult>({
  root: 'CopyObjectResult',
  fields: [{ el: 'ETag', prop: 'etag', type: 'string' }, { el: 'LastModified', prop: 'lastModified', type: 'date' }, ...CHECKSUM_FIELDS],
});

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html
export type CopyPartResult = CopyObjectResult;
export const CopyPartResultXml = defineDocument<CopyPartResult>({
  root: 'CopyPartResult',
  fields: [{ el: 'ETag', prop: 'etag', type: 'string' }, { el: 'LastModified', prop: 'lastModified', type: 'date' }, ...CHECKSUM_FIELDS],
});

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateMultipartUpload.html
export interface InitiateMultipartUploadResult {
  bucket: string;
  key: string;
  uploadId: string;
}
export const InitiateMultipartUploadResultXml = defineDocument<InitiateMultipartUploadResult>({
  root: 'InitiateMultipartUploadResult',
  fields: [
    { el: 'Bucket', prop: 'bucket', type: 'string' },
    { el: 'Key', prop: 'key', type: 'string' },
    { el: 'UploadId', prop: 'uploadId', type: 'string' },
  ],
});

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html
export interface CompleteMultipartUpload {
  parts: ({ partNumber: number; etag: string } & ChecksumFields)[];
}
export const CompleteMultipartUploadXml = defineDocument<CompleteMultipartUpload>({
  root: 'CompleteMultipartUpload',
  fields: [{ el: 'Part', prop: 'parts', list: true, type: { fields: [{ el: 'ETag', prop: 'etag', type: 'string' }, ...CHECKSUM_FIELDS, { el: 'PartNumber', prop: 'partNumber', type: 'int' }] } }],
});

export interface CompleteMultipartUploadResult extends ChecksumFields {
  location: string;
  bucket: string;
  key: string;
  etag: string;
}
export const CompleteMultipartUploadResultXml = defineDocument<CompleteMultipartUploadResult>({
  root: 'CompleteMultipartUploadResult',
  fields: [
    { el: 'Location', prop: 'location', type: 'string' },
    { el: 'Bucket', prop: 'bucket', type: 'string' },
    { el: 'Key', prop: 'key', type: 'string' },
    { el: 'ETag', prop: 'etag', type: 'string' },
    ...CHECKSUM_FIELDS,
  ],
});

// PostObject with success_action_status 201: https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html
export interface PostResponse {
  location: string;
  bucket: string;
  key: string;
  etag: string;
}
export const PostResponseXml = defineDocument<PostResponse>({
  root: 'PostResponse',
  // S3 sends this document without a namespace.
  xmlns: false,
  fields: [
    { el: 'Location', prop: 'location', type: 'string' },
    { el: 'Bucket', prop: 'bucket', type: 'string' },
    { el: 'Key', prop: 'key', type: 'string' },
    { el: 'ETag', prop: 'etag', type: 'string' },
  ],
});

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListParts.html
export interface ListPartsResult {
  bucket: string;
  key: string;
  uploadId: string;
  initiator: Owner;
  owner: Owner;
  storageClass: string;
  partNumberMarker: number;
  nextPartNumberMarker?: number;
  maxParts: number;
  isTruncated: boolean;
  checksumAlgorithm?: string;
  parts: ({ partNumber: number; lastModified: Date; etag: string; size: number } & ChecksumFields)[];
}
export const ListPartsResultXml = defineDocument<ListPartsResult>({
  root: 'ListPartsResult',
  fields: [
    { el: 'Bucket', prop: 'bucket', type: 'string' },
    { el: 'Key', prop: 'key', type: 'string' },
    { el: 'UploadId', prop: 'uploadId', type: 'string' },
    { el: 'Initiator', prop: 'initiator', type: OWNER },
    { el: 'Owner', prop: 'owner', type: OWNER },
    { el: 'StorageClass', prop: 'storageClass', type: 'string' },
    { el: 'PartNumberMarker', prop: 'partNumberMarker', type: 'int' },
    { el: 'NextPartNumberMarker', prop: 'nextPartNumberMarker', type: 'int', optional: true },
    { el: 'MaxParts', prop: 'maxParts', type: 'int' },
    { el: 'IsTruncated', prop: 'isTruncated', type: 'bool' },
    { el: 'ChecksumAlgorithm', prop: 'checksumAlgorithm', type: 'string', optional: true },
    {
      el: 'Part',
      prop: 'parts',
      list: true,
      type: {
        fields: [
          { el: 'PartNumber', prop: 'partNumber', type: 'int' },
          { el: 'LastModified', prop: 'lastModified', type: 'date' },
          { el: 'ETag', prop: 'etag', type: 'string' },
          { el: 'Size', prop: 'size', type: 'int' },
          ...CHECKSUM_FIELDS,
        ],
      },
    },
  ],
});

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListMultipartUploads.html
export interface ListMultipartUploadsResult {
  bucket: string;
  keyMarker: string;
  uploadIdMarker: string;
  nextKeyMarker?: string;
  nextUploadIdMarker?: string;
  prefix?: string;
  delimiter?: string;
  maxUploads: number;
  isTruncated: boolean;
  encodingType?: string;
  uploads: { key: string; uploadId: string; initiator: Owner; owner: Owner; storageClass: string; initiated: Date }[];
  commonPrefixes: { prefix: string }[];
}
export const ListMultipartUploadsResultXml = defineDocument<ListMultipartUploadsResult>({
  root: 'ListMultipartUploadsResult',
  fields: [
    { el: 'Bucket', prop: 'bucket', type: 'string' },
    { el: 'KeyMarker', prop: 'keyMarker', type: 'string' },
    { el: 'UploadIdMarker', prop: 'uploadIdMarker', type: 'string' },
    { el: 'NextKeyMarker', prop: 'nextKeyMarker', type: 'string', optional: true },
    { el: 'NextUploadIdMarker', prop: 'nextUploadIdMarker', type: 'string', optional: true },
    { el: 'Prefix', prop: 'prefix', type: 'string', optional: true },
    { el: 'Delimiter', prop: 'delimiter', type: 'string', optional: true },
    { el: 'MaxUploads', prop: 'maxUploads', type: 'int' },
    { el: 'IsTruncated', prop: 'isTruncated', type: 'bool' },
    { el: 'EncodingType', prop: 'encodingType', type: 'string', optional: true },
    {
      el: 'Upload',
      prop: 'uploads',
      list: true,
      type: {
        fields: [
          { el: 'Key', prop: 'key', type: 'string' },
          { el: 'UploadId', prop: 'uploadId', type: 'string' },
          { el: 'Initiator', prop: 'initiator', type: OWNER },
          { el: 'Owner', prop: 'owner', type: OWNER },
          { el: 'StorageClass', prop: 'storageClass', type: 'string' },
          { el: 'Initiated', prop: 'initiated', type: 'date' },
        ],
      },
    },
    COMMON_PREFIXES,
  ],
});

// https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketVersioning.html,
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketVersioning.html (values checked by the handler)
export interface VersioningConfiguration {
  status?: string;
  mfaDelete?: string;
}
export const VersioningConfigurationXml = defineDocument<VersioningConfiguration>({
  root: 'VersioningConfiguration',
  fields: [
    { el: 'Status', prop: 'status', type: 'string', optional: true },
    { el: 'MfaDelete', prop: 'mfaDelete', type: 'string', optional: true },
  ],
});
