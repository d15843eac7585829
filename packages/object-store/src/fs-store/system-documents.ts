/**
 * System documents: `dataDir/system/<name>`, mode 0600 (they hold secrets). Create-if-absent is
 * exact across processes too (a CLI beside a running origin, e.g. `bucketfront kms`): the
 * document is written under a temporary name and hard-linked into place, which fails if the
 * name exists; the per-name lock only spares same-process racers the disk work.
 */
import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { KeyedMutex } from '../keyed-mutex.js';
import { asStoreError, errnoCode, fsyncDir, mkdirDurable, TMP_SUFFIX } from '../durable-fs.js';
import type { SystemDocuments } from '../types.js';
import { checkSystemDocumentName } from '../validate.js';
import type { FsContext } from './state.js';

type DocsContext = Pick<FsContext, 'root' | 'locks'>;

/** System documents an older layout kept at the data directory's root (the origin's credentials); still read. */
const LEGACY_ROOT_DOCUMENTS = new Set(['credentials.json']);

export async function getSystemDocument(ctx: DocsContext, name: string): Promise<string | null> {
  checkSystemDocumentName(name);
  const candidates = [join(ctx.root, 'system', name), ...(LEGACY_ROOT_DOCUMENTS.has(name) ? [join(ctx.root, name)] : [])];
  for (const file of candidates) {
    try {
      return await fsp.readFile(file, 'utf8');
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw asStoreError(err);
    }
  }
  return null;
}

export async function createSystemDocument(ctx: DocsContext, name: string, doc: string): Promise<string> {
  checkSystemDocumentName(name);
  return ctx.locks.run(`system\0${name}`, async () => {
    const existing = await getSystemDocument(ctx, name);
    if (existing !== null) return existing;
    const dir = join(ctx.root, 'system');
    await mkdirDurable(dir, ctx.root);
    const tmp = join(dir, `${name}.${randomUUID()}${TMP_SUFFIX}`);
    try {
      const fh = await fsp.open(tmp, 'wx', 0o600);
      try {
        await fh.writeFile(doc);
        await fh.sync();
      } finally {
        await fh.close();
      }
      try {
        await fsp.link(tmp, join(dir, name));
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST') throw err;
        return (await getSystemDocument(ctx, name)) ?? doc;
      }
      await fsyncDir(dir);
      return doc;
    } catch (err) {
      throw asStoreError(err);
    } finally {
      await fsp.rm(tmp, { force: true }).catch(() => {});
    }
  });
}

/**
 * The system documents of the fs store at `dataDir`, without opening the store (no recovery
 * pass, so safe beside the origin that owns the directory).
 */
export function fsSystemDocuments(dataDir: string): SystemDocuments {
  const ctx: DocsContext = { root: dataDir, locks: new KeyedMutex() };
  return {
    getSystemDocument: (name) => getSystemDocument(ctx, name),
    createSystemDocument: (name, doc) => createSystemDocument(ctx, name, doc),
  };
}
