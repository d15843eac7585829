/** https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectAttributes.html#API_GetObjectAttributes_ResponseSyntax */
import { defineDocument, type FieldSpec } from './codec.js';
import type { ChecksumFields } from './documents.js';

const CHECKSUMS = (withType: boolean): FieldSpec[] => [
  { el: 'ChecksumCRC32', prop: 'checksumCRC32', type: 'string', optional: true },
  { el: 'ChecksumCRC32C', prop: 'checksumCRC32C', type: 'string', optional: true },
  { el: 'ChecksumCRC64NVME', prop: 'checksumCRC64NVME', type: 'string', optional: true },
  { el: 'ChecksumSHA1', prop: 'checksumSHA1', type: 'string', optional: true },
  { el: 'ChecksumSHA256', prop: 'checksumSHA256', type: 'string', optional: true },
  ...(withType ? [{ el: 'ChecksumType', prop: 'checksumType', type: 'string', optional: true } as const] : []),
];

export interface ObjectAttributesPart extends ChecksumFields {
  partNumber: number;
  size: number;
}
export interface GetObjectAttributesOutput {
  etag?: string;
  checksum?: ChecksumFields;
  objectParts?: {
    partsCount: number;
    partNumberMarker: number;
    nextPartNumberMarker?: number;
    maxParts: number;
    isTruncated: boolean;
    parts: ObjectAttributesPart[];
  };
  storageClass?: string;
  objectSize?: number;
}
export const GetObjectAttributesOutputXml = defineDocument<GetObjectAttributesOutput>({
  root: 'GetObjectAttributesOutput',
  fields: [
    { el: 'ETag', prop: 'etag', type: 'string', optional: true },
    { el: 'Checksum', prop: 'checksum', type: { fields: CHECKSUMS(true) }, optional: true },
    {
      el: 'ObjectParts',
      prop: 'objectParts',
      optional: true,
      type: {
        fields: [
          { el: 'PartsCount', prop: 'partsCount', type: 'int' },
          { el: 'PartNumberMarker', prop: 'partNumberMarker', type: 'int' },
          { el: 'NextPartNumberMarker', prop: 'nextPartNumberMarker', type: 'int', optional: true },
          { el: 'MaxParts', prop: 'maxParts', type: 'int' },
          { el: 'IsTruncated', prop: 'isTruncated', type: 'bool' },
          {
            el: 'Part',
            prop: 'parts',
            list: true,
            type: { fields: [...CHECKSUMS(false), { el: 'PartNumber', prop: 'partNumber', type: 'int' }, { el: 'Size', prop: 'size', type: 'int' }] },
          },
        ],
      },
    },
    { el: 'StorageClass', prop: 'storageClass', type: 'string', optional: true },
    { el: 'ObjectSize', prop: 'objectSize', type: 'int', optional: true },
  ],
});
