/**
 * System documents: `dataDir/system/<name>`, mode 0600 (they hold secrets). One
 * process owns the directory, so the per-name lock makes create-if-absent exact.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { asStoreError, errnoCode, mkdirDurable, writeFileDurable } from '../durable-fs.js';
import { checkSystemDocumentName } from '../validate.js';
import type { FsContext } from './state.js';

/** System documents an older layout kept at the data directory's root (the origin's credentials); still read. */
const LEGACY_ROOT_DOCUMENTS = new Set(['credentials.json']);

export async function getSystemDocument(ctx: FsContext, name: string): Promise<string | null> {
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

export async function createSystemDocument(ctx: FsContext, name: string, doc: string): Promise<string> {
  checkSystemDocumentName(name);
  return ctx.locks.run(`system\0${name}`, async () => {
    const existing = await getSystemDocument(ctx, name);
    if (existing !== null) return existing;
    const dir = join(ctx.root, 'system');
    await mkdirDurable(dir, ctx.root);
    await writeFileDurable(dir, name, doc, 0o600);
    return doc;
  });
}
