/**
 * The native segment opener (native/open-segments.c), when it was built (`npm run build` compiles
 * it with the machine's C compiler: native/build.mjs) and not turned off with
 * BUCKETFRONT_NATIVE_GCM=0. Without it segments are opened with node:crypto: same bytes, same
 * checks, slower (docs/encryption.md#speed).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface NativeGcm {
  /** See native/open-segments.c. Returns -1 when every segment authenticated, else the failing one's position. */
  openSegments(key: Buffer, ivs: Buffer, inputs: readonly Buffer[], layout: Uint32Array, output: Buffer): number;
  openSegments(key: Buffer, ivs: Buffer, inputs: readonly Buffer[], layout: Uint32Array, output: Buffer, done: (err: Error | null, failedAt: number) => void): void;
}

/** Where the build puts the addon, from src/encryption or dist/encryption alike. */
export const NATIVE_GCM_PATH = fileURLToPath(new URL('../../native/build/open-segments.node', import.meta.url));

function load(): { addon: NativeGcm | null; why: string } {
  if (process.env.BUCKETFRONT_NATIVE_GCM === '0') return { addon: null, why: 'turned off (BUCKETFRONT_NATIVE_GCM=0)' };
  try {
    return { addon: createRequire(import.meta.url)(NATIVE_GCM_PATH) as NativeGcm, why: '' };
  } catch (err) {
    return { addon: null, why: `not built (${(err as Error).message.split('\n')[0]})` };
  }
}

const loaded = load();

/** The addon, or null: callers fall back to node:crypto. */
export const nativeGcm: NativeGcm | null = loaded.addon;

/** One line for the start-up log: which AES-GCM implementation opens segments. */
export function gcmImplementation(): string {
  return nativeGcm !== null ? 'native AES-GCM (OpenSSL, thread pool)' : `node:crypto AES-GCM: the native opener is ${loaded.why}`;
}
