/**
 * The built-in key service: key-encryption keys (KEKs) wrapped by the master key, kept as
 * numbered system documents (`kms-keystore.<n>`) in the store itself, so every origin node of a
 * cluster shares them. A change writes document n+1 with createSystemDocument, which fails to
 * the existing document when another node got there first: a compare-and-swap; the loser
 * re-reads and retries. Readers look for n+1 at most every REFRESH_MS, so a disabled key stops
 * reads on every node within that time.
 *
 * Keys: `sse-s3` (one KEK for every SSE-S3 object) and the SSE-KMS keys, addressed like AWS KMS
 * keys by id, ARN, alias (`alias/name`) or alias ARN. `alias/aws/s3` is the AWS managed key
 * aws:kms uses when no key is named; it is created on first use.
 * https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { StoreError, type SystemDocuments } from '../types.js';
import { unwrapKey, wrapKey } from './key-wrap.js';
import type { MasterKeys } from './master-keys.js';

export const SSE_S3_KEY_ID = 'sse-s3';
export const AWS_MANAGED_S3_ALIAS = 'alias/aws/s3';
const DOC_PREFIX = 'kms-keystore.';
const REFRESH_MS = 2000;
/** The account in key ARNs: single tenant, like the origin's own owner id. */
const ACCOUNT = '000000000000';

export type KeyState = 'Enabled' | 'Disabled';

interface StoredKey {
  /** The KEK wrapped by the master key `master`. */
  wrapped: string;
  state: KeyState;
  created: string;
  description: string;
  /** AWS managed (aws/s3) or customer managed. */
  manager: 'AWS' | 'CUSTOMER';
}

interface KeyStoreDoc {
  seq: number;
  /** Id of the master key every `wrapped` is sealed with. */
  master: string;
  keys: Record<string, StoredKey>;
  aliases: Record<string, string>;
}

export interface KmsKeyInfo {
  keyId: string;
  arn: string;
  state: KeyState;
  created: string;
  description: string;
  manager: 'AWS' | 'CUSTOMER';
  aliases: string[];
}

function docName(seq: number): string {
  return `${DOC_PREFIX}${String(seq).padStart(10, '0')}`;
}

export class KeyStore {
  private doc: KeyStoreDoc;
  private checkedAt = 0;
  private readonly unwrapped = new Map<string, Buffer>();

  private constructor(
    private readonly system: SystemDocuments,
    private readonly master: MasterKeys,
    readonly region: string,
    first: KeyStoreDoc,
  ) {
    this.doc = first;
    this.checkedAt = Date.now();
  }

  /** Opens the newest key store, creating version 1 (with the SSE-S3 key) when there is none. */
  static async open(system: SystemDocuments, master: MasterKeys, region = 'us-east-1'): Promise<KeyStore> {
    let doc = await readLatest(system, 0, null);
    if (doc === null) {
      const kek = randomBytes(32);
      const initial: KeyStoreDoc = {
        seq: 1,
        master: master.activeId,
        keys: { [SSE_S3_KEY_ID]: { wrapped: wrapKey(keyOf(master, master.activeId), kek, SSE_S3_KEY_ID), state: 'Enabled', created: new Date().toISOString(), description: 'SSE-S3', manager: 'AWS' } },
        aliases: {},
      };
      doc = JSON.parse(await system.createSystemDocument(docName(1), JSON.stringify(initial))) as KeyStoreDoc;
      doc = (await readLatest(system, doc.seq, doc))!;
    }
    if (!master.keys.has(doc.master)) {
      throw new Error(`the key store is sealed with master key "${doc.master}", which the master key file does not hold (it has: ${[...master.keys.keys()].join(', ')})`);
    }
    return new KeyStore(system, master, region, doc);
  }

  arnOf(keyId: string): string {
    return `arn:aws:kms:${this.region}:${ACCOUNT}:key/${keyId}`;
  }

  private async refresh(force = false): Promise<void> {
    if (!force && Date.now() - this.checkedAt < REFRESH_MS) return;
    this.checkedAt = Date.now();
    const next = await readLatest(this.system, this.doc.seq, this.doc);
    if (next !== null && next.seq !== this.doc.seq) {
      if (next.master !== this.doc.master) this.unwrapped.clear();
      this.doc = next;
    }
  }

  /** Key id for an id, ARN, alias or alias ARN; null when unknown. */
  private resolve(ref: string): string | null {
    let r = ref;
    const arn = /^arn:aws:kms:[^:]*:[^:]*:(key\/.+|alias\/.+)$/.exec(r);
    if (arn !== null) r = arn[1]!.startsWith('key/') ? arn[1]!.slice(4) : arn[1]!;
    if (r.startsWith('alias/')) return this.doc.aliases[r] ?? null;
    return r !== SSE_S3_KEY_ID && this.doc.keys[r] !== undefined ? r : null;
  }

  /** The KEK of `keyId` for reading or writing: KMS.NotFoundException / KMS.DisabledException as S3 answers. */
  async kek(keyId: string): Promise<Buffer> {
    if (keyId !== SSE_S3_KEY_ID) await this.refresh();
    const stored = this.doc.keys[keyId];
    if (stored === undefined) throw new StoreError('KMS.NotFoundException', `Key '${this.arnOf(keyId)}' does not exist`);
    if (stored.state !== 'Enabled') throw new StoreError('KMS.DisabledException', `${this.arnOf(keyId)} is disabled.`);
    let kek = this.unwrapped.get(keyId);
    if (kek === undefined) {
      kek = unwrapKey(keyOf(this.master, this.doc.master), stored.wrapped, keyId);
      this.unwrapped.set(keyId, kek);
    }
    return kek;
  }

  /** The key id `ref` names for SSE-KMS (absent: the AWS managed aws/s3 key, created on first use). */
  async kmsKeyFor(ref: string | undefined): Promise<string> {
    await this.refresh();
    if (ref === undefined || ref === '' || ref === AWS_MANAGED_S3_ALIAS) {
      const id = this.doc.aliases[AWS_MANAGED_S3_ALIAS];
      if (id !== undefined) return id;
      return (await this.createKey({ description: 'Default key that protects my S3 objects when no other key is defined', alias: AWS_MANAGED_S3_ALIAS, manager: 'AWS' })).keyId;
    }
    let id = this.resolve(ref);
    if (id === null) {
      await this.refresh(true);
      id = this.resolve(ref);
    }
    if (id === null) throw new StoreError('KMS.NotFoundException', `Invalid keyId '${ref}'`);
    return id;
  }

  /**
   * A new key. `keyId`: a chosen id instead of a random UUID (bucketfront extension, for moving
   * keys' names over from another system and for test suites that name their keys).
   */
  async createKey(opts: { description?: string; alias?: string; manager?: 'AWS' | 'CUSTOMER'; keyId?: string } = {}): Promise<KmsKeyInfo> {
    const keyId = opts.keyId ?? randomUUID();
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(keyId) || keyId === SSE_S3_KEY_ID) throw new StoreError('InvalidArgument', `A key id is 1-64 letters, digits, - and _, got ${keyId}`);
    const kek = randomBytes(32);
    if (opts.alias !== undefined && !/^alias\/[A-Za-z0-9/_-]{1,250}$/.test(opts.alias)) throw new StoreError('InvalidArgument', `Alias must look like alias/name, got ${opts.alias}`);
    await this.change((doc) => {
      if (opts.alias !== undefined && doc.aliases[opts.alias] !== undefined) throw new StoreError('InvalidArgument', `Alias ${opts.alias} already exists`);
      if (doc.keys[keyId] !== undefined) throw new StoreError('InvalidArgument', `Key ${keyId} already exists`);
      doc.keys[keyId] = {
        wrapped: wrapKey(keyOf(this.master, doc.master), kek, keyId),
        state: 'Enabled',
        created: new Date().toISOString(),
        description: opts.description ?? '',
        manager: opts.manager ?? 'CUSTOMER',
      };
      if (opts.alias !== undefined) doc.aliases[opts.alias] = keyId;
    });
    return this.describe(keyId)!;
  }

  async setKeyState(ref: string, state: KeyState): Promise<KmsKeyInfo> {
    await this.refresh(true);
    const keyId = this.resolve(ref);
    if (keyId === null) throw new StoreError('KMS.NotFoundException', `Invalid keyId '${ref}'`);
    await this.change((doc) => {
      doc.keys[keyId]!.state = state;
    });
    return this.describe(keyId)!;
  }

  async listKeys(): Promise<KmsKeyInfo[]> {
    await this.refresh(true);
    return Object.keys(this.doc.keys)
      .filter((id) => id !== SSE_S3_KEY_ID)
      .map((id) => this.describe(id)!);
  }

  private describe(keyId: string): KmsKeyInfo | null {
    const k = this.doc.keys[keyId];
    if (k === undefined) return null;
    const aliases = Object.entries(this.doc.aliases)
      .filter(([, id]) => id === keyId)
      .map(([a]) => a);
    return { keyId, arn: this.arnOf(keyId), state: k.state, created: k.created, description: k.description, manager: k.manager, aliases };
  }

  /** Re-wraps every KEK under the master file's active key (no object is rewritten). */
  async rewrapUnderActiveMaster(): Promise<{ from: string; to: string; keys: number }> {
    await this.refresh(true);
    const from = this.doc.master;
    const to = this.master.activeId;
    await this.change((doc) => {
      if (doc.master === to) return;
      const oldMaster = keyOf(this.master, doc.master);
      const newMaster = keyOf(this.master, to);
      for (const [id, k] of Object.entries(doc.keys)) k.wrapped = wrapKey(newMaster, unwrapKey(oldMaster, k.wrapped, id), id);
      doc.master = to;
    });
    this.unwrapped.clear();
    return { from, to, keys: Object.keys(this.doc.keys).length };
  }

  /** Applies `mutate` to a copy of the newest version and stores it as the next one, retrying on a race. */
  private async change(mutate: (doc: KeyStoreDoc) => void): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt++) {
      await this.refresh(true);
      const next = JSON.parse(JSON.stringify(this.doc)) as KeyStoreDoc;
      mutate(next);
      next.seq = this.doc.seq + 1;
      const text = JSON.stringify(next);
      const stored = await this.system.createSystemDocument(docName(next.seq), text);
      if (stored === text) {
        this.doc = next;
        return;
      }
    }
    throw new StoreError('ServiceUnavailable', 'the key store kept changing under us; try again');
  }
}

function keyOf(master: MasterKeys, id: string): Buffer {
  const k = master.keys.get(id);
  if (k === undefined) throw new Error(`master key "${id}" is not in the master key file`);
  return k;
}

/** The newest version at or after `known` (null when none exists at all). */
async function readLatest(system: SystemDocuments, knownSeq: number, known: KeyStoreDoc | null): Promise<KeyStoreDoc | null> {
  let latest = known;
  for (let seq = knownSeq + 1; ; seq++) {
    const text = await system.getSystemDocument(docName(seq));
    if (text === null) return latest;
    latest = JSON.parse(text) as KeyStoreDoc;
  }
}
