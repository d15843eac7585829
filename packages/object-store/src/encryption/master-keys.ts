/**
 * The master key file (`BUCKETFRONT_MASTER_KEY_FILE`): one key per line, `<id> <base64 of 32
 * bytes>`, `#` comments allowed. The last line is the active key, the one new key-store versions
 * are wrapped with; earlier lines stay readable until `bucketfront kms rotate-master-key` has
 * re-wrapped the key store (docs/encryption.md#keys).
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { dirname } from 'node:path';

export interface MasterKeys {
  /** Id of the active key (the file's last line). */
  activeId: string;
  keys: ReadonlyMap<string, Buffer>;
}

const ID = /^[A-Za-z0-9._-]{1,64}$/;

export function parseMasterKeys(text: string, file: string): MasterKeys {
  const keys = new Map<string, Buffer>();
  let activeId = '';
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const [id, b64, extra] = line.split(/\s+/);
    const key = Buffer.from(b64 ?? '', 'base64');
    if (!ID.test(id ?? '') || extra !== undefined || key.length !== 32 || key.toString('base64') !== b64) {
      throw new Error(`${file}:${i + 1}: expected "<id> <base64 of 32 random bytes>" (e.g. from \`bucketfront kms rotate-master-key\`)`);
    }
    if (keys.has(id!)) throw new Error(`${file}:${i + 1}: master key id ${id} appears twice`);
    keys.set(id!, key);
    activeId = id!;
  });
  if (activeId === '') throw new Error(`${file}: no master key in it`);
  return { activeId, keys };
}

export async function readMasterKeys(file: string): Promise<MasterKeys> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the master key file ${file}: ${(err as Error).message}`);
  }
  const st = await fsp.stat(file);
  if ((st.mode & 0o077) !== 0) process.emitWarning(`master key file ${file} is readable by others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it`);
  return parseMasterKeys(text, file);
}

function newKeyLine(): { id: string; line: string } {
  const id = `mk-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(3).toString('hex')}`;
  return { id, line: `${id} ${randomBytes(32).toString('base64')}\n` };
}

/** Creates the file with one fresh key (mode 0600) unless it exists; returns its keys. */
export async function ensureMasterKeyFile(file: string): Promise<MasterKeys> {
  await fsp.mkdir(dirname(file), { recursive: true, mode: 0o700 });
  try {
    const { line } = newKeyLine();
    await fsp.writeFile(file, `# bucketfront master keys: the last line is active. Keep this file secret and backed up:\n# without it no encrypted object can be read.\n${line}`, {
      flag: 'wx',
      mode: 0o600,
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return readMasterKeys(file);
}

/** Appends a new active key (the old ones stay for reading); returns its id. */
export async function appendMasterKey(file: string): Promise<string> {
  const { id, line } = newKeyLine();
  const fh = await fsp.open(file, 'a', 0o600);
  try {
    await fh.appendFile(line);
    await fh.sync();
  } finally {
    await fh.close();
  }
  return id;
}
