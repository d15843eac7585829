/**
 * The distributions created through the control API (CreateDistribution, UpdateDistribution,
 * DeleteDistribution, tags), beside the read-only ones of the configuration file. Each has an
 * id like CloudFront's (`E` + 13 upper-case letters and digits), an ETag that changes with
 * every update, and the edge configuration its DistributionConfig makes (distribution-spec.ts).
 * Every change is written through to the DistributionDb (distribution-db.ts) before it is answered;
 * operations are synchronous, so an If-Match check and the change it guards happen in one turn.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateDistribution.html
 */
import { randomInt } from 'node:crypto';
import { openDistributionDb, type DistributionDb, type StoredDistribution } from './distribution-db.js';
import type { DistributionSpec, Tag } from './distribution-request.js';
import { distributionFromSpec, type SpecContext } from './distribution-spec.js';
import type { DistributionConfig, EdgeConfig } from './runtime-types.js';

export type { StoredDistribution } from './distribution-db.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** `E` + 13 upper-case alphanumerics: CloudFront's distribution ids (EDFDVBD6EXAMPLE) and ETags (E2QWRUHAPOMQZL). */
export function newDistributionToken(): string {
  let s = 'E';
  for (let i = 0; i < 13; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

/** A stored distribution with the edge configuration it makes. */
export interface ApiDistribution extends StoredDistribution {
  config: DistributionConfig;
}

export class DistributionStore {
  private readonly byId = new Map<string, ApiDistribution>();
  /** Changes being applied per distribution (workers, peers): InProgress while any. */
  private readonly applying = new Map<string, number>();
  private closed = false;

  private constructor(private readonly db: DistributionDb) {}

  /**
   * From `file` (SQLite), or in memory without one. A stored distribution the configuration can
   * no longer serve (e.g. its id or an alias is now in the file) is skipped with a warning.
   */
  static open(file: string | undefined, config: EdgeConfig, warn: (message: string) => void): DistributionStore {
    const opened = openDistributionDb(file, warn);
    const store = new DistributionStore(opened.db);
    for (const d of opened.distributions) {
      try {
        if (config.distributions.some((c) => c.id === d.id)) throw new Error('the configuration file has a distribution with this id');
        const others = [...config.distributions, ...store.configs()];
        store.byId.set(d.id, { ...d, config: distributionFromSpec(d.id, d.spec, { config, others, functionExists: () => true }) });
      } catch (err) {
        warn(`distribution ${d.id} (created through the API) is not served: ${(err as Error).message}`);
      }
    }
    return store;
  }

  get(id: string): ApiDistribution | undefined {
    return this.byId.get(id);
  }

  /** In creation order. */
  list(): ApiDistribution[] {
    return [...this.byId.values()];
  }

  /** The edge configurations of every API distribution (disabled ones too): what the data plane gets. */
  configs(): DistributionConfig[] {
    return this.list().map((d) => d.config);
  }

  byCallerReference(ref: string): ApiDistribution | undefined {
    return this.list().find((d) => d.spec.callerReference === ref);
  }

  /** CreateDistribution: a new id; `ctx` checks the configuration (CNAMEs, origins, functions). */
  create(spec: DistributionSpec, tags: Tag[], now: Date, ctx: SpecContext, isTaken: (id: string) => boolean): ApiDistribution {
    let id = newDistributionToken();
    while (isTaken(id) || this.byId.has(id)) id = newDistributionToken();
    const d: ApiDistribution = { id, spec, tags, etag: newDistributionToken(), createdTime: now, lastModifiedTime: now, config: distributionFromSpec(id, spec, ctx) };
    this.db.put(d);
    this.byId.set(id, d);
    return d;
  }

  /** UpdateDistribution: the new DistributionConfig (CallerReference unchanged, checked by the caller), a new ETag. */
  update(d: ApiDistribution, spec: DistributionSpec, now: Date, ctx: SpecContext): ApiDistribution {
    const config = distributionFromSpec(d.id, spec, ctx);
    let etag = newDistributionToken();
    while (etag === d.etag) etag = newDistributionToken();
    const next: ApiDistribution = { ...d, spec, config, etag, lastModifiedTime: now };
    this.db.put(next);
    this.byId.set(d.id, next);
    return next;
  }

  /** TagResource / UntagResource: tags do not change the ETag (they are not part of the DistributionConfig). */
  setTags(d: ApiDistribution, tags: Tag[]): void {
    const next = { ...d, tags };
    this.db.put(next);
    this.byId.set(d.id, next);
  }

  remove(id: string): void {
    this.byId.delete(id);
    this.db.remove(id);
  }

  /**
   * A peer edge's change: the distribution as that edge has it, unless this edge has a later
   * version (messages from peers may arrive out of order). Returns whether it applied.
   */
  mirror(d: StoredDistribution, config: EdgeConfig): boolean {
    const current = this.byId.get(d.id);
    if (current && current.lastModifiedTime.getTime() > d.lastModifiedTime.getTime()) return false;
    const others = [...config.distributions, ...this.configs().filter((c) => c.id !== d.id)];
    const next: ApiDistribution = { ...d, config: distributionFromSpec(d.id, d.spec, { config, others, functionExists: () => true }) };
    this.db.put(next);
    this.byId.set(d.id, next);
    return true;
  }

  /** A peer edge's DeleteDistribution: applied unless this edge's distribution changed after `at`. */
  mirrorRemove(id: string, at: Date): boolean {
    const current = this.byId.get(id);
    if (!current) return true;
    if (current.lastModifiedTime.getTime() > at.getTime()) return false;
    this.remove(id);
    return true;
  }

  /** Status as CloudFront reports it: InProgress until every worker and peer has the change. */
  status(id: string): 'InProgress' | 'Deployed' {
    return (this.applying.get(id) ?? 0) > 0 ? 'InProgress' : 'Deployed';
  }

  /** Marks a change of `id` as being applied; the returned function marks it applied. */
  beginApply(id: string): () => void {
    this.applying.set(id, (this.applying.get(id) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = (this.applying.get(id) ?? 1) - 1;
      if (n <= 0) this.applying.delete(id);
      else this.applying.set(id, n);
    };
  }

  /** Idempotent: startEdge's close and the control server's may both call it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
