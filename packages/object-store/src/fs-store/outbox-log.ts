/**
 * One partition of the fs outbox as a log (docs/notifications.md#the-outbox): segment files
 * `<seq, 12 hex>.log` of frames (outbox-frames.ts).
 *
 * - An append is one write to the active segment, opened with O_DSYNC: durable when the write
 *   returns. Appends that arrive while one is being written share the next write, so they share
 *   one flush of the disk.
 * - A removal is a frame in `<seq>.log.removed`, beside the segment holding the batch, written
 *   without a flush: lost in a power cut, it costs duplicates, never an event.
 * - A segment that holds no live batch (and is not the one appended to) is deleted. The active
 *   segment moves on at SEGMENT_BYTES, and at every start.
 * - Opening reads every segment; a torn tail (a write that never returned, so never acknowledged)
 *   ends what is read. Batches of the earlier format, `<id>.json` files, are read and removed.
 *
 * One process owns the partition (the data directory's lock): what is live is kept in memory, as
 * ids and where their frames lie.
 */
import { constants, fstatSync, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { asStoreError, errnoCode, fsyncDir, TMP_SUFFIX } from '../durable-fs.js';
import { StoreError, type OutboxBatch } from '../types.js';
import { isOutboxBatchId } from '../validate.js';
import { lowerBound, insertSorted } from '../key-order.js';
import { decodeFrame, decodeFrames, encodeFrame, isStringArray } from './outbox-frames.js';

/** The active segment moves on past this size (a batch is never split). */
const SEGMENT_BYTES = 8 * 1024 * 1024;
const SEGMENT_NAME = /^([0-9a-f]{12})\.log$/;
const REMOVED_SUFFIX = '.removed';
/** A batch of the earlier format: one JSON file per batch. */
const LEGACY_SUFFIX = '.json';

interface Segment {
  seq: number;
  /** Live batches in it. */
  live: number;
  size: number;
  /** Open for appends (O_DSYNC) while it is the active segment. */
  data: FileHandle | null;
  /** Its removal frames' file, opened on first use. */
  removed: Promise<FileHandle> | null;
  /** Set at open when bytes that do not read as frames are followed by another line (kept, never deleted). */
  unreadable?: boolean;
  /** Length of the removal file's whole frames; its writes are chained, one at a time. */
  removedSize: number;
  removedWrites: Promise<void>;
}

/** Where a live batch's frame lies; `seq` null: an earlier-format `<id>.json` file. */
interface Location {
  seq: number | null;
  offset: number;
  length: number;
}

interface PendingAppend {
  id: string;
  frame: Buffer;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const segmentName = (seq: number) => `${seq.toString(16).padStart(12, '0')}.log`;

export class PartitionLog {
  private readonly live = new Map<string, Location>();
  /** Ids in append (= id) order; removed ones stay until the next compaction. */
  private order: string[] = [];
  private removedInOrder = 0;
  private readonly segments = new Map<number, Segment>();
  private active: Segment | null = null;
  private nextSeq = 0;
  private pending: PendingAppend[] = [];
  /** The drain writing appends, if one runs. */
  private writing: Promise<void> | null = null;
  private closed = false;

  private constructor(
    private readonly dir: string,
    /** Creates the partition's directory durably (and its parents). */
    private readonly ensureDir: () => Promise<void>,
    /** Read beside the process that owns the partition: nothing is changed, files may vanish. */
    private readonly readOnly = false,
  ) {}

  /**
   * The live batches of a partition directory, read from its files without opening the store (no
   * lock, nothing changed): for tools and tests beside a running origin. An append being written
   * reads as a torn tail and is left out.
   */
  static async readFiles(dir: string): Promise<OutboxBatch[]> {
    const log = new PartitionLog(dir, async () => {}, true);
    try {
      await log.load();
      return await log.read(Number.MAX_SAFE_INTEGER);
    } catch (err) {
      throw asStoreError(err);
    }
  }

  /** Reads what the partition holds (nothing when its directory does not exist). */
  static async open(dir: string, ensureDir: () => Promise<void>): Promise<PartitionLog> {
    const log = new PartitionLog(dir, ensureDir);
    try {
      await log.load();
    } catch (err) {
      for (const segment of log.segments.values()) await closeSegment(segment);
      throw asStoreError(err);
    }
    return log;
  }

  get hasLive(): boolean {
    return this.live.size > 0;
  }

  /** Durably appends one batch; ids must be given in increasing order. */
  append(id: string, records: string[]): Promise<void> {
    if (this.closed) return Promise.reject(new StoreError('ServiceUnavailable', 'the outbox is closed'));
    const frame = encodeFrame({ kind: 'B', id, records });
    return new Promise((resolve, reject) => {
      this.pending.push({ id, frame, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  async read(limit: number, after?: string): Promise<OutboxBatch[]> {
    const picked: Array<[string, Location]> = [];
    for (let i = after === undefined ? 0 : lowerBound(this.order, after, true); i < this.order.length && picked.length < limit; i++) {
      const id = this.order[i]!;
      const at = this.live.get(id);
      if (at !== undefined) picked.push([id, at]);
    }
    const out: OutboxBatch[] = [];
    for (const [id, at] of picked) {
      const records = await this.readBatch(id, at);
      if (records !== null) out.push({ id, records });
    }
    return out;
  }

  /** Removes the batches; an id that is not live is ignored. Recorded first: a failure leaves them live. */
  async remove(ids: readonly string[]): Promise<void> {
    if (this.closed) throw new StoreError('ServiceUnavailable', 'the outbox is closed');
    const bySegment = new Map<Segment, string[]>();
    const legacy: string[] = [];
    for (const id of new Set(ids)) {
      const at = this.live.get(id);
      if (at === undefined) continue;
      if (at.seq === null) {
        legacy.push(id);
        continue;
      }
      const segment = this.segments.get(at.seq);
      if (segment === undefined) {
        this.forget([id]); // its segment's files are gone already
        continue;
      }
      const gone = bySegment.get(segment);
      if (gone === undefined) bySegment.set(segment, [id]);
      else gone.push(id);
    }
    try {
      for (const [segment, gone] of bySegment) {
        const last = segment.live === gone.length && this.deletable(segment);
        if (last) await this.deleteSegment(segment);
        else await this.recordRemoved(segment, gone);
        // Another removal of the same ids may have run meanwhile: each id is counted once.
        const still = gone.filter((id) => this.live.get(id)?.seq === segment.seq);
        this.forget(still);
        segment.live -= still.length;
        // Emptied by removals that ran at the same time, each recorded: the segment can go now.
        if (!last && segment.live === 0 && this.deletable(segment) && this.segments.has(segment.seq)) await this.deleteSegment(segment);
      }
      for (const id of legacy) {
        await fsp.rm(join(this.dir, `${id}${LEGACY_SUFFIX}`), { force: true });
        this.forget([id]);
      }
    } catch (err) {
      throw asStoreError(err);
    }
  }

  /**
   * Closes the files and deletes the segments left without a live batch. Appends still queued
   * fail; the one being written finishes first (acknowledged, it is kept).
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.pending.splice(0)) p.reject(new StoreError('ServiceUnavailable', 'the outbox is closed'));
    await this.writing;
    for (const segment of this.segments.values()) await segment.removedWrites;
    this.active = null;
    for (const segment of [...this.segments.values()]) {
      if (segment.live === 0 && this.deletable(segment)) await this.deleteSegment(segment).catch(() => {});
      else await closeSegment(segment);
    }
  }

  // ---- loading ----

  private async load(): Promise<void> {
    let names: string[];
    try {
      names = await fsp.readdir(this.dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return;
      throw err;
    }
    for (const name of names) {
      // A temp name is an earlier-format append that never completed (removed at open).
      if (name.endsWith(TMP_SUFFIX) || !name.endsWith(LEGACY_SUFFIX)) continue;
      const id = name.slice(0, -LEGACY_SUFFIX.length);
      if (isOutboxBatchId(id)) this.live.set(id, { seq: null, offset: 0, length: 0 });
    }
    const seqs = names.flatMap((n) => (SEGMENT_NAME.test(n) ? [Number.parseInt(SEGMENT_NAME.exec(n)![1]!, 16)] : [])).sort((a, b) => a - b);
    for (const seq of seqs) await this.loadSegment(seq);
    this.nextSeq = seqs.length > 0 ? seqs.at(-1)! + 1 : 0;
    this.order = [...this.live.keys()].sort();
    if (this.readOnly) return;
    // Drained segments go, but not one with unreadable lines: a crash tears only a last write, and
    // damage elsewhere could hide batches.
    for (const segment of [...this.segments.values()]) if (segment.live === 0 && this.deletable(segment)) await this.deleteSegment(segment);
  }

  private async loadSegment(seq: number): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = await fsp.readFile(join(this.dir, segmentName(seq)));
    } catch (err) {
      if (this.readOnly && errnoCode(err) === 'ENOENT') return; // deleted by its owner meanwhile
      throw err;
    }
    // A torn tail (a write that never returned) ends what is read; nothing is appended after it,
    // as appends go to a new segment after every start.
    const { frames, end } = decodeFrames(bytes);
    const segment = newSegment(seq, end, null);
    // Bytes that do not read as frames and hold another line: damage, not just a torn last write.
    if (bytes.indexOf(0x0a, end) >= 0) segment.unreadable = true;
    this.segments.set(seq, segment);
    for (const f of frames) {
      if (f.kind !== 'B' || !isOutboxBatchId(f.id)) continue;
      this.live.set(f.id, { seq, offset: f.offset, length: f.length });
      segment.live++;
    }
    let removed: Buffer;
    try {
      removed = await fsp.readFile(join(this.dir, `${segmentName(seq)}${REMOVED_SUFFIX}`));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      throw err;
    }
    const gone = decodeFrames(removed);
    segment.removedSize = gone.end;
    // Removals of this segment's batches go on being appended here: a torn tail is cut off first.
    if (gone.end < removed.length && !this.readOnly) await fsp.truncate(join(this.dir, `${segmentName(seq)}${REMOVED_SUFFIX}`), gone.end);
    for (const f of gone.frames) {
      if (f.kind !== 'R') continue;
      for (const id of f.ids) {
        if (this.live.get(id)?.seq !== seq) continue;
        this.live.delete(id);
        segment.live--;
      }
    }
  }

  // ---- appending ----

  /** Writes what is queued, a group at a time (each write one flush), until nothing is. */
  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0 && !this.closed) {
        const group = this.pending.splice(0);
        const bytes = group.length === 1 ? group[0]!.frame : Buffer.concat(group.map((p) => p.frame));
        let segment: Segment;
        try {
          segment = await this.writeGroup(bytes);
        } catch (err) {
          for (const p of group) p.reject(asStoreError(err));
          continue;
        }
        let offset = segment.size;
        for (const p of group) {
          this.live.set(p.id, { seq: segment.seq, offset, length: p.frame.length });
          // In order even if the clock stepped back since an earlier start.
          insertSorted(this.order, p.id);
          segment.live++;
          offset += p.frame.length;
        }
        segment.size = offset;
        for (const p of group) p.resolve();
      }
    } finally {
      this.writing = null;
    }
  }

  /**
   * Appends `bytes` durably; resolves to the segment they are in (at its `size`, not yet moved on).
   * A segment whose file is gone (its directory removed by hand) is left, and the write made
   * again in a new one: an append is only acknowledged in a file that is still there.
   */
  private async writeGroup(bytes: Buffer): Promise<Segment> {
    for (let attempt = 0; ; attempt++) {
      const segment = await this.segmentFor(bytes.length);
      try {
        await appendAll(segment.data!, bytes, segment.size);
        // fstat of an open file reads only the in-memory inode: done here, not on the thread pool
        // (a round trip there cost more than the check).
        if (fstatSync(segment.data!.fd).nlink > 0) return segment;
      } catch (err) {
        this.retire(segment);
        throw err;
      }
      this.retire(segment);
      if (attempt > 0) throw new StoreError('InternalError', `the outbox directory ${this.dir} keeps disappearing`);
    }
  }

  /** No more appends to `segment` (a failed write may have left part of itself at its end). */
  private retire(segment: Segment): void {
    if (this.active === segment) this.active = null;
    const data = segment.data;
    segment.data = null;
    void data?.close().catch(() => {});
    if (segment.live === 0) void this.deleteSegment(segment).catch(() => {});
  }

  /** The segment to append `bytes` to: the active one, or a new one when it is full (or none is open). */
  private async segmentFor(bytes: number): Promise<Segment> {
    const current = this.active;
    if (current !== null && (current.size === 0 || current.size + bytes <= SEGMENT_BYTES)) return current;
    const seq = this.nextSeq++;
    const path = join(this.dir, segmentName(seq));
    const flags = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL | constants.O_DSYNC;
    let data: FileHandle;
    try {
      data = await fsp.open(path, flags, 0o644);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      // No directory yet (or it was removed by hand): made durably, then the segment.
      await this.ensureDir();
      data = await fsp.open(path, flags, 0o644);
    }
    // The segment's name must be durable before an append in it is acknowledged.
    try {
      await fsyncDir(this.dir);
    } catch (err) {
      await data.close().catch(() => {});
      await fsp.rm(path, { force: true }).catch(() => {});
      throw err;
    }
    const segment = newSegment(seq, 0, data);
    this.segments.set(seq, segment);
    this.active = segment;
    if (current !== null) {
      await current.data?.close();
      current.data = null;
      if (current.live === 0) await this.deleteSegment(current);
    }
    return segment;
  }

  // ---- reading and removing ----

  private async readBatch(id: string, at: Location): Promise<string[] | null> {
    if (at.seq === null) return this.readLegacyBatch(id);
    const line = Buffer.allocUnsafe(at.length);
    try {
      const fh = await fsp.open(join(this.dir, segmentName(at.seq)), 'r');
      try {
        const { bytesRead } = await fh.read(line, 0, at.length, at.offset);
        if (bytesRead !== at.length) throw new StoreError('InternalError', `outbox batch ${id} is cut short`);
      } finally {
        await fh.close();
      }
    } catch (err) {
      // Removed meanwhile, or its file vanished (the directory removed by hand): nothing to read.
      if (errnoCode(err) === 'ENOENT') return null;
      throw asStoreError(err);
    }
    const frame = decodeFrame(line.subarray(0, line.length - 1));
    if (frame === null || frame.kind !== 'B' || frame.id !== id) throw new StoreError('InternalError', `outbox batch ${id} is damaged`);
    return frame.records;
  }

  private async readLegacyBatch(id: string): Promise<string[] | null> {
    let text: string;
    try {
      text = await fsp.readFile(join(this.dir, `${id}${LEGACY_SUFFIX}`), 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return null; // removed meanwhile
      throw asStoreError(err);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (!isStringArray(value)) throw new StoreError('InternalError', `outbox batch ${id} is not a list of records`);
    return value;
  }

  /**
   * Appends a removal frame beside the segment (no flush), one write at a time per file. A failed
   * write is cut back off, so later frames are not hidden behind half of one.
   */
  private recordRemoved(segment: Segment, ids: string[]): Promise<void> {
    const write = segment.removedWrites.then(async () => {
      if (this.closed) throw new StoreError('ServiceUnavailable', 'the outbox is closed');
      // Deleted meanwhile (its last batch removed by another call): nothing left to record.
      if (!this.segments.has(segment.seq)) return;
      const path = join(this.dir, `${segmentName(segment.seq)}${REMOVED_SUFFIX}`);
      if (segment.removed === null) {
        const opening = fsp.open(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o644);
        segment.removed = opening;
        // A failed open is tried again by the next removal.
        opening.catch(() => {
          if (segment.removed === opening) segment.removed = null;
        });
      }
      let fh: FileHandle;
      try {
        fh = await segment.removed;
      } catch (err) {
        // The partition's directory is gone (removed by hand): so are the batches.
        if (errnoCode(err) === 'ENOENT') return;
        throw err;
      }
      const frame = encodeFrame({ kind: 'R', ids });
      await appendAll(fh, frame, segment.removedSize);
      segment.removedSize += frame.length;
    });
    segment.removedWrites = write.catch(() => {});
    return write;
  }

  /** Deletes a segment without live batches (no flush: if it comes back, its batches are removed again). */
  private async deleteSegment(segment: Segment): Promise<void> {
    await closeSegment(segment);
    const name = segmentName(segment.seq);
    await fsp.rm(join(this.dir, name), { force: true });
    await fsp.rm(join(this.dir, `${name}${REMOVED_SUFFIX}`), { force: true });
    this.segments.delete(segment.seq);
  }

  /** Not the segment appended to, and not one kept for its unreadable lines. */
  private deletable(segment: Segment): boolean {
    return segment !== this.active && !segment.unreadable;
  }

  /** Drops removed ids from `live`, and from `order` once they are half of it. */
  private forget(ids: readonly string[]): void {
    for (const id of ids) this.live.delete(id);
    this.removedInOrder += ids.length;
    if (this.removedInOrder * 2 < this.order.length) return;
    this.order = this.order.filter((id) => this.live.has(id));
    this.removedInOrder = 0;
  }
}

/** Appends all of `bytes` to a file whose whole frames end at `size`; a failed write is cut back off. */
async function appendAll(fh: FileHandle, bytes: Buffer, size: number): Promise<void> {
  try {
    for (let done = 0; done < bytes.length; ) done += (await fh.write(bytes, done, bytes.length - done, null)).bytesWritten;
  } catch (err) {
    await fh.truncate(size).catch(() => {});
    throw err;
  }
}

function newSegment(seq: number, size: number, data: FileHandle | null): Segment {
  return { seq, live: 0, size, data, removed: null, removedSize: 0, removedWrites: Promise.resolve() };
}

async function closeSegment(segment: Segment): Promise<void> {
  const data = segment.data;
  const removed = segment.removed;
  segment.data = null;
  segment.removed = null;
  await data?.close().catch(() => {});
  await removed?.then((fh) => fh.close()).catch(() => {});
}
