import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backendCredentials, backendSystemCredentials, openStore, parseCredentialsFile, parseStoreSpec, StoreSpecError } from '@bucketfront/object-store';

describe('--store specs', () => {
  it('fs:PATH and s3:URL with parameters', () => {
    expect(parseStoreSpec('fs:./data')).toEqual({ driver: 'fs', dataDir: resolve('./data') });
    expect(parseStoreSpec('s3:http://127.0.0.1:7480?bucketPrefix=bf-&region=eu-west-1')).toEqual({
      driver: 's3',
      endpoint: 'http://127.0.0.1:7480',
      bucketPrefix: 'bf-',
      region: 'eu-west-1',
      profile: 'default',
    });
    expect(parseStoreSpec('s3:https://s3.example.test/')).toMatchObject({ endpoint: 'https://s3.example.test', bucketPrefix: '', region: 'us-east-1' });
  });

  it('refuses what cannot work, with one clear line', () => {
    const refused = (spec: string) => {
      try {
        parseStoreSpec(spec);
      } catch (err) {
        expect(err).toBeInstanceOf(StoreSpecError);
        return (err as Error).message;
      }
      throw new Error(`accepted ${spec}`);
    };
    expect(refused('s3:http://AKIA:secret@127.0.0.1:7480')).toMatch(/refusing a URL with credentials.*BUCKETFRONT_STORE_ACCESS_KEY_ID/);
    expect(refused('s3:http://AKIA:secret@127.0.0.1:7480')).not.toContain('secret');
    expect(refused('./data')).toMatch(/fs:PATH or s3:/);
    expect(refused('s3:not a url')).toMatch(/needs the backend's URL/);
    expect(refused('s3:ftp://h')).toMatch(/http:\/\/ or https:\/\//);
    expect(refused('s3:http://h?bucketprefix=x')).toMatch(/unknown parameter bucketprefix/);
    expect(refused('s3:http://h?bucketPrefix=UP')).toMatch(/bucketPrefix/);
    expect(refused('fs:')).toMatch(/needs a directory/);
  });

  it('backend credentials: environment first, then a credentials file (AWS INI or JSON)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-store-creds-'));
    try {
      const spec = parseStoreSpec('s3:http://127.0.0.1:1');
      if (spec.driver !== 's3') throw new Error('s3 expected');
      expect(await backendCredentials(spec, { BUCKETFRONT_STORE_ACCESS_KEY_ID: 'A', BUCKETFRONT_STORE_SECRET_ACCESS_KEY: 'S' })).toEqual({ accessKeyId: 'A', secretAccessKey: 'S' });
      await expect(backendCredentials(spec, {})).rejects.toThrow(/no backend credentials/);
      const ini = join(dir, 'credentials');
      writeFileSync(ini, '[default]\naws_access_key_id = D\naws_secret_access_key = DS\n\n[profile ceph]\naws_access_key_id=C\naws_secret_access_key=CS\n');
      expect(await backendCredentials(spec, { BUCKETFRONT_STORE_CREDENTIALS_FILE: ini })).toEqual({ accessKeyId: 'D', secretAccessKey: 'DS' });
      const withProfile = parseStoreSpec(`s3:http://127.0.0.1:1?credentialsFile=${ini}&profile=ceph`);
      if (withProfile.driver !== 's3') throw new Error('s3 expected');
      expect(await backendCredentials(withProfile, {})).toEqual({ accessKeyId: 'C', secretAccessKey: 'CS' });
      expect(parseCredentialsFile('{"accessKeyId":"J","secretAccessKey":"JS"}', 'default')).toEqual({ accessKeyId: 'J', secretAccessKey: 'JS' });
      expect(parseCredentialsFile('[other]\naws_access_key_id=x\n', 'default')).toBeNull();
      await expect(backendCredentials(spec, { BUCKETFRONT_STORE_CREDENTIALS_FILE: join(dir, 'missing') })).rejects.toThrow(/cannot read the backend credentials file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('radosgw system-user keys (replica writes) are optional: environment, else systemProfile of the credentials file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bf-store-system-creds-'));
    try {
      const plain = parseStoreSpec('s3:http://127.0.0.1:1');
      if (plain.driver !== 's3') throw new Error('s3 expected');
      expect(await backendSystemCredentials(plain, {})).toBeUndefined();
      expect(await backendSystemCredentials(plain, { BUCKETFRONT_STORE_SYSTEM_ACCESS_KEY_ID: 'Y', BUCKETFRONT_STORE_SYSTEM_SECRET_ACCESS_KEY: 'YS' })).toEqual({
        accessKeyId: 'Y',
        secretAccessKey: 'YS',
      });
      const ini = join(dir, 'credentials');
      writeFileSync(ini, '[default]\naws_access_key_id = D\naws_secret_access_key = DS\n\n[rgw-system]\naws_access_key_id=R\naws_secret_access_key=RS\n');
      const spec = parseStoreSpec(`s3:http://127.0.0.1:1?credentialsFile=${ini}&systemProfile=rgw-system`);
      if (spec.driver !== 's3') throw new Error('s3 expected');
      expect(spec.systemProfile).toBe('rgw-system');
      expect(await backendSystemCredentials(spec, {})).toEqual({ accessKeyId: 'R', secretAccessKey: 'RS' });
      expect(await backendCredentials(spec, {})).toEqual({ accessKeyId: 'D', secretAccessKey: 'DS' });
      const noFile = parseStoreSpec('s3:http://127.0.0.1:1?systemProfile=x');
      if (noFile.driver !== 's3') throw new Error('s3 expected');
      await expect(backendSystemCredentials(noFile, {})).rejects.toThrow(/systemProfile=x needs a credentials file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unreachable s3 backend at start-up is one line naming the URL and what failed', async () => {
    const started = Date.now();
    const err = await openStore('s3:http://127.0.0.1:9', { env: { BUCKETFRONT_STORE_ACCESS_KEY_ID: 'A', BUCKETFRONT_STORE_SECRET_ACCESS_KEY: 'S' } }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(StoreSpecError);
    expect(err!.message).toContain('http://127.0.0.1:9');
    expect(err!.message).toMatch(/ECONNREFUSED|refused|unreachable/i);
    expect(err!.message).not.toContain('\n');
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
