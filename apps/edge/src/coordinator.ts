/**
 * Cross-worker request collapsing. Each worker collapses concurrent misses locally; with several
 * workers, the local leaders additionally ask the cluster primary who fetches. The first worker
 * to ask leads; the others wait for the leader's stored entry, which the primary forwards to them
 * (IPC with `advanced` serialization, Buffers included) — so a herd spread over all workers still
 * costs exactly one origin request, like Varnish/nginx with a single shared cache.
 */
import type { StoredEntry } from './store/entry.js';

/** A stored entry as it crosses the IPC channel (Buffers arrive as Uint8Array). */
export type WireEntry = Omit<StoredEntry, 'revalidating' | 'seq'> & { stored: boolean };

export type Acquired =
  | {
      lead: true;
      /**
       * Release the waiters (with the entry when one waits for it). `persisting`: the entry is being
       * written to the shared tier; until that settles, workers asking for the key wait for it
       * (and get the entry if it was shipped, else read the shared tier) instead of fetching again.
       */
      publish(entry: WireEntry | null, persisting?: Promise<unknown>): void;
    }
  | { lead: false; result: Promise<WireEntry | null> };

export interface FillCoordinator {
  acquire(key: string, distributionId: string): Promise<Acquired>;
}

/** Entries larger than this are not shipped between workers (each worker fetches its own). */
export const MAX_SHARED_ENTRY_BYTES = 16 * 1024 * 1024;

export function toWire(entry: StoredEntry, stored: boolean): WireEntry | null {
  if (entry.size > MAX_SHARED_ENTRY_BYTES) return null;
  const { revalidating: _r, seq: _s, ...rest } = entry;
  return { ...rest, stored };
}

const asBuffer = (u: Uint8Array): Buffer => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));

export function fromWire(w: WireEntry, seq: number): { entry: StoredEntry; stored: boolean } {
  const { stored, ...rest } = w;
  const entry: StoredEntry = { ...rest, seq, variants: {} };
  for (const [coding, v] of Object.entries(w.variants)) {
    if (v) entry.variants[coding as keyof StoredEntry['variants']] = { ...v, body: asBuffer(v.body) };
  }
  return { entry, stored };
}

// ---- worker side (over process.send / process.on('message'))

export type CoordinatorToPrimary =
  | { type: 'bf:lead?'; id: number; key: string; distributionId: string }
  | { type: 'bf:filled'; id: number; key: string; entry: WireEntry | null; persisting?: boolean }
  /** The leader's write to the shared tier settled: the key is free. */
  | { type: 'bf:persisted'; id: number; key: string };

export type CoordinatorToWorker =
  | { type: 'bf:lead'; id: number; lead: boolean }
  /** Another worker waits for the leader `id`'s entry: only then is it shipped (it is a copy per hop). */
  | { type: 'bf:want'; id: number }
  | { type: 'bf:fill'; id: number; entry: WireEntry | null };

const WAIT_LIMIT_MS = 65_000; // beyond any origin timeout (60 s response timeout max)

export function createIpcCoordinator(send: (m: CoordinatorToPrimary) => void, onMessage: (h: (m: unknown) => void) => void): FillCoordinator {
  let nextId = 1;
  const leads = new Map<number, (lead: boolean) => void>();
  const fills = new Map<number, (e: WireEntry | null) => void>();
  const wanted = new Set<number>();
  onMessage((raw) => {
    const m = raw as CoordinatorToWorker;
    if (m?.type === 'bf:lead') {
      leads.get(m.id)?.(m.lead);
      leads.delete(m.id);
    } else if (m?.type === 'bf:want') wanted.add(m.id);
    else if (m?.type === 'bf:fill') {
      fills.get(m.id)?.(m.entry);
      fills.delete(m.id);
    }
  });
  return {
    async acquire(key, distributionId) {
      const id = nextId++;
      // Register for the fill before asking: the primary may answer lead=false and forward the
      // entry right after, and messages arrive in order.
      const result = new Promise<WireEntry | null>((resolve) => {
        const t = setTimeout(() => {
          fills.delete(id);
          resolve(null);
        }, WAIT_LIMIT_MS);
        t.unref();
        fills.set(id, (e) => {
          clearTimeout(t);
          resolve(e);
        });
      });
      const lead = await new Promise<boolean>((resolve) => {
        leads.set(id, resolve);
        send({ type: 'bf:lead?', id, key, distributionId });
      });
      if (!lead) return { lead: false, result };
      fills.get(id)?.(null);
      fills.delete(id);
      return {
        lead: true,
        publish: (entry, persisting) => {
          // Nobody waiting: a null release (a waiter arriving meanwhile reads the shared tier or fetches).
          send({ type: 'bf:filled', id, key, entry: wanted.has(id) ? entry : null, ...(persisting ? { persisting: true } : {}) });
          wanted.delete(id);
          if (persisting) void persisting.catch(() => undefined).then(() => send({ type: 'bf:persisted', id, key }));
        },
      };
    },
  };
}
