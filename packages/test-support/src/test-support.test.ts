import { describe, expect, it } from 'vitest';
import { request } from 'undici';
import { rawRequest, startCountingOrigin, statusOf, makeTestCredentials, awsEnv } from '@bucketfront/test-support';

describe('counting origin', () => {
  it('counts requests per path and lets the handler change', async () => {
    const origin = await startCountingOrigin((_req, res) => res.end('one'));
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
