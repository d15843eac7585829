/**
 * The persisted user directory over one store's system documents, opened twice as two origin nodes
 * (or a node and `bucketfront admin`) would: concurrent changes all land, each sees the other's.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { openSystemServices } from '@bucketfront/object-store';
import { makeTempDir, type TempDir } from '@bucketfront/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalOwnerId } from './directory.js';
import { openLiveUserDirectory } from './live-directory.js';
import { UserStore } from './user-store.js';

let tmp: TempDir;
const open = async (): Promise<UserStore> => {
  const svc = await openSystemServices(`fs:${tmp.path}`);
  return UserStore.open(svc.system, svc.keys);
};

beforeEach(async () => {
  tmp = await makeTempDir('bf-user-store-');
});
afterEach(async () => {
  await tmp.cleanup();
});

describe('UserStore', () => {
  it('two writers at once: every change lands (create-if-absent versions, retried on a race)', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    await Promise.all([a.createUser('u1'), b.createUser('u2'), a.createUser('u3'), b.createUser('u4')]);
    const c = await open();
    expect(c.listUsers().map((u) => u.name)).toEqual(['u1', 'u2', 'u3', 'u4']);
    expect(c.listKeys()).toHaveLength(4);
    // The same name from two writers: one wins, the other is refused.
    const both = await Promise.allSettled([a.createUser('same'), b.createUser('same')]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('a live directory sees another writer’s key after a refresh; a deleted key is gone', async () => {
    const node = await open();
    const dir = await openLiveUserDirectory(node, { accessKeyId: 'AKIAFIRSTUSER0000000', secretAccessKey: 's'.repeat(40) }, [], { refreshMs: 3_600_000 });
    try {
      expect(dir.firstUser).toMatchObject({ id: canonicalOwnerId('AKIAFIRSTUSER0000000'), displayName: 'bucketfront' });
      const admin = await open();
      const { key, user } = await admin.createUser('dora', 'dora@example.com');
      expect(dir.lookupKey(key.accessKeyId)).toBeUndefined();
      await dir.refresh();
      expect(dir.lookupKey(key.accessKeyId)).toEqual({ secretAccessKey: key.secretAccessKey, user: { id: user.id, displayName: 'dora', email: 'dora@example.com' } });
      expect(dir.userByEmail('DORA@example.com')?.id).toBe(user.id);
      await admin.deleteKey(key.accessKeyId);
      await dir.refresh();
      expect(dir.lookupKey(key.accessKeyId)).toBeUndefined();
      expect(dir.userById(user.id)?.displayName).toBe('dora');
    } finally {
      dir.close();
    }
  });

  it('secrets are sealed when the store has a master key, and stay readable across openings', async () => {
    const a = await open();
    const { key } = await a.createUser('erin');
    const docs = await fsp.readdir(join(tmp.path, 'system'));
    for (const d of docs.filter((n) => n.startsWith('users.'))) expect(await fsp.readFile(join(tmp.path, 'system', d), 'utf8')).not.toContain(key.secretAccessKey);
    const snap = await (await open()).snapshot();
    expect(snap.keys.get(key.accessKeyId)?.secretAccessKey).toBe(key.secretAccessKey);
  });

  it('at most two stored keys per user, as IAM', async () => {
    const a = await open();
    await a.createUser('fred');
    await a.createKey('fred');
    await expect(a.createKey('fred')).rejects.toThrow(/at most 2/);
  });

  it('the first user’s name is reserved before any origin recorded it', async () => {
    await expect((await open()).createUser('bucketfront')).rejects.toThrow(/reserved for the first user/);
  });
});
