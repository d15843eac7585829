import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { TestCredentials } from './temp.js';

/** A bucket policy (JSON) that lets anyone read every object, and with `list` also list the bucket. */
export function publicReadPolicy(bucket: string, opts: { list?: boolean } = {}): string {
  const statements = [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }];
  if (opts.list) statements.push({ Effect: 'Allow', Principal: '*', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${bucket}` });
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

export interface ListedObject {
  key: string;
  etag: string;
  size: number;
}

/** Every object in `bucket`, following continuation tokens page by page. */
export async function listAllObjects(s3: S3Client, bucket: string): Promise<ListedObject[]> {
  const listed: ListedObject[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const c of page.Contents ?? []) listed.push({ key: c.Key!, etag: c.ETag!, size: c.Size! });
    token = page.NextContinuationToken;
  } while (token);
  return listed;
}

/**
 * The edge's `startEdge` options but its config, as tests start it: viewer and control ports
 * picked by the system on loopback, one worker, the control API signed with `credentials`.
 */
export function testEdgeOptions(credentials: TestCredentials) {
  return { port: 0, controlPort: 0, host: '127.0.0.1', workers: 1, credentials };
}
