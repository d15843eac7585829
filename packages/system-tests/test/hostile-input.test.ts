/**
 * A corpus of malformed and malicious requests against every surface: the S3
 * API, the website endpoint (by Host and on the website port), the edge and
 * the edge's control API. Every case must get a clear 4xx (never a 5xx or a
 * crash), must not leak another bucket's data, and must leave the servers
 * serving; afterwards nothing exists outside the origin's data directory.
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presignUrl, signRequest } from '@bucketfront/sigv4';
import { rawRequest, statusOf } from '@bucketfront/test-support';
import { DISTRIBUTION_ID, SECRET, SECRET_BUCKET, SITE, SITE_HOST, http, signedHttp, startStack, type Stack } from './fixture.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

type Surface = 'api' | 'website' | 'website-port' | 'edge' | 'control';

function portOf(surface: Surface): number {
  switch (surface) {
    case 'api':
    case 'website':
      return stack.origin.port;
    case 'website-port':
      return stack.origin.websitePort!;
    case 'edge':
      return stack.edgePort;
    case 'control':
      return stack.controlPort;
  }
}

/** A raw HTTP/1.1 request with the given request line target and headers. */
function raw(target: string, headers: Record<string, string>, method = 'GET', body = ''): string {
  const lines = [`${method} ${target} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), 'Connection: close', '', body];
  return lines.join('\r\n');
}

const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lollollollollollollollollollol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>`;

interface RawCase {
  name: string;
  surface: Surface;
  payload: () => string;
  /** Acceptable statuses (all 4xx); default: any 4xx. */
  statuses?: number[];
}

const traversalTargets = [
  '/../../../../etc/passwd',
  '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
  '/..%2f..%2f..%2fetc%2fpasswd',
  `/../${SECRET_BUCKET}/secret.txt`,
  `/%2e%2e%2f${SECRET_BUCKET}%2fsecret.txt`,
  `/..%5c${SECRET_BUCKET}%5csecret.txt`,
  '/%00/etc/passwd',
  '/index.html%00.txt',
];

const rawCases: RawCase[] = [
  // Path traversal, raw and percent-encoded, on every surface.
  ...traversalTargets.flatMap((target): RawCase[] => [
    { name: `website traversal ${target}`, surface: 'website', payload: () => raw(target, { Host: SITE_HOST }) },
    { name: `website-port traversal ${target}`, surface: 'website-port', payload: () => raw(target, { Host: SITE }) },
    { name: `edge traversal ${target}`, surface: 'edge', payload: () => raw(target, { Host: 'cdn.example' }) },
    { name: `api traversal ${target}`, surface: 'api', payload: () => raw(`/${SITE}${target}`, { Host: '127.0.0.1' }) },
  ]),
  // Host header tricks to reach another bucket.
  { name: 'website port, Host = private bucket', surface: 'website-port', payload: () => raw('/secret.txt', { Host: SECRET_BUCKET }), statuses: [403, 404] },
  { name: 'website host of the private bucket', surface: 'website', payload: () => raw('/secret.txt', { Host: `${SECRET_BUCKET}.s3-website-us-east-1.localhost` }), statuses: [403, 404] },
  { name: 'virtual-host API, private bucket, anonymous', surface: 'api', payload: () => raw('/secret.txt', { Host: `${SECRET_BUCKET}.s3.localhost` }), statuses: [403] },
  { name: 'path-style API, private bucket, anonymous', surface: 'api', payload: () => raw(`/${SECRET_BUCKET}/secret.txt`, { Host: '127.0.0.1' }), statuses: [403] },
  { name: 'Host with userinfo', surface: 'website-port', payload: () => raw('/secret.txt', { Host: `${SITE}@${SECRET_BUCKET}` }) },
  { name: 'Host with path', surface: 'website-port', payload: () => raw('/secret.txt', { Host: `${SITE}/../${SECRET_BUCKET}` }) },
  { name: 'Host with trailing dot of the private bucket', surface: 'website', payload: () => raw('/secret.txt', { Host: `${SECRET_BUCKET}.s3-website-us-east-1.localhost.` }) },
  { name: 'absolute-form target naming the private bucket', surface: 'website', payload: () => raw(`http://${SECRET_BUCKET}.s3-website-us-east-1.localhost/secret.txt`, { Host: SITE_HOST }) },
  // RFC 9112 §3.2: more than one Host field line → 400.
  ...(['website', 'website-port', 'api', 'edge'] as Surface[]).map((surface): RawCase => ({
    name: `${surface}: two Host headers`,
    surface,
    payload: () => `GET /secret.txt HTTP/1.1\r\nHost: ${SITE_HOST}\r\nHost: ${SECRET_BUCKET}.s3-website-us-east-1.localhost\r\nConnection: close\r\n\r\n`,
    statuses: [400],
  })),
  // Request smuggling.
  ...(['api', 'website', 'edge', 'control'] as Surface[]).flatMap((surface): RawCase[] => [
    {
      name: `${surface}: Content-Length + Transfer-Encoding`,
      surface,
      payload: () => `POST /${SITE}/x HTTP/1.1\r\nHost: ${SITE_HOST}\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\nGET /${SECRET_BUCKET}/secret.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
      statuses: [400],
    },
    {
      name: `${surface}: two different Content-Length values`,
      surface,
      payload: () => `POST /${SITE}/x HTTP/1.1\r\nHost: ${SITE_HOST}\r\nContent-Length: 3\r\nContent-Length: 40\r\nConnection: close\r\n\r\nabc`,
      statuses: [400],
    },
    {
      name: `${surface}: obfuscated Transfer-Encoding`,
      surface,
      payload: () => `POST /${SITE}/x HTTP/1.1\r\nHost: ${SITE_HOST}\r\nTransfer-Encoding: xchunked\r\nConnection: close\r\n\r\n`,
    },
    {
      name: `${surface}: oversized header block`,
      surface,
      payload: () => raw('/', { Host: SITE_HOST, 'X-Big': 'a'.repeat(64 * 1024) }),
      statuses: [400, 431],
    },
    {
      name: `${surface}: very long URL`,
      surface,
      payload: () => raw(`/${'a'.repeat(100 * 1024)}`, { Host: SITE_HOST }),
      statuses: [400, 414, 431],
    },
    {
      name: `${surface}: garbage request line`,
      surface,
      payload: () => 'GARBAGE \x00\x01\x02 HTTP/9.9\r\n\r\n',
      statuses: [400],
    },
  ]),
  // Range abuse on every read surface.
  ...(['website', 'edge', 'api'] as Surface[]).map(
    (surface): RawCase => ({
      name: `${surface}: thousands of ranges`,
      surface,
      payload: () =>
        raw(surface === 'api' ? `/${SITE}/big.txt` : '/big.txt', {
          Host: surface === 'api' ? '127.0.0.1' : SITE_HOST,
          Range: `bytes=${Array.from({ length: 2000 }, (_, i) => `${i * 3}-${i * 3 + 1}`).join(',')}`,
        }),
      // S3 ignores multi-range requests and answers 200; anything but a 5xx is acceptable here,
      // as long as the server stays up (checked after each case). A 200 is not a 4xx, so allow it.
      statuses: [200, 206, 400, 403, 416, 431],
    }),
  ),
];

describe('hostile raw requests', () => {
  it.each(rawCases)('$name → clear 4xx, no leak, still serving', async (c) => {
    const response = await rawRequest(portOf(c.surface), c.payload());
    const status = statusOf(response);
    if (status !== undefined) {
      if (c.statuses) expect(c.statuses, response.slice(0, 300)).toContain(status);
      else {
        expect(status, response.slice(0, 300)).toBeGreaterThanOrEqual(400);
        expect(status, response.slice(0, 300)).toBeLessThan(500);
      }
    } else {
      // Closing the connection without an answer is acceptable only for unparsable bytes.
      expect(response).toBe('');
    }
    expect(response).not.toContain(SECRET);
    // Every server keeps serving.
    const health = await http(`${stack.origin.url}/_bucketfront/health`);
    expect(health.status).toBe(200);
    const site = await http(`${stack.edgeUrl}/index.html`);
    expect(site.status).toBe(200);
  });
});

describe('hostile signed and XML requests', () => {
  it('a signature replayed onto another key is refused', async () => {
    const url = `${stack.origin.url}/${SITE}/index.html`;
    const headers = signRequest({ method: 'GET', url, credentials: stack.origin.credentials, region: 'us-east-1', service: 's3' });
    const replayed = await http(`${stack.origin.url}/${SECRET_BUCKET}/secret.txt`, { headers });
    expect(replayed.status).toBe(403);
    expect(replayed.body).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect(replayed.body).not.toContain(SECRET);
  });

  it('a signature replayed with another method is refused', async () => {
    const url = `${stack.origin.url}/${SITE}/index.html`;
    const headers = signRequest({ method: 'GET', url, credentials: stack.origin.credentials, region: 'us-east-1', service: 's3' });
    const res = await http(url, { method: 'DELETE', headers });
    expect(res.status).toBe(403);
    const still = await http(url, { headers: { Host: '127.0.0.1' } });
    expect(still.status).toBe(200);
  });

  it('a request signed 20 minutes ago is refused as RequestTimeTooSkewed', async () => {
    const url = `${stack.origin.url}/${SITE}/index.html`;
    const headers = signRequest({ method: 'GET', url, credentials: stack.origin.credentials, region: 'us-east-1', service: 's3', now: new Date(Date.now() - 20 * 60_000) });
    const res = await http(url, { headers });
    expect(res.status).toBe(403);
    expect(res.body).toContain('<Code>RequestTimeTooSkewed</Code>');
  });

  it('an expired presigned URL is refused', async () => {
    const url = presignUrl({
      method: 'GET',
      url: `${stack.origin.url}/${SECRET_BUCKET}/secret.txt`,
      credentials: stack.origin.credentials,
      region: 'us-east-1',
      service: 's3',
      expiresIn: 60,
      now: new Date(Date.now() - 5 * 60_000),
    });
    const res = await http(url);
    expect(res.status).toBe(403);
    expect(res.body).toContain('<Code>AccessDenied</Code>');
    expect(res.body).not.toContain(SECRET);
  });

  it('a presigned URL for one key does not open another', async () => {
    const url = presignUrl({ method: 'GET', url: `${stack.origin.url}/${SITE}/index.html`, credentials: stack.origin.credentials, region: 'us-east-1', service: 's3' });
    const res = await http(url.replace(`/${SITE}/index.html`, `/${SECRET_BUCKET}/secret.txt`));
    expect(res.status).toBe(403);
    expect(res.body).not.toContain(SECRET);
  });

  it('garbage Authorization headers get a 4xx', async () => {
    for (const auth of ['AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA256 Credential=', 'Bearer x', 'AWS AKID:sig', 'AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=zz']) {
      const res = await http(`${stack.origin.url}/${SITE}/index.html`, { headers: { Authorization: auth, 'x-amz-date': '20200101T000000Z', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
      expect(res.status, auth).toBeGreaterThanOrEqual(400);
      expect(res.status, auth).toBeLessThan(500);
    }
  });

  const xmlTargets: Array<{ name: string; method: 'PUT' | 'POST'; path: string; body: string; code: string; md5?: boolean }> = [
    { name: 'PutBucketWebsite', method: 'PUT', path: `/${SITE}?website`, body: `${billionLaughs}<WebsiteConfiguration><IndexDocument><Suffix>&lol9;</Suffix></IndexDocument></WebsiteConfiguration>`, code: 'MalformedXML' },
    { name: 'DeleteObjects', method: 'POST', path: `/${SITE}?delete`, body: `${billionLaughs}<Delete><Object><Key>&lol9;</Key></Object></Delete>`, code: 'MalformedXML', md5: true },
    { name: 'CompleteMultipartUpload', method: 'POST', path: `/${SITE}/k?uploadId=nope`, body: `${billionLaughs}<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&lol9;</ETag></Part></CompleteMultipartUpload>`, code: '' },
    { name: 'CreateBucket', method: 'PUT', path: '/bomb-bucket', body: `${billionLaughs}<CreateBucketConfiguration><LocationConstraint>&lol9;</LocationConstraint></CreateBucketConfiguration>`, code: 'MalformedXML' },
  ];

  it.each(xmlTargets)('an XML entity bomb in $name is rejected with bounded memory', async (t) => {
    const before = process.memoryUsage().rss;
    // DeleteObjects requires Content-MD5, as S3 does.
    const headers = t.md5 ? { 'content-md5': createHash('md5').update(t.body).digest('base64') } : undefined;
    const res = await signedHttp(stack, t.method, `${stack.origin.url}${t.path}`, { body: t.body, headers });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    if (t.code) expect(res.body).toContain(`<Code>${t.code}</Code>`);
    expect(res.body.length).toBeLessThan(10_000);
    // In-process servers: a billion-laughs expansion would add gigabytes.
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it('an XML entity bomb on the control API is rejected', async () => {
    const body = `${billionLaughs}<InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><CallerReference>&lol9;</CallerReference><Paths><Quantity>1</Quantity><Items><Path>/x</Path></Items></Paths></InvalidationBatch>`;
    const res = await signedHttp(stack, 'POST', `${stack.controlUrl}/2020-05-31/distribution/${DISTRIBUTION_ID}/invalidation`, { body, service: 'cloudfront' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('the control API refuses unsigned and wrongly signed requests', async () => {
    const list = `${stack.controlUrl}/2020-05-31/distribution/${DISTRIBUTION_ID}/invalidation`;
    expect((await http(list)).status).toBe(403);
    const wrong = await signedHttp(stack, 'GET', list, { service: 'cloudfront', credentials: { accessKeyId: stack.origin.credentials.accessKeyId, secretAccessKey: 'wrong-secret' } });
    expect(wrong.status).toBe(403);
    const right = await signedHttp(stack, 'GET', list, { service: 'cloudfront' });
    expect(right.status).toBe(200);
  });

  it('an oversized control API body is refused', async () => {
    const res = await signedHttp(stack, 'POST', `${stack.controlUrl}/2020-05-31/distribution/${DISTRIBUTION_ID}/invalidation`, { body: 'x'.repeat(2 * 1024 * 1024), service: 'cloudfront' });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});

describe('cache poisoning through unkeyed headers', () => {
  const poison = {
    'X-Forwarded-Host': 'evil.example',
    'X-Original-URL': `/${SECRET_BUCKET}/secret.txt`,
    'X-Rewrite-URL': `/${SECRET_BUCKET}/secret.txt`,
    'X-Forwarded-Scheme': 'nothttp',
    'X-Host': 'evil.example',
    'X-Forwarded-Prefix': '/evil',
  };

  it('a poisoned miss caches and serves only the normal response', async () => {
    const poisoned = await http(`${stack.edgeUrl}/docs`, { headers: poison });
    expect(poisoned.status).toBe(302);
    expect(poisoned.headers.location).toBe('/docs/');
    const next = await http(`${stack.edgeUrl}/docs`);
    expect(next.status).toBe(302);
    expect(next.headers.location).toBe('/docs/');
    expect(String(next.headers['x-cache'])).toMatch(/^Hit/);

    const page = await http(`${stack.edgeUrl}/index.html?poison=1`, { headers: poison });
    expect(page.body).toBe('<h1>home</h1>');
    expect(page.body).not.toContain(SECRET);
    const clean = await http(`${stack.edgeUrl}/index.html?poison=1`);
    expect(clean.body).toBe('<h1>home</h1>');
  });

  it('the viewer Host does not select another bucket through the edge', async () => {
    const res = await http(`${stack.edgeUrl}/secret.txt`, { headers: { Host: `${SECRET_BUCKET}.s3-website-us-east-1.localhost` } });
    expect(res.body).not.toContain(SECRET);
    expect(res.status).toBe(404);
  });
});

describe('slow clients', () => {
  it('half-sent requests (slowloris) do not stop others from being served', async () => {
    const sockets: Socket[] = [];
    try {
      for (const port of [stack.origin.port, stack.edgePort, stack.controlPort]) {
        for (let i = 0; i < 50; i++) {
          const s = connect(port, '127.0.0.1');
          s.on('error', () => undefined);
          s.write(`GET /${SITE}/index.html HTTP/1.1\r\nHost: ${SITE_HOST}\r\nX-Slow: `);
          sockets.push(s);
        }
      }
      expect((await http(`${stack.origin.url}/_bucketfront/health`)).status).toBe(200);
      expect((await http(`${stack.edgeUrl}/index.html`)).status).toBe(200);
      expect((await signedHttp(stack, 'GET', `${stack.controlUrl}/2020-05-31/distribution`, { service: 'cloudfront' })).status).toBe(200);
    } finally {
      for (const s of sockets) s.destroy();
    }
  });
});

describe('the filesystem outside the data directory', () => {
  it('holds nothing but the data directory after the whole corpus', async () => {
    const entries = await readdir(stack.temp.path, { recursive: true });
    const outside = entries
      .map((e) => join(stack.temp.path, e))
      .filter((p) => !p.startsWith(stack.dataDir) && !stack.dataDir.startsWith(p));
    expect(outside.map((p) => relative(stack.temp.path, p))).toEqual([]);
  });
});
