/** StoreErrors every driver raises (shared by the fs and s3 drivers). */
import { StoreError } from './types.js';

export function noSuchBucket(name: string): StoreError {
  return new StoreError('NoSuchBucket', 'The specified bucket does not exist', { BucketName: name });
}

export function noSuchUpload(uploadId: string): StoreError {
  return new StoreError('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.', { UploadId: uploadId });
}

export function noSuchKey(key: string): StoreError {
  return new StoreError('NoSuchKey', 'The specified key does not exist.', { Key: key });
}
