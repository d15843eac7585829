/**
 * The origin's user directory over the persisted users (user-store.ts): lookups answer from an
 * in-memory snapshot (the signature check is synchronous), which a timer refreshes every
 * REFRESH_MS from the store, so users and keys changed by `bucketfront admin` on any node count
 * here within seconds, without a restart. The configured first key and the `extraUsers` start
 * option (users kept in memory only, for tests) answer beside the persisted ones.
 */
import { staticUserDirectory, type OriginUser, type UserDirectory } from './directory.js';
import { REFRESH_MS, type UserStore, type UsersSnapshot } from './user-store.js';

type StaticUser = Parameters<typeof staticUserDirectory>[0][number];

export interface LiveUserDirectory extends UserDirectory {
  /** Re-reads the store now (the timer does it every REFRESH_MS). */
  refresh(): Promise<void>;
  /** Stops the timer. */
  close(): void;
}

export async function openLiveUserDirectory(
  store: UserStore,
  configured: StaticUser,
  extras: readonly StaticUser[] = [],
  opts: { refreshMs?: number; onError?: (err: Error) => void } = {},
): Promise<LiveUserDirectory> {
  const onError = opts.onError ?? ((err: Error) => process.stderr.write(`users: ${err.message}\n`));
  await store.ensureFirstUser(configured.accessKeyId);
  const fixed = staticUserDirectory([configured, ...extras]);
  let snap: UsersSnapshot = await store.snapshot((id, err) => onError(new Error(`access key ${id} is unusable: ${err.message}`)));
  let byId = indexById(snap.users);
  let byEmail = indexByEmail(snap.users);
  let running: Promise<void> | undefined;

  const refresh = (): Promise<void> =>
    (running ??= (async () => {
      try {
        if (!(await store.refresh())) return;
        snap = await store.snapshot((id, err) => onError(new Error(`access key ${id} is unusable: ${err.message}`)));
        byId = indexById(snap.users);
        byEmail = indexByEmail(snap.users);
      } catch (err) {
        onError(err as Error);
      } finally {
        running = undefined;
      }
    })());
  const timer = setInterval(() => void refresh(), opts.refreshMs ?? REFRESH_MS);
  timer.unref();

  return {
    lookupKey: (id) => {
      if (id === configured.accessKeyId && snap.first !== undefined) return { secretAccessKey: configured.secretAccessKey, user: snap.first };
      return snap.keys.get(id) ?? fixed.lookupKey(id);
    },
    userById: (id) => byId.get(id) ?? fixed.userById(id),
    userByEmail: (email) => byEmail.get(email.toLowerCase()) ?? fixed.userByEmail(email),
    get firstUser(): OriginUser {
      return snap.first ?? fixed.firstUser;
    },
    refresh,
    close: () => clearInterval(timer),
  };
}

function indexById(users: readonly OriginUser[]): Map<string, OriginUser> {
  return new Map(users.map((u) => [u.id, u]));
}

function indexByEmail(users: readonly OriginUser[]): Map<string, OriginUser> {
  return new Map(users.filter((u) => u.email !== undefined).map((u) => [u.email!.toLowerCase(), u]));
}
