/**
 * A bucketfront origin on the fs driver, used as the S3 backend of the s3
 * driver's tests. Built from createOriginHandler (not startOrigin) so that its
 * store can take a lowered minimum part size, like the contract's stores.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFsStore, type ObjectStore } from '@bucketfront/object-store';
import { makeTestCredentials, type TestCredentials } from '@bucketfront/test-support';
import type { AccessLogEntry } from '../src/http/access-log.js';
import { createOriginHandler } from '../src/origin-handler.js';

export interface S3Backend {
  endpoint: string;
  credentials: TestCredentials;
  /** The backend's own store (to look behind the S3 API). */
  store: ObjectStore;
  close(): Promise<void>;
}

let counter = 0;

/** A prefix no other store of this process uses: every store instance starts empty. */
export function uniquePrefix(): string {
  counter += 1;
  return `t${process.pid.toString(36)}${counter}-`;
}

export async function startS3Backend(
  opts: {
    minPartSize?: number;
    /** Wraps the backend's store (e.g. to observe the bodies it receives). */
    wrapStore?: (store: ObjectStore) => ObjectStore;
    /** Sees every request the backend answers. */
    accessLog?: (entry: AccessLogEntry) => void;
  } = {},
): Promise<S3Backend> {
  // tmpfs when there is one: fsync is free there, and these tests are about the protocol, not disks.
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dataDir = mkdtempSync(join(base, 'bf-s3-backend-'));
  const credentials = makeTestCredentials();
  const store = await createFsStore({ dataDir, ...(opts.minPartSize !== undefined ? { minPartSize: opts.minPartSize } : {}) });
  const handler = createOriginHandler({ store: opts.wrapStore ? opts.wrapStore(store) : store, credentials, accessLog: opts.accessLog ?? false });
  const server: Server = createServer({ keepAliveTimeout: 5_000 }, handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    credentials,
    store,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
