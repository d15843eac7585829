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

/**
 * Owner elements of listed objects: the writer recorded in ObjectMetadata.owner (shown with its
 * display name while the user exists), else the bucket's owner.
 */
export function objectOwnerOf(bucketOwner: Owner, users: Pick<UserDirectory, 'userById'>): (ownerId: string | undefined) => Owner {
  return (ownerId) => {
    if (ownerId === undefined || ownerId === bucketOwner.id) return bucketOwner;
    const user = users.userById(ownerId);
    return user === undefined ? { id: ownerId } : { id: user.id, displayName: user.displayName };
  };
}

/** objectOwnerOf for a bucket's listing (its owner loaded; the first user if the bucket vanished meanwhile). */
export async function listingOwners(store: ObjectStore, bucket: string, users: Pick<UserDirectory, 'firstUser' | 'userById'>): Promise<(ownerId: string | undefined) => Owner> {
  const owner = (await loadBucketOwner(store, bucket, users)) ?? { id: users.firstUser.id, displayName: users.firstUser.displayName };
  return objectOwnerOf(owner, users);
}
