// PLACEHOLDER until the s3 driver branch is merged (not committed).
import type { ObjectStore, SystemDocuments } from '../types.js';
export function createS3Store(_opts: { endpoint: string; credentials: { accessKeyId: string; secretAccessKey: string }; region?: string; bucketPrefix?: string }): ObjectStore & SystemDocuments {
  throw new Error('s3 driver not merged yet');
}
