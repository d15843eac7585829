/**
 * Access-key secrets sealed at rest. SigV4 needs the secret itself (the server computes the same
 * HMAC), so a hash will not do: the secret is encrypted with AES-256-GCM (the key service's
 * wrapKey, the access key id as additional data) under a key derived with HKDF from the key
 * service's SSE-S3 key. That key is wrapped by the master key and re-wrapped by
 * `bucketfront kms rotate-master-key`, so sealed secrets survive a master key rotation.
 * https://datatracker.ietf.org/doc/html/rfc5869
 */
import { hkdfSync } from 'node:crypto';
import { SSE_S3_KEY_ID, unwrapKey, wrapKey, type KeyStore } from '@bucketfront/object-store';

export interface SecretSealer {
  seal(accessKeyId: string, secret: string): Promise<string>;
  open(accessKeyId: string, sealed: string): Promise<string>;
}

const INFO = 'bucketfront access key secrets';

export function secretSealer(keys: KeyStore): SecretSealer {
  let derived: Promise<Buffer> | undefined;
  const key = (): Promise<Buffer> => (derived ??= keys.kek(SSE_S3_KEY_ID).then((kek) => Buffer.from(hkdfSync('sha256', kek, Buffer.alloc(0), INFO, 32))));
  const context = (accessKeyId: string): string => `access-key:${accessKeyId}`;
  return {
    seal: async (accessKeyId, secret) => wrapKey(await key(), Buffer.from(secret, 'utf8'), context(accessKeyId)),
    open: async (accessKeyId, sealed) => unwrapKey(await key(), sealed, context(accessKeyId)).toString('utf8'),
  };
}
