/**
 * A bucket's owner and ACL grants. Stored as bucket config kind `acl`, a JSON document
 * `{ "owner": { "id", "displayName" }, "grants": [ { "grantee", "permission" } ] }` written by
 * CreateBucket (the caller becomes the owner) and by PutBucketAcl. A bucket without one (created
 * before users existed) is owned by the first user, with the grants of its canned BucketInfo.acl.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html
 */
import type { ObjectStore } from '@bucketfront/object-store';
import type { AccessControlPolicy, Owner } from '@bucketfront/s3-protocol';
import { aclDocument } from './acl.js';
import type { UserDirectory } from '../users/directory.js';
import type { BucketFacts } from './bucket-facts.js';

/** The stored document (the same shape as a parsed AccessControlPolicy). */
export type StoredBucketAcl = AccessControlPolicy;

/** The bucket's owner and grants; null when the bucket does not exist. */
export async function loadBucketAcl(store: ObjectStore, bucket: string, users: Pick<UserDirectory, 'firstUser'>): Promise<StoredBucketAcl | null> {
  const info = await store.headBucket(bucket);
  if (info === null) return null;
  const raw = await store.getBucketConfig(bucket, 'acl');
  if (raw !== null) return parseStoredBucketAcl(raw);
  const first = users.firstUser;
  return aclDocument({ id: first.id, displayName: first.displayName }, info.acl);
}

/** Durable before it resolves. Throws the store's NoSuchBucket. */
export async function storeBucketAcl(store: ObjectStore, bucket: string, acl: StoredBucketAcl): Promise<void> {
  await store.putBucketConfig(bucket, 'acl', JSON.stringify(acl));
}

export function parseStoredBucketAcl(raw: string): StoredBucketAcl {
  const doc = JSON.parse(raw) as StoredBucketAcl;
  if (typeof doc?.owner?.id !== 'string' || !Array.isArray(doc.grants)) throw new Error('stored bucket ACL is not {owner, grants}');
  return doc;
}

/** The bucket's owner (id and display name); null when the bucket does not exist. */
export async function loadBucketOwner(store: ObjectStore, bucket: string, users: Pick<UserDirectory, 'firstUser'>): Promise<Owner | null> {
  return (await loadBucketAcl(store, bucket, users))?.owner ?? null;
}

/** The bucket's owner and grants from its facts (no store read). */
export function bucketAclOf(facts: Pick<BucketFacts, 'info' | 'acl'>, users: Pick<UserDirectory, 'firstUser'>): StoredBucketAcl {
  if (facts.acl !== null) return facts.acl;
  const first = users.firstUser;
  return aclDocument({ id: first.id, displayName: first.displayName }, facts.info.acl);
}
