/**
 * `bucketfront admin user|key …`: the origin's users and access keys (docs/users.md). Like
 * `bucketfront kms`, it works beside running origins: users live in the store's system
 * documents, which every origin node re-reads every 2 s, so a key created here signs requests
 * within seconds and a deleted one is refused (InvalidAccessKeyId) as fast. Secrets are printed
 * once, at creation; they cannot be shown again.
 */
import { openSystemServices } from '@bucketfront/object-store';
import { parseStoredBucketAcl, UserAdminError, UserStore, type KeyInfo, type UserInfo } from '@bucketfront/origin';
import { CliError, UsageError } from '../util/errors.js';

export interface AdminOpts {
  data?: string;
  store?: string;
  email?: string;
  json?: boolean;
}

type Services = Awaited<ReturnType<typeof openSystemServices>>;

async function withUsers<T>(o: AdminOpts, fn: (users: UserStore, svc: Services) => Promise<T>): Promise<T> {
  if (o.data !== undefined && o.store !== undefined) throw new UsageError('give --data DIR or --store SPEC, not both (--data DIR means --store fs:DIR)');
  const svc = await openSystemServices(o.store ?? `fs:${o.data ?? './data'}`);
  try {
    return await fn(await UserStore.open(svc.system, svc.keys), svc);
  } catch (err) {
    if (err instanceof UserAdminError) throw new CliError(err.message);
    throw err;
  } finally {
    await svc.close();
  }
}

function out(text: string): void {
  process.stdout.write(text);
}

function userRow(u: UserInfo): string {
  return `${u.name}\t${u.id}\t${u.email ?? '-'}\t${u.keys.join(',') || '-'}\t${u.created}${u.first ? '\tfirst user' : ''}\n`;
}

function userJson(u: UserInfo): Record<string, unknown> {
  return { UserName: u.name, CanonicalId: u.id, ...(u.email !== undefined ? { Email: u.email } : {}), AccessKeyIds: u.keys, CreateDate: u.created, FirstUser: u.first };
}

function printSecret(o: AdminOpts, key: { accessKeyId: string; secretAccessKey: string }, extra: Record<string, unknown>): void {
  if (o.json) {
    out(`${JSON.stringify({ ...extra, AccessKey: { AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey } }, null, 2)}\n`);
  } else {
    out(`AccessKeyId\t${key.accessKeyId}\nSecretAccessKey\t${key.secretAccessKey}\n`);
  }
  process.stderr.write('The secret access key is shown only now: keep it; it cannot be shown again.\n');
}

export function adminUserCreate(name: string, o: AdminOpts): Promise<number> {
  return withUsers(o, async (users) => {
    const { user, key } = await users.createUser(name, o.email);
    if (!o.json) out(userRow(user));
    printSecret(o, key, { User: userJson(user) });
    return 0;
  });
}

export function adminUserList(o: AdminOpts): Promise<number> {
  return withUsers(o, async (users) => {
    const list = users.listUsers();
    if (o.json) out(`${JSON.stringify({ Users: list.map(userJson) }, null, 2)}\n`);
    else for (const u of list) out(userRow(u));
    return 0;
  });
}

export function adminUserDelete(name: string, o: AdminOpts): Promise<number> {
  return withUsers(o, async (users, svc) => {
    const firstId = users.listUsers().find((u) => u.first)?.id;
    await users.deleteUser(name, async (id) => (await svc.bucketConfigs('acl')).filter((b) => (b.document === null ? firstId : parseStoredBucketAcl(b.document).owner.id) === id).map((b) => b.bucket));
    process.stderr.write(`user ${name} and its access keys deleted\n`);
    return 0;
  });
}

function keyRow(k: KeyInfo): string {
  return `${k.accessKeyId}\t${k.user}\t${k.created}${k.configured ? '\tconfigured (credentials option, env or credentials.json)' : ''}\n`;
}

export function adminKeyCreate(user: string, o: AdminOpts): Promise<number> {
  return withUsers(o, async (users) => {
    printSecret(o, await users.createKey(user), { UserName: user });
    return 0;
  });
}

export function adminKeyList(user: string | undefined, o: AdminOpts): Promise<number> {
  return withUsers(o, async (users) => {
    const list = users.listKeys(user);
    if (o.json) out(`${JSON.stringify({ AccessKeys: list.map((k) => ({ AccessKeyId: k.accessKeyId, UserName: k.user, CreateDate: k.created, Configured: k.configured })) }, null, 2)}\n`);
    else for (const k of list) out(keyRow(k));
    return 0;
  });
}

export function adminKeyDelete(accessKeyId: string, o: AdminOpts): Promise<number> {
  return withUsers(o, async (users) => {
    await users.deleteKey(accessKeyId);
    process.stderr.write(`access key ${accessKeyId} deleted (origins refuse it within seconds)\n`);
    return 0;
  });
}
