/**
 * CloudFront Functions created through the control API: each has a DEVELOPMENT stage (written by
 * CreateFunction / UpdateFunction) and, once published, a LIVE stage (PublishFunction copies
 * DEVELOPMENT to LIVE). Each stage has its own ETag, a new one whenever the stage changes.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateFunction.html
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_PublishFunction.html
 *
 * Every change is written through to the FunctionDb (function-db.ts) before it is answered.
 * Operations are synchronous: a check (If-Match) and the change it guards happen in one turn.
 */
import { randomInt } from 'node:crypto';
import type { PublishedFunction } from '../functions/published.js';
import { errors } from './errors.js';
import { inMemoryFunctionDb, openFunctionDb, type FunctionDb, type StoredFunction, type StoredStage } from './function-db.js';
import type { FunctionStage } from './function-request.js';

export type { StoredFunction, StoredStage } from './function-db.js';

const ETAG_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Shaped like CloudFront's function ETags (`ETVPDKIKX0DER`). */
export function newFunctionETag(): string {
  let etag = 'E';
  for (let i = 0; i < 12; i++) etag += ETAG_ALPHABET[randomInt(ETAG_ALPHABET.length)];
  return etag;
}

/** A stage's content without its version: what Create/Update write. */
export type StageContent = Omit<StoredStage, 'etag' | 'lastModifiedTime'>;

export function publishedOf(name: string, live: StoredStage): PublishedFunction {
  return { name, runtime: live.runtime, comment: live.comment, code: live.code.toString('utf8'), kvsAssociations: [...live.kvsAssociations], etag: live.etag };
}

export class FunctionStore {
  private readonly byName = new Map<string, StoredFunction>();

  constructor(
    private readonly db: FunctionDb,
    functions: readonly StoredFunction[] = [],
  ) {
    for (const f of functions) this.byName.set(f.name, f);
  }

  /** From `file` (SQLite), or in memory without one. Problems with the file warn once (function-db.ts). */
  static open(file: string | undefined, warn: (message: string) => void): FunctionStore {
    const opened = file === undefined ? inMemoryFunctionDb() : openFunctionDb(file, warn);
    return new FunctionStore(opened.db, opened.functions);
  }

  get(name: string): StoredFunction | undefined {
    return this.byName.get(name);
  }

  /** The function, else NoSuchFunctionExists (404). */
  require(name: string): StoredFunction {
    const f = this.byName.get(name);
    if (!f) throw errors.noSuchFunctionExists(name);
    return f;
  }

  /** The stage of a function, else NoSuchFunctionExists (a function never published has no LIVE stage). */
  requireStage(name: string, stage: FunctionStage): { fn: StoredFunction; stage: StoredStage } {
    const fn = this.require(name);
    const s = stage === 'LIVE' ? fn.live : fn.development;
    if (!s) throw errors.noSuchFunctionExists(name, stage);
    return { fn, stage: s };
  }

  /** All functions by name (ListFunctions' order). */
  list(): StoredFunction[] {
    return [...this.byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The LIVE stages: what the data plane runs. */
  live(): PublishedFunction[] {
    return this.list().flatMap((f) => (f.live ? [publishedOf(f.name, f.live)] : []));
  }

  /** CreateFunction: a new function in DEVELOPMENT; FunctionAlreadyExists (409) if the name is taken. */
  create(name: string, content: StageContent, now: Date): StoredFunction {
    if (this.byName.has(name)) throw errors.functionAlreadyExists(name);
    const f: StoredFunction = { name, createdTime: now, development: this.stage(content, now) };
    this.db.putStage(name, f.createdTime, 'DEVELOPMENT', f.development);
    this.byName.set(name, f);
    return f;
  }

  /** UpdateFunction: new DEVELOPMENT content and ETag (LIVE is unchanged until published). */
  update(name: string, content: StageContent, now: Date): StoredFunction {
    const f = this.require(name);
    f.development = this.stage(content, now, f.development.etag);
    this.db.putStage(name, f.createdTime, 'DEVELOPMENT', f.development);
    return f;
  }

  /** PublishFunction: LIVE becomes a copy of DEVELOPMENT, with its own new ETag. */
  publish(name: string, now: Date): StoredFunction {
    const f = this.require(name);
    const { code, comment, runtime, kvsAssociations } = f.development;
    f.live = this.stage({ code, comment, runtime, kvsAssociations }, now, f.live?.etag ?? f.development.etag);
    this.db.putStage(name, f.createdTime, 'LIVE', f.live);
    return f;
  }

  /** DeleteFunction. */
  remove(name: string): void {
    this.require(name);
    this.byName.delete(name);
    this.db.remove(name);
  }

  /**
   * A peer edge's PublishFunction: both stages become the published version (same ETag, so
   * the peers answer DescribeFunction alike). Ignored when this edge has a LIVE stage modified
   * later (messages from peers may arrive out of order). Returns whether it applied.
   */
  mirror(name: string, createdTime: Date, live: StoredStage): boolean {
    const current = this.byName.get(name);
    if (current?.live && current.live.lastModifiedTime.getTime() > live.lastModifiedTime.getTime()) return false;
    const f: StoredFunction = { name, createdTime: current?.createdTime ?? createdTime, development: live, live };
    this.db.putStage(name, f.createdTime, 'DEVELOPMENT', live);
    this.db.putStage(name, f.createdTime, 'LIVE', live);
    this.byName.set(name, f);
    return true;
  }

  /** A peer edge's DeleteFunction: applied unless this edge's function changed after `at`. */
  mirrorRemove(name: string, at: Date): boolean {
    const current = this.byName.get(name);
    if (!current) return true;
    const changed = Math.max(current.development.lastModifiedTime.getTime(), current.live?.lastModifiedTime.getTime() ?? 0);
    if (changed > at.getTime()) return false;
    this.byName.delete(name);
    this.db.remove(name);
    return true;
  }

  private closed = false;

  /** Idempotent: startEdge's close and a failed start may both call it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private stage(content: StageContent, now: Date, previousETag?: string): StoredStage {
    let etag = newFunctionETag();
    while (etag === previousETag) etag = newFunctionETag();
    return { ...content, kvsAssociations: [...content.kvsAssociations], etag, lastModifiedTime: now };
  }
}
