/**
 * The persisted users and access keys (docs/users.md). Kept like the key service's documents
 * (packages/object-store/src/encryption/key-store.ts): numbered system documents `users.<n>`
 * in the store, so every origin node over one backend shares them. A change writes document n+1
 * with createSystemDocument, which answers the existing document when another writer got there
 * first (a compare-and-swap); the loser re-reads and retries. An origin re-reads every REFRESH_MS,
 * so a key created or deleted by `bucketfront admin` on any node counts everywhere within seconds.
 *
 * Secrets cannot be stored hashed (SigV4 needs the secret itself to compute the HMAC), so they are
 * sealed (secrets.ts) when the store has a master key, and kept as they are otherwise, in a
 * document that is a 0600 file (fs) or an object of the private system bucket (s3), like
 * credentials.json.
 */
import { randomBytes } from 'node:crypto';
import type { KeyStore, SystemDocuments } from '@bucketfront/object-store';
import { generateCredentials } from '../credentials.js';
import { canonicalOwnerId, type OriginUser } from './directory.js';
import { secretSealer, type SecretSealer } from './secrets.js';

const DOC_PREFIX = 'users.';
export const REFRESH_MS = 2000;
/** The first user's name (and display name in Owner elements), as before users existed. */
export const FIRST_USER_NAME = 'bucketfront';
/** AWS's limit on access keys per IAM user. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html */
export const MAX_KEYS_PER_USER = 2;

interface StoredUserRecord {
  /** Canonical id (64 hex). */
  id: string;
  email?: string;
  created: string;
  /** The first user: its configured key (credentials option, env or credentials.json) is `firstKey`. */
  firstKey?: string;
}

interface StoredKeyRecord {
  user: string;
  created: string;
  /** The secret as it is (no master key)… */
  secret?: string;
  /** …or sealed (secrets.ts). */
  sealed?: string;
}

interface UsersDoc {
  seq: number;
  users: Record<string, StoredUserRecord>;
  keys: Record<string, StoredKeyRecord>;
}

export interface UserInfo {
  name: string;
  id: string;
  email?: string;
  created: string;
  first: boolean;
  /** Access key ids (the first user's configured key included). */
  keys: string[];
}

export interface KeyInfo {
  accessKeyId: string;
  user: string;
  created: string;
  /** The first user's configured key: not stored here, not deletable here. */
  configured: boolean;
}

/** A refused admin request; the message says why. */
export class UserAdminError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserAdminError';
  }
}

/** A user's usable keys, secrets opened (what the origin's directory is built from). */
export interface UsersSnapshot {
  seq: number;
  users: OriginUser[];
  first: OriginUser | undefined;
  keys: Map<string, { secretAccessKey: string; user: OriginUser }>;
}

function docName(seq: number): string {
  return `${DOC_PREFIX}${String(seq).padStart(10, '0')}`;
}

const EMPTY: UsersDoc = { seq: 0, users: {}, keys: {} };

export class UserStore {
  private doc: UsersDoc;

  private constructor(
    private readonly system: SystemDocuments,
    private readonly sealer: SecretSealer | null,
    first: UsersDoc,
  ) {
    this.doc = first;
  }

  /** `keys`: the store's key service, when it has a master key (secrets are sealed with it). */
  static async open(system: SystemDocuments, keys: KeyStore | null): Promise<UserStore> {
    const doc = (await readLatest(system, EMPTY)) ?? EMPTY;
    return new UserStore(system, keys === null ? null : secretSealer(keys), doc);
  }

  get seq(): number {
    return this.doc.seq;
  }

  /** Reads newer versions; true when there was one. */
  async refresh(): Promise<boolean> {
    const next = await readLatest(this.system, this.doc);
    if (next === null || next.seq === this.doc.seq) return false;
    this.doc = next;
    return true;
  }

  /**
   * Records the first user (named FIRST_USER_NAME) with the origin's configured key, whose
   * sha256 stays its canonical id: data created before users existed stays owned by it.
   */
  async ensureFirstUser(accessKeyId: string): Promise<void> {
    await this.refresh();
    const current = this.firstRecord();
    if (current !== undefined && current[1].firstKey === accessKeyId) return;
    await this.change((doc) => {
      const existing = Object.entries(doc.users).find(([, u]) => u.firstKey !== undefined);
      if (existing !== undefined && existing[1].firstKey === accessKeyId) return;
      const name = existing?.[0] ?? FIRST_USER_NAME;
      if (existing === undefined && doc.users[name] !== undefined) throw new UserAdminError(`a user named ${name} exists but is not the first user`);
      doc.users[name] = { ...(existing?.[1] ?? { created: new Date().toISOString() }), id: canonicalOwnerId(accessKeyId), firstKey: accessKeyId };
    });
  }

  listUsers(): UserInfo[] {
    return Object.entries(this.doc.users)
      .map(([name, u]) => this.info(name, u))
      .sort((a, b) => (a.first === b.first ? a.name.localeCompare(b.name) : a.first ? -1 : 1));
  }

  listKeys(userName?: string): KeyInfo[] {
    if (userName !== undefined && this.doc.users[userName] === undefined) throw new UserAdminError(`no user named ${userName}`);
    const out: KeyInfo[] = [];
    for (const [name, u] of Object.entries(this.doc.users)) {
      if (userName !== undefined && name !== userName) continue;
      if (u.firstKey !== undefined) out.push({ accessKeyId: u.firstKey, user: name, created: u.created, configured: true });
    }
    for (const [accessKeyId, k] of Object.entries(this.doc.keys)) {
      if (userName === undefined || k.user === userName) out.push({ accessKeyId, user: k.user, created: k.created, configured: false });
    }
    return out;
  }

  /** A new user with a random canonical id and its first access key (the secret is returned once). */
  async createUser(name: string, email?: string): Promise<{ user: UserInfo; key: { accessKeyId: string; secretAccessKey: string } }> {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.@+=,-]{0,63}$/.test(name)) throw new UserAdminError(`a user name is 1-64 letters, digits and _.@+=,- (starting with a letter or digit), got "${name}"`);
    if (email !== undefined && !/^[^\s@]+@[^\s@]+$/.test(email)) throw new UserAdminError(`not an e-mail address: "${email}"`);
    const key = generateCredentials();
    const sealed = await this.sealSecret(key);
    await this.change((doc) => {
      if (doc.users[name] !== undefined) throw new UserAdminError(`a user named ${name} already exists`);
      if (name === FIRST_USER_NAME) throw new UserAdminError(`the name ${name} is reserved for the first user (the origin's configured credentials)`);
      if (email !== undefined && Object.values(doc.users).some((u) => u.email?.toLowerCase() === email.toLowerCase())) {
        throw new UserAdminError(`another user has the e-mail address ${email}`);
      }
      doc.users[name] = { id: randomBytes(32).toString('hex'), created: new Date().toISOString(), ...(email !== undefined ? { email } : {}) };
      doc.keys[key.accessKeyId] = { user: name, created: new Date().toISOString(), ...sealed };
    });
    return { user: this.info(name, this.doc.users[name]!), key };
  }

  /**
   * Removes a user and its keys. `ownedBuckets` names the buckets the user owns (the caller reads
   * them from the store): a user owning any is refused, as IAM refuses to delete a user with
   * attached resources. The first user is never deleted.
   */
  async deleteUser(name: string, ownedBuckets: (id: string) => Promise<string[]>): Promise<void> {
    await this.refresh();
    const user = this.doc.users[name];
    if (user === undefined) throw new UserAdminError(`no user named ${name}`);
    if (user.firstKey !== undefined) throw new UserAdminError(`${name} is the first user (the origin's configured credentials): it cannot be deleted`);
    const owned = await ownedBuckets(user.id);
    if (owned.length > 0) throw new UserAdminError(`${name} owns ${owned.length} bucket(s) (${owned.slice(0, 5).join(', ')}${owned.length > 5 ? ', …' : ''}): delete them first`);
    await this.change((doc) => {
      if (doc.users[name] === undefined) throw new UserAdminError(`no user named ${name}`);
      delete doc.users[name];
      for (const [id, k] of Object.entries(doc.keys)) if (k.user === name) delete doc.keys[id];
    });
  }

  /** Another access key for a user (at most MAX_KEYS_PER_USER stored ones, as IAM allows). */
  async createKey(userName: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
    const key = generateCredentials();
    const sealed = await this.sealSecret(key);
    await this.change((doc) => {
      if (doc.users[userName] === undefined) throw new UserAdminError(`no user named ${userName}`);
      const count = Object.values(doc.keys).filter((k) => k.user === userName).length;
      if (count >= MAX_KEYS_PER_USER) throw new UserAdminError(`${userName} already has ${count} access keys (at most ${MAX_KEYS_PER_USER}, as IAM allows): delete one first`);
      doc.keys[key.accessKeyId] = { user: userName, created: new Date().toISOString(), ...sealed };
    });
    return key;
  }

  async deleteKey(accessKeyId: string): Promise<void> {
    await this.refresh();
    if (Object.values(this.doc.users).some((u) => u.firstKey === accessKeyId)) {
      throw new UserAdminError(`${accessKeyId} is the first user's configured key (credentials option, BUCKETFRONT_ACCESS_KEY_ID or credentials.json): change it there, not here`);
    }
    await this.change((doc) => {
      // Another user's last key may go: a user without keys still owns its buckets and can be granted to.
      if (doc.keys[accessKeyId] === undefined) throw new UserAdminError(`no access key ${accessKeyId}`);
      delete doc.keys[accessKeyId];
    });
  }

  /** Users and their usable keys, secrets opened (a key that cannot be opened is left out and reported). */
  async snapshot(onUnreadable: (accessKeyId: string, err: Error) => void = () => {}): Promise<UsersSnapshot> {
    const doc = this.doc;
    const users = new Map<string, OriginUser>();
    let first: OriginUser | undefined;
    for (const [name, u] of Object.entries(doc.users)) {
      const user: OriginUser = { id: u.id, displayName: name, ...(u.email !== undefined ? { email: u.email } : {}) };
      users.set(name, user);
      if (u.firstKey !== undefined) first = user;
    }
    const keys = new Map<string, { secretAccessKey: string; user: OriginUser }>();
    for (const [accessKeyId, k] of Object.entries(doc.keys)) {
      const user = users.get(k.user);
      if (user === undefined) continue;
      try {
        keys.set(accessKeyId, { secretAccessKey: await this.openSecret(accessKeyId, k), user });
      } catch (err) {
        onUnreadable(accessKeyId, err as Error);
      }
    }
    return { seq: doc.seq, users: [...users.values()], first, keys };
  }

  private firstRecord(): [string, StoredUserRecord] | undefined {
    return Object.entries(this.doc.users).find(([, u]) => u.firstKey !== undefined);
  }

  private info(name: string, u: StoredUserRecord): UserInfo {
    const keys = [
      ...(u.firstKey !== undefined ? [u.firstKey] : []),
      ...Object.entries(this.doc.keys)
        .filter(([, k]) => k.user === name)
        .map(([id]) => id),
    ];
    return { name, id: u.id, created: u.created, first: u.firstKey !== undefined, keys, ...(u.email !== undefined ? { email: u.email } : {}) };
  }

  private async sealSecret(key: { accessKeyId: string; secretAccessKey: string }): Promise<Pick<StoredKeyRecord, 'secret' | 'sealed'>> {
    return this.sealer === null ? { secret: key.secretAccessKey } : { sealed: await this.sealer.seal(key.accessKeyId, key.secretAccessKey) };
  }

  private async openSecret(accessKeyId: string, k: StoredKeyRecord): Promise<string> {
    if (k.secret !== undefined) return k.secret;
    if (k.sealed === undefined) throw new Error('no secret stored');
    if (this.sealer === null) throw new Error('the secret is sealed and this origin has no master key (set BUCKETFRONT_MASTER_KEY_FILE as on the other nodes)');
    return this.sealer.open(accessKeyId, k.sealed);
  }

  /** Applies `mutate` to a copy of the newest version and stores it as the next one, retrying on a race. */
  private async change(mutate: (doc: UsersDoc) => void): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt++) {
      await this.refresh();
      const next = JSON.parse(JSON.stringify(this.doc)) as UsersDoc;
      mutate(next);
      next.seq = this.doc.seq + 1;
      const text = JSON.stringify(next);
      const stored = await this.system.createSystemDocument(docName(next.seq), text);
      if (stored === text) {
        this.doc = next;
        return;
      }
    }
    throw new UserAdminError('the user directory kept changing under us; try again');
  }
}

/** The newest version after `known` (null when there is none at all). */
async function readLatest(system: SystemDocuments, known: UsersDoc): Promise<UsersDoc | null> {
  let latest: UsersDoc | null = known.seq === 0 ? null : known;
  for (let seq = known.seq + 1; ; seq++) {
    const text = await system.getSystemDocument(docName(seq));
    if (text === null) return latest;
    latest = JSON.parse(text) as UsersDoc;
  }
}
