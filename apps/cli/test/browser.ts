/**
 * Headless Chromium for the browser tests (e2e-browser, e2e-real-sites): the flags that work on a
 * machine without a sandbox or GPU, the executable hasChromium() found, and the screenshot check.
 */
import { accessSync, constants } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import { expect } from 'vitest';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

/**
 * The `chromium` that hasChromium() found: it runs `chromium --version`, which the OS resolves
 * through PATH, so the same PATH search gives the executable to launch.
 */
export function executableOnPath(command: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error(`${command} is not on PATH`);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A written screenshot: a PNG file (signature, then an IHDR chunk) of non-zero size. */
export async function expectPng(path: string): Promise<void> {
  const bytes = await readFile(path);
  expect(bytes.length, path).toBeGreaterThan(PNG_SIGNATURE.length + 25);
  expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE), `${path} starts with the PNG signature`).toBe(true);
  expect(bytes.subarray(12, 16).toString('latin1'), path).toBe('IHDR');
  expect(bytes.readUInt32BE(16), `${path} width`).toBeGreaterThan(0);
  expect(bytes.readUInt32BE(20), `${path} height`).toBeGreaterThan(0);
}
