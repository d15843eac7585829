/**
 * Key wrapping: a 256-bit key sealed under another with AES-256-GCM (random 96-bit IV,
 * additional data naming what the key is for, so a wrapped key cannot be moved to another use).
 * Output: IV ‖ ciphertext ‖ tag, base64. https://csrc.nist.gov/pubs/sp/800/38/d/final
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export class UnwrapFailed extends Error {
  constructor(what: string) {
    super(`cannot unwrap ${what}: wrong key, or the wrapped key was changed`);
    this.name = 'UnwrapFailed';
  }
}

export function wrapKey(kek: Buffer, key: Buffer, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(key), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
}

export function unwrapKey(kek: Buffer, wrapped: string, context: string): Buffer {
  const raw = Buffer.from(wrapped, 'base64');
  if (raw.length < 12 + 16 + 1) throw new UnwrapFailed(context);
  const decipher = createDecipheriv('aes-256-gcm', kek, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  try {
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
  } catch {
    throw new UnwrapFailed(context);
  }
}
