/**
 * SystemDocuments for the fs driver: one file per document in the data
 * directory, mode 0600 (they hold secrets), created atomically and only once:
 * written to a temporary file, fsynced, then hard-linked into place (link
 * fails with EEXIST when another process got there first).
 */
import { promises as fsp } from 'node:fs';
import { basename, join } from 'node:path';
import { errnoCode, fsyncDir } from './durable-fs.js';
import type { SystemDocuments } from './types.js';

export function fsSystemDocuments(dataDir: string): SystemDocuments {
  const pathOf = (name: string): string => {
    if (basename(name) !== name || name.startsWith('.')) throw new TypeError(`not a system document name: ${name}`);
    return join(dataDir, name);
  };
  const read = async (name: string): Promise<string | null> => {
    try {
      return await fsp.readFile(pathOf(name), 'utf8');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return null;
      throw err;
    }
  };
  return {
    getSystemDocument: read,
    async createSystemDocument(name, doc) {
      const file = pathOf(name);
      await fsp.mkdir(dataDir, { recursive: true });
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      const fh = await fsp.open(tmp, 'wx', 0o600);
      try {
        await fh.writeFile(doc);
        await fh.sync();
      } finally {
        await fh.close();
      }
      try {
        await fsp.link(tmp, file);
        await fsyncDir(dataDir);
        return doc;
      } catch (err) {
        if (errnoCode(err) !== 'EEXIST') throw err;
        return (await read(name)) ?? doc;
      } finally {
        await fsp.unlink(tmp).catch(() => {});
      }
    },
  };
}
