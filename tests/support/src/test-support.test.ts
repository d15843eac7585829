import { describe, expect, it, vi } from 'vitest';
import { request } from 'undici';
import {
  rawRequest,
  startCountingOrigin,
  statusOf,
  makeTestCredentials,
  awsEnv,
  hasTool,
  isCi,
  missingPrerequisite,
  MissingPrerequisiteError,
  requireTool,
  uniquePrefix,
  missingCephBinaries,
} from '@bucketfront/test-support';

describe('counting origin', () => {
  it('counts requests per path and lets the handler change', async () => {
    const origin = await startCountingOrigin((_req, res) => {
      res.end('one');
    });
    try {
      const first = await request(`${origin.url}/a`);
      expect(await first.body.text()).toBe('one');
      origin.setHandler((_req, res) => {
        res.writeHead(404);
        res.end('two');
      });
      const second = await request(`${origin.url}/a`);
      expect(second.statusCode).toBe(404);
      await second.body.text();
      expect(origin.count('/a')).toBe(2);
      expect(origin.count('/b')).toBe(0);
      const raw = await rawRequest(origin.port, 'GET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(statusOf(raw)).toBe(404);
      expect(origin.count('/b')).toBe(1);
    } finally {
      await origin.close();
    }
  });
});

describe('aws env', () => {
  it('isolates credentials from the user environment', () => {
    const creds = makeTestCredentials();
    const env = awsEnv(creds);
    expect(env.AWS_ACCESS_KEY_ID).toBe(creds.accessKeyId);
    expect(env.AWS_SECRET_ACCESS_KEY).toBe(creds.secretAccessKey);
    expect(env.AWS_CONFIG_FILE).toMatch(/config$/);
    expect(creds.accessKeyId).not.toBe(makeTestCredentials().accessKeyId);
  });
});

describe('missing tools and privileges', () => {
  const absent = 'bucketfront-no-such-tool-3f9c';

  it('reads CI like CI systems set it', () => {
    expect(isCi({ CI: 'true' })).toBe(true);
    expect(isCi({ CI: '1' })).toBe(true);
    expect(isCi({})).toBe(false);
    expect(isCi({ CI: 'false' })).toBe(false);
    expect(isCi({ CI: '' })).toBe(false);
  });

  it('locally: a missing tool skips loudly, naming what to install', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(requireTool(absent, 'apt-get install -y no-such-package', {})).toBe(false);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(/SKIPPING: 'bucketfront-no-such-tool-3f9c' is not installed\. Install it with: apt-get install -y no-such-package/);
    } finally {
      warn.mockRestore();
    }
  });

  it('under CI: a missing tool or privilege throws instead of skipping', () => {
    expect(() => requireTool(absent, 'apt-get install -y no-such-package', { CI: 'true' })).toThrow(MissingPrerequisiteError);
    expect(() => requireTool(absent, 'apt-get install -y no-such-package', { CI: 'true' })).toThrow(
      /CI is set and 'bucketfront-no-such-tool-3f9c' is not installed.*apt-get install -y no-such-package/,
    );
    expect(() => missingPrerequisite('no CAP_SYS_ADMIN', 'run as root', { CI: 'true' })).toThrow(/no CAP_SYS_ADMIN/);
  });

  it('an installed tool passes in both modes', () => {
    expect(requireTool(process.execPath, 'n/a', { CI: 'true' })).toBe(true);
  });

  it('caches per command line, not per command', () => {
    expect(hasTool(process.execPath, ['-e', 'process.exit(0)'])).toBe(true);
    expect(hasTool(process.execPath, ['-e', 'process.exit(3)'])).toBe(false);
  });
});

describe('Ceph harness helpers (no cluster needed)', () => {
  it('uniquePrefix gives a fresh, lower-case prefix that makes valid S3 bucket names', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const prefix = uniquePrefix('bf-t');
      expect(prefix).toMatch(/^bf-t-[a-z0-9]{10}-$/);
      seen.add(prefix);
      const bucket = `${prefix}a`;
      expect(bucket).toMatch(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
    }
    expect(seen.size).toBe(200);
    expect(uniquePrefix()).toMatch(/^bf-t-/);
    expect(() => uniquePrefix('Bad_Prefix')).toThrow(/a–z/);
    expect(() => uniquePrefix('-x')).toThrow();
  });

  it('missingCephBinaries looks the programs up on PATH without running them', () => {
    expect(missingCephBinaries({ PATH: '/nonexistent-dir' })).toEqual(['ceph', 'ceph-mon', 'ceph-mgr', 'ceph-osd', 'radosgw', 'radosgw-admin', 'monmaptool']);
  });
});
