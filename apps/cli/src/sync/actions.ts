/** What the executor does: one S3 or file operation per action. */

export interface TransferMeta {
  contentType?: string;
  cacheControl?: string;
  acl?: string;
  /** --cache-tag: stored as user metadata `cache-tag` (./cache-tag.ts). */
  cacheTags?: string[];
}

export type Action =
  | { op: 'upload'; path: string; size: number; mtimeMs: number; ino: number; bucket: string; key: string; meta: TransferMeta }
  | { op: 'download'; bucket: string; key: string; size: number; mtimeMs: number; path: string }
  | { op: 'copy'; srcBucket: string; srcKey: string; size: number; bucket: string; key: string; meta: TransferMeta }
  | { op: 'delete-object'; bucket: string; key: string }
  | { op: 'delete-file'; path: string };

export interface PlannedAction {
  action: Action;
  /** aws-cli's verb: upload, download, copy, move, delete. */
  verb: string;
  /** The output line after the verb: `site/a.html to s3://b/a.html`. */
  display: string;
  /** The key (or path) to name in summaries and failures. */
  name: string;
  /** mv: remove the source after the transfer succeeded. */
  removeSource?: { op: 'delete-object'; bucket: string; key: string } | { op: 'delete-file'; path: string };
}

export function actionBytes(a: Action): number {
  return a.op === 'upload' || a.op === 'download' || a.op === 'copy' ? a.size : 0;
}
