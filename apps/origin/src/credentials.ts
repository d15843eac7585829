/**
 * Origin credentials: explicit option → env (BUCKETFRONT_ACCESS_KEY_ID /
 * BUCKETFRONT_SECRET_ACCESS_KEY) → `<dataDir>/credentials.json` (0600),
 * generated randomly on first start. There is no well-known default.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';

export interface OriginCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** True only when this start generated the pair (print it once). */
  generated: boolean;
}

export const CREDENTIALS_FILE = 'credentials.json';

export async function resolveCredentials(
  dataDir: string,
  explicit?: { accessKeyId: string; secretAccessKey: string },
  env: NodeJS.ProcessEnv = process.env,
): Promise<OriginCredentials> {
  if (explicit) return { ...explicit, generated: false };
  const envId = env.BUCKETFRONT_ACCESS_KEY_ID;
  const envSecret = env.BUCKETFRONT_SECRET_ACCESS_KEY;
  if (envId && envSecret) return { accessKeyId: envId, secretAccessKey: envSecret, generated: false };

  const file = join(dataDir, CREDENTIALS_FILE);
  try {
    const saved = JSON.parse(await fsp.readFile(file, 'utf8')) as Partial<OriginCredentials>;
    if (typeof saved.accessKeyId === 'string' && typeof saved.secretAccessKey === 'string') {
      return { accessKeyId: saved.accessKeyId, secretAccessKey: saved.secretAccessKey, generated: false };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const creds = generateCredentials();
  await fsp.mkdir(dataDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await fsp.open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(JSON.stringify({ accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey }, null, 2) + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, file);
  await fsp.chmod(file, 0o600);
  return { ...creds, generated: true };
}

/** AWS-shaped: a 20-character upper-case id starting AKIA, a 40-character secret. */
export function generateCredentials(): { accessKeyId: string; secretAccessKey: string } {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const idBytes = randomBytes(16);
  let id = 'AKIA';
  for (let i = 0; i < 16; i++) id += alphabet[idBytes[i]! % 32];
  const secret = randomBytes(30).toString('base64').replace(/\+/g, 'A').replace(/\//g, 'B');
  return { accessKeyId: id, secretAccessKey: secret };
}
