/**
 * The origin's users and their access keys: who signed a request, and what a grant names.
 * S3 identifies a user by a 64-hex canonical id and shows a display name in Owner elements
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/finding-canonical-user-id.html).
 * Lookups are synchronous: the signature check runs on every request.
 */
import { createHash } from 'node:crypto';

export interface OriginUser {
  /** Canonical user id (64 hex). */
  id: string;
  displayName: string;
  /** For grants by e-mail address (`emailAddress="…"`), when the user has one. */
  email?: string;
}

export interface UserDirectory {
  /** The secret of an access key and the user it belongs to, or undefined. */
  lookupKey(accessKeyId: string): { secretAccessKey: string; user: OriginUser } | undefined;
  userById(id: string): OriginUser | undefined;
  userByEmail(email: string): OriginUser | undefined;
  /** The first user: the owner of buckets whose owner was never recorded. */
  readonly firstUser: OriginUser;
}

/** The canonical user id of the user whose first access key id this is. */
export function canonicalOwnerId(accessKeyId: string): string {
  return createHash('sha256').update(accessKeyId).digest('hex');
}

/** A fixed set of users, each with one key (the first is the first user). */
export function staticUserDirectory(users: ReadonlyArray<{ accessKeyId: string; secretAccessKey: string; displayName?: string; email?: string }>): UserDirectory {
  if (users.length === 0) throw new Error('a user directory needs at least one user');
  const byKey = new Map<string, { secretAccessKey: string; user: OriginUser }>();
  const byId = new Map<string, OriginUser>();
  const byEmail = new Map<string, OriginUser>();
  for (const [i, u] of users.entries()) {
    const user: OriginUser = { id: canonicalOwnerId(u.accessKeyId), displayName: u.displayName ?? (i === 0 ? 'bucketfront' : u.accessKeyId.toLowerCase()) };
    if (u.email !== undefined) {
      user.email = u.email;
      byEmail.set(u.email.toLowerCase(), user);
    }
    byKey.set(u.accessKeyId, { secretAccessKey: u.secretAccessKey, user });
    byId.set(user.id, user);
  }
  const firstUser = byKey.get(users[0]!.accessKeyId)!.user;
  return {
    lookupKey: (id) => byKey.get(id),
    userById: (id) => byId.get(id),
    userByEmail: (email) => byEmail.get(email.toLowerCase()),
    firstUser,
  };
}
