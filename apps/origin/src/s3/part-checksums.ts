/**
 * The checksum S3 reports for one part of an object (GetObject / HeadObject with partNumber and
 * x-amz-checksum-mode: ENABLED, GetObjectAttributes' ObjectParts): a multipart object's part keeps
 * the checksum it was uploaded with, under the object's checksum type; a single-part object's
 * part 1 is the object itself.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
 */
import type { ObjectMetadata, StoredChecksum } from '@bucketfront/object-store';

export function partChecksum(md: ObjectMetadata, partNumber: number): StoredChecksum | undefined {
  const whole = md.checksum;
  if (whole === undefined || whole.value === '') return undefined;
  if (md.partSizes === undefined) return partNumber === 1 ? whole : undefined;
  const value = md.partChecksums?.[partNumber - 1];
  if (value === undefined || md.partChecksums?.length !== md.partSizes.length) return undefined;
  const part: StoredChecksum = { algorithm: whole.algorithm, value };
  if (whole.type !== undefined) part.type = whole.type;
  return part;
}
