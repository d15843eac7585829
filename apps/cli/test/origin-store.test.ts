/** `bucketfront origin --store …`: a store that cannot be used is one clear line and a non-zero exit. */
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const backendKeys = { BUCKETFRONT_STORE_ACCESS_KEY_ID: 'AKIATESTBACKEND00000', BUCKETFRONT_STORE_SECRET_ACCESS_KEY: 'backend-secret' };
const base = { PATH: process.env.PATH, HOME: process.env.HOME };

async function originFails(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; lines: string[] }> {
  const r = await runCli(['origin', '--port', '0', ...args], { ...base, ...env }, { timeoutMs: 60_000 });
  return {
    code: r.code,
    lines: r.stderr
      .trim()
      .split('\n')
      .filter((l) => l.trim() !== ''),
  };
}

describe('bucketfront origin --store', () => {
  it('an unreachable backend: one line naming the URL and what failed, exit 1', async () => {
    const r = await originFails(['--store', 's3:http://127.0.0.1:9?bucketPrefix=bf-'], backendKeys);
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toContain('http://127.0.0.1:9');
    expect(r.lines[0]).toMatch(/ECONNREFUSED|refused/i);
  });

  it('credentials in the URL are refused without echoing them', async () => {
    const r = await originFails(['--store', 's3:http://AKIAX:hunter2@127.0.0.1:7480'], backendKeys);
    expect(r.code).not.toBe(0);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatch(/refusing a URL with credentials/);
    expect(r.lines[0]).not.toContain('hunter2');
  });

  it('no backend credentials, an unknown scheme, both --data and --store: one line each', async () => {
    expect((await originFails(['--store', 's3:http://127.0.0.1:9'], {})).lines[0]).toMatch(/no backend credentials.*BUCKETFRONT_STORE_ACCESS_KEY_ID/);
    expect((await originFails(['--store', 'ceph:/x'], {})).lines).toEqual([expect.stringMatching(/unknown --store "ceph:\/x": use fs:PATH or s3:/)]);
    const both = await originFails(['--store', 'fs:/tmp/x', '--data', '/tmp/y'], {});
    expect(both.code).toBe(2);
    expect(both.lines[0]).toMatch(/--data DIR or --store SPEC, not both/);
  });
});
