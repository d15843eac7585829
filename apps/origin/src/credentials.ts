/**
 * Origin credentials: explicit option → env (BUCKETFRONT_ACCESS_KEY_ID /
 * BUCKETFRONT_SECRET_ACCESS_KEY) → the store's system document
 * `credentials.json`, generated randomly on first start. There is no
 * well-known default. The fs store keeps that document as a 0600 file in its
 * data directory; the s3 store in the cluster, so every origin node over one
 * backend answers to the same pair. The first node to start creates it; a
 * node starting at the same moment reads the winner's.
 */
import { randomBytes } from 'node:crypto';
import type { SystemDocuments } from '@bucketfront/object-store';

export interface OriginCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** True only when this start generated the pair (print it once). */
  generated: boolean;
}

export const CREDENTIALS_FILE = 'credentials.json';

export async function resolveCredentials(system: SystemDocuments, explicit?: { accessKeyId: string; secretAccessKey: string }, env: NodeJS.ProcessEnv = process.env): Promise<OriginCredentials> {
  if (explicit) return { ...explicit, generated: false };
  const envId = env.BUCKETFRONT_ACCESS_KEY_ID;
  const envSecret = env.BUCKETFRONT_SECRET_ACCESS_KEY;
  if (envId && envSecret) return { accessKeyId: envId, secretAccessKey: envSecret, generated: false };

  const saved = parseSaved(await system.getSystemDocument(CREDENTIALS_FILE));
  if (saved) return { ...saved, generated: false };
  const creds = generateCredentials();
  const stored = await system.createSystemDocument(CREDENTIALS_FILE, JSON.stringify(creds, null, 2) + '\n');
  const winner = parseSaved(stored);
  if (!winner) throw new Error(`the stored ${CREDENTIALS_FILE} is not {accessKeyId, secretAccessKey}`);
  const generated = winner.accessKeyId === creds.accessKeyId && winner.secretAccessKey === creds.secretAccessKey;
  return { ...winner, generated };
}

function parseSaved(doc: string | null): { accessKeyId: string; secretAccessKey: string } | null {
  if (doc === null) return null;
  let saved: Partial<OriginCredentials>;
  try {
    saved = JSON.parse(doc) as Partial<OriginCredentials>;
  } catch {
    throw new Error(`the stored ${CREDENTIALS_FILE} is not JSON`);
  }
  if (typeof saved.accessKeyId === 'string' && typeof saved.secretAccessKey === 'string') {
    return { accessKeyId: saved.accessKeyId, secretAccessKey: saved.secretAccessKey };
  }
  return null;
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
