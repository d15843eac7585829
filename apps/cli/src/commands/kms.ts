/**
 * `bucketfront kms …`: the built-in key service of a store (docs/encryption.md#keys). It works
 * beside a running origin: keys live in the store's system documents, which every origin node
 * re-reads within seconds, so a key disabled here stops reads everywhere.
 */
import { appendMasterKey, isStoreError, openKeyService, type KmsKeyInfo } from '@bucketfront/object-store';
import { CliError, UsageError } from '../util/errors.js';

export interface KmsOpts {
  data?: string;
  store?: string;
  region?: string;
  description?: string;
  alias?: string;
  keyId?: string;
  json?: boolean;
}

async function withKeys<T>(o: KmsOpts, fn: (svc: Awaited<ReturnType<typeof openKeyService>>) => Promise<T>): Promise<T> {
  if (o.data !== undefined && o.store !== undefined) throw new UsageError('give --data DIR or --store SPEC, not both (--data DIR means --store fs:DIR)');
  const spec = o.store ?? `fs:${o.data ?? './data'}`;
  const svc = await openKeyService(spec, o.region !== undefined ? { region: o.region } : {});
  try {
    return await fn(svc);
  } catch (err) {
    if (isStoreError(err)) throw new CliError(`${err.code}: ${err.message}`);
    throw err;
  } finally {
    await svc.close();
  }
}

function print(keys: KmsKeyInfo[], json: boolean | undefined): void {
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ Keys: keys.map((k) => ({ KeyId: k.keyId, Arn: k.arn, KeyState: k.state, CreationDate: k.created, Description: k.description, KeyManager: k.manager, Aliases: k.aliases })) }, null, 2)}\n`,
    );
    return;
  }
  for (const k of keys) process.stdout.write(`${k.keyId}\t${k.state}\t${k.manager}\t${k.aliases.join(',') || '-'}\t${k.arn}\t${k.description}\n`);
}

export function kmsCreateKey(o: KmsOpts): Promise<number> {
  return withKeys(o, async ({ keys }) => {
    print(
      [
        await keys.createKey({
          ...(o.description !== undefined ? { description: o.description } : {}),
          ...(o.alias !== undefined ? { alias: o.alias } : {}),
          ...(o.keyId !== undefined ? { keyId: o.keyId } : {}),
        }),
      ],
      o.json,
    );
    return 0;
  });
}

export function kmsListKeys(o: KmsOpts): Promise<number> {
  return withKeys(o, async ({ keys }) => {
    print(await keys.listKeys(), o.json);
    return 0;
  });
}

export function kmsSetKeyState(ref: string, state: 'Enabled' | 'Disabled', o: KmsOpts): Promise<number> {
  return withKeys(o, async ({ keys }) => {
    print([await keys.setKeyState(ref, state)], o.json);
    return 0;
  });
}

/** Appends a new master key to the master key file, then re-wraps every key under it. */
export async function kmsRotateMasterKey(o: KmsOpts): Promise<number> {
  // The first open checks the file and the key store as they are; the new key is appended only then.
  const masterKeyFile = await withKeys(o, async (svc) => svc.masterKeyFile);
  const id = await appendMasterKey(masterKeyFile);
  return withKeys(o, async ({ keys }) => {
    const r = await keys.rewrapUnderActiveMaster();
    process.stderr.write(
      `master key ${id} added to ${masterKeyFile} and now active; ${r.keys} key(s) re-wrapped (was ${r.from}). No object was rewritten.\n` +
        `Give every origin node the new file; once they all run with it, the old line (${r.from}) may be removed.\n`,
    );
    return 0;
  });
}
