/** Looking up API-created key value stores for the control operations, and what uses them. */
import type { KvsStoreRecord } from '../kvs/kvs-db.js';
import type { ControlContext } from './context.js';
import { errors } from './errors.js';
import { checkStoreName } from './kvs-request.js';

/** The store named by the `{Name}` path parameter, or EntityNotFound (404). */
export function requireStore(ctx: ControlContext, params: Record<string, string>): KvsStoreRecord {
  const name = params['name'] ?? '';
  checkStoreName(name);
  const store = ctx.kvs.byName(name);
  if (!store) throw errors.entityNotFound(`The key value store ${name} does not exist.`);
  return store;
}

const lastSegment = (a: string): string => a.slice(a.lastIndexOf('/') + 1);

/** Names of the functions (API-created, any stage, or configured) associated with the store. */
export function functionsUsing(ctx: ControlContext, store: KvsStoreRecord): string[] {
  const names = new Set<string>();
  const uses = (associations: readonly string[]): boolean => associations.some((a) => lastSegment(a) === store.id);
  for (const f of ctx.functions.list()) {
    if (uses(f.development.kvsAssociations) || (f.live && uses(f.live.kvsAssociations))) names.add(f.name);
  }
  for (const f of ctx.config.functions ?? []) if (uses(f.keyValueStoreAssociations ?? [])) names.add(f.name);
  return [...names];
}
