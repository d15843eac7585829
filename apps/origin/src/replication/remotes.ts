/**
 * Replication remotes: the other bucketfront origins (one per region) that replication
 * destinations live on, declared once on the source with `bucketfront replication add-remote`
 * (docs/replication.md#remotes). Kept like the users (users/user-store.ts): numbered system
 * documents `replication-remotes.<n>` in the store, shared by every origin node over one backend,
 * a change written as document n+1 with createSystemDocument (a compare-and-swap; the loser
 * re-reads and retries). Secret access keys are sealed with the key service when the store has a
 * master key (users/secrets.ts), kept as they are otherwise in a document that is a 0600 file (fs)
 * or an object of the private system bucket (s3). They are never printed nor logged.
 */
import type { KeyStore, SystemDocuments } from '@bucketfront/object-store';
import { secretSealer, type SecretSealer } from '../users/secrets.js';
import type { RemoteEndpoint } from './remote-client.js';

const DOC_PREFIX = 'replication-remotes.';
/** How often an origin re-reads the remotes (a remote added by the CLI counts within seconds). */
export const REMOTES_REFRESH_MS = 2000;

interface StoredRemote {
  endpoint: string;
  accessKeyId: string;
  created: string;
  /** The secret as it is (no master key)… */
  secret?: string;
  /** …or sealed (users/secrets.ts). */
  sealed?: string;
}

interface RemotesDoc {
  seq: number;
  /** By region. */
  remotes: Record<string, StoredRemote>;
}

/** What may be shown of a remote (never its secret). */
export interface RemoteInfo {
  region: string;
  endpoint: string;
  accessKeyId: string;
  created: string;
}

/** A refused change; the message says why. */
export class RemoteAdminError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RemoteAdminError';
  }
}

const EMPTY: RemotesDoc = { seq: 0, remotes: {} };
const REGION = /^[a-z0-9][a-z0-9-]{0,62}$/;

function docName(seq: number): string {
  return `${DOC_PREFIX}${String(seq).padStart(10, '0')}`;
}

export class RemoteStore {
  private constructor(
    private readonly system: SystemDocuments,
    private readonly sealer: SecretSealer | null,
    private doc: RemotesDoc,
  ) {}

  /** `keys`: the store's key service, when it has a master key (secrets are sealed with it). */
  static async open(system: SystemDocuments, keys: KeyStore | null): Promise<RemoteStore> {
    return new RemoteStore(system, keys === null ? null : secretSealer(keys), (await readLatest(system, EMPTY)) ?? EMPTY);
  }

  /** Reads newer versions; true when there was one. */
  async refresh(): Promise<boolean> {
    const next = await readLatest(this.system, this.doc);
    if (next === null || next.seq === this.doc.seq) return false;
    this.doc = next;
    return true;
  }

  list(): RemoteInfo[] {
    return Object.entries(this.doc.remotes)
      .map(([region, r]) => ({ region, endpoint: r.endpoint, accessKeyId: r.accessKeyId, created: r.created }))
      .sort((a, b) => a.region.localeCompare(b.region));
  }

  /** Adds (or replaces) the remote of `region`. */
  async add(input: { region: string; endpoint: string; accessKeyId: string; secretAccessKey: string }): Promise<RemoteInfo> {
    if (!REGION.test(input.region)) throw new RemoteAdminError(`a region is lower-case letters, digits and dashes (e.g. eu-west-1), got "${input.region}"`);
    let url: URL;
    try {
      url = new URL(input.endpoint);
    } catch {
      throw new RemoteAdminError(`the endpoint is not a URL: "${input.endpoint}"`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname.replace(/\/+$/, '') !== '' || url.search !== '') {
      throw new RemoteAdminError(`the endpoint is http(s)://host[:port] of the remote origin's S3 API, got "${input.endpoint}"`);
    }
    if (input.accessKeyId === '' || input.secretAccessKey === '') throw new RemoteAdminError('the remote needs an access key id and a secret access key');
    const endpoint = `${url.protocol}//${url.host}`;
    const secret = this.sealer === null ? { secret: input.secretAccessKey } : { sealed: await this.sealer.seal(input.accessKeyId, input.secretAccessKey) };
    const created = new Date().toISOString();
    await this.change((doc) => {
      doc.remotes[input.region] = { endpoint, accessKeyId: input.accessKeyId, created, ...secret };
    });
    return { region: input.region, endpoint, accessKeyId: input.accessKeyId, created };
  }

  async remove(region: string): Promise<void> {
    await this.change((doc) => {
      if (doc.remotes[region] === undefined) throw new RemoteAdminError(`no remote for region ${region}`);
      delete doc.remotes[region];
    });
  }

  /** Every remote with its secret opened (a remote whose secret cannot be opened is left out and reported). */
  async endpoints(onUnreadable: (region: string, err: Error) => void = () => {}): Promise<RemoteEndpoint[]> {
    const out: RemoteEndpoint[] = [];
    for (const [region, r] of Object.entries(this.doc.remotes)) {
      try {
        out.push({ region, endpoint: r.endpoint, accessKeyId: r.accessKeyId, secretAccessKey: await this.openSecret(r) });
      } catch (err) {
        onUnreadable(region, err as Error);
      }
    }
    return out.sort((a, b) => a.region.localeCompare(b.region));
  }

  private async openSecret(r: StoredRemote): Promise<string> {
    if (r.secret !== undefined) return r.secret;
    if (r.sealed === undefined) throw new Error('no secret stored');
    if (this.sealer === null) throw new Error('the secret is sealed and this origin has no master key (set BUCKETFRONT_MASTER_KEY_FILE as on the other nodes)');
    return this.sealer.open(r.accessKeyId, r.sealed);
  }

  private async change(mutate: (doc: RemotesDoc) => void): Promise<void> {
    for (let attempt = 0; attempt < 20; attempt++) {
      await this.refresh();
      const next = JSON.parse(JSON.stringify(this.doc)) as RemotesDoc;
      mutate(next);
      next.seq = this.doc.seq + 1;
      const text = JSON.stringify(next);
      if ((await this.system.createSystemDocument(docName(next.seq), text)) === text) {
        this.doc = next;
        return;
      }
    }
    throw new RemoteAdminError('the remotes kept changing under us; try again');
  }
}

async function readLatest(system: SystemDocuments, known: RemotesDoc): Promise<RemotesDoc | null> {
  let latest: RemotesDoc | null = known.seq === 0 ? null : known;
  for (let seq = known.seq + 1; ; seq++) {
    const text = await system.getSystemDocument(docName(seq));
    if (text === null) return latest;
    latest = JSON.parse(text) as RemotesDoc;
  }
}
