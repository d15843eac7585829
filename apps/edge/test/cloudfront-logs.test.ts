/**
 * CloudFront standard logs (legacy) from the edge (docs/cloudfront-logs.md): a real origin, a
 * real edge with `logging`, viewer requests of every outcome, and the delivered `.gz` files read
 * back (S3 GetObject from the log bucket, or the directory) and parsed with the field list of
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logs-reference.html
 */
import { CloudFrontClient, CreateDistributionCommand, GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { startTestOrigin, type TestOrigin } from '@bucketfront/origin/testing';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { filesUnder } from '@bucketfront/test-support';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdge } from '../src/index.js';
import { killGroup, startEdgeProcess } from './fixtures/edge-process.js';
import { closeAfterTest, createWebsiteBucket } from './helpers.js';

/** The 33 fields, in order, as the AWS documentation lists them (not the edge's own constant). */
const AWS_FIELDS =
  'date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len sc-range-start sc-range-end'.split(
    ' ',
  );

type LogRecord = Record<string, string>;

/** A log file as a log reader sees it: the two header lines, then 33 tab-separated fields a line. */
function parseLogFile(gz: Buffer): LogRecord[] {
  const lines = gunzipSync(gz).toString('utf8').split('\n');
  expect(lines[0]).toBe('#Version: 1.0');
  expect(lines[1]).toBe(`#Fields: ${AWS_FIELDS.join(' ')}`);
  expect(lines.at(-1)).toBe('');
  return lines.slice(2, -1).map((line) => {
    const values = line.split('\t');
    expect(values).toHaveLength(33);
    for (const v of values) expect(v).toMatch(/^[^\s]+$/); // '-' for empty; spaces URL-encoded
    return Object.fromEntries(AWS_FIELDS.map((f, i) => [f, values[i]!]));
  });
}

const FILE_NAME = /^(?<prefix>.*\/)?(?<dist>E[A-Z0-9]+)\.(?<hour>\d{4}-\d{2}-\d{2}-\d{2})\.(?<unique>[0-9A-Z]+)\.gz$/;

let origin: TestOrigin;
const creds = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const BODY = 'hello standard logs';

beforeAll(async () => {
  origin = await startTestOrigin({ websitePort: true });
  await createWebsiteBucket(origin.s3, 'site', { listable: true });
  await origin.s3.send(new PutObjectCommand({ Bucket: 'site', Key: 'a.txt', Body: BODY, ContentType: 'text/plain', CacheControl: 'max-age=600' }));
  await origin.s3.send(new CreateBucketCommand({ Bucket: 'logs' }));
}, 60_000);
afterAll(async () => {
  await origin?.stop();
});

function distribution(id: string, logging: Record<string, unknown>): Record<string, unknown> {
  return {
    id,
    aliases: [`${id.toLowerCase()}.example`],
    origins: [{ id: 'web', url: origin.websiteUrl!, hostHeader: 'site.s3-website-us-east-1.localhost', connectionAttempts: 1 }],
    logging,
  };
}

const s3Logs = (): Record<string, unknown> => ({
  s3: { endpoint: origin.url, accessKeyId: origin.credentials.accessKeyId, secretAccessKey: origin.credentials.secretAccessKey },
  deliveryInterval: 0.2,
});

/** One request on its own connection (so a cluster spreads them over its workers). */
async function viewer(url: string, host: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; id: string; headers: Record<string, string> }> {
  const r = await request(url, { method: method as 'GET', headers: { host, connection: 'close', ...headers }, reset: true });
  await r.body.arrayBuffer();
  const h = r.headers as Record<string, string>;
  return { status: r.statusCode, id: h['x-amz-cf-id']!, headers: h };
}

/** The delivered records of `bucket` under `prefix` (each file checked by name and content), once `ids` are all there. */
async function recordsInBucket(bucket: string, prefix: string, ids: string[]): Promise<{ keys: string[]; records: LogRecord[] }> {
  for (;;) {
    const listed = await origin.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const keys = (listed.Contents ?? []).map((o) => o.Key!);
    const records: LogRecord[] = [];
    for (const key of keys) {
      const got = await origin.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      records.push(...parseLogFile(Buffer.from(await got.Body!.transformToByteArray())));
    }
    const seen = new Set(records.map((r) => r['x-edge-request-id']));
    if (ids.every((id) => seen.has(id))) return { keys, records };
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The files under `dir`; none while it does not exist yet. */
const filesIn = (dir: string): Promise<string[]> => filesUnder(dir).catch(() => []);

async function recordsInDirectory(dir: string, ids: string[]): Promise<{ files: string[]; records: LogRecord[] }> {
  for (;;) {
    const files = (await filesIn(dir)).filter((f) => f.endsWith('.gz'));
    const records: LogRecord[] = [];
    for (const f of files) records.push(...parseLogFile(await readFile(f)));
    const seen = new Set(records.map((r) => r['x-edge-request-id']));
    if (ids.every((id) => seen.has(id))) return { files, records };
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('standard logs', () => {
  it('every request of every worker, in AWS format, delivered to the log bucket as gzip files', async () => {
    const edge = closeAfterTest(
      await startEdge({
        config: { pop: 'TST5-C1', standardLogs: s3Logs(), distributions: [distribution('ELOGS1', { bucket: 'logs.s3.amazonaws.com', prefix: 'cf', includeCookies: true })] },
        workers: 2,
        credentials: creds,
        log: () => {},
      }),
    );
    const host = 'elogs1.example';
    const u = (p: string): string => `${edge.url}${p}`;
    const miss = await viewer(u('/a.txt?v=1&w=two'), host, { 'user-agent': 'Mozilla/5.0 (X11; Linux) "quoted"', referer: 'http://ref.example/page', cookie: 'session=abc; theme=dark' });
    expect(miss.headers['x-cache']).toBe('Miss from cloudfront');
    const hits = [];
    for (let i = 0; i < 4; i++) hits.push(await viewer(u('/a.txt'), host));
    const notFound = await viewer(u('/missing.txt'), host);
    const notModified = await viewer(u('/a.txt'), host, { 'if-none-match': miss.headers['etag']! });
    const range = await viewer(u('/a.txt'), host, { range: 'bytes=2-6' });
    const head = await viewer(u('/a.txt'), host, {}, 'HEAD');
    expect([notFound.status, notModified.status, range.status, head.status]).toEqual([404, 304, 206, 200]);
    const all = [miss, ...hits, notFound, notModified, range, head];

    const { keys, records } = await recordsInBucket(
      'logs',
      'cf/',
      all.map((r) => r.id),
    );
    for (const key of keys) expect(key).toMatch(FILE_NAME);
    expect(keys.every((k) => FILE_NAME.exec(k)!.groups!['dist'] === 'ELOGS1' && k.startsWith('cf/'))).toBe(true);
    const byId = new Map(records.map((r) => [r['x-edge-request-id'], r]));
    expect(byId.size).toBe(records.length); // nothing delivered twice

    const m = byId.get(miss.id)!;
    expect(m['x-edge-location']).toBe('TST5-C1');
    expect(m['cs-method']).toBe('GET');
    expect(m['cs(Host)']).toBe('elogs1.bucketfront.localhost');
    expect(m['x-host-header']).toBe(host);
    expect(m['cs-uri-stem']).toBe('/a.txt');
    expect(m['cs-uri-query']).toBe('v=1&w=two');
    expect(m['sc-status']).toBe('200');
    expect(m['x-edge-result-type']).toBe('Miss');
    expect(m['x-edge-response-result-type']).toBe('Miss');
    expect(m['x-edge-detailed-result-type']).toBe('Miss');
    expect(m['cs(User-Agent)']).toBe('Mozilla/5.0%20(X11;%20Linux)%20%22quoted%22');
    expect(m['cs(Referer)']).toBe('http://ref.example/page');
    expect(m['cs(Cookie)']).toBe('session=abc;%20theme=dark');
    expect(m['c-ip']).toBe('127.0.0.1');
    expect(Number(m['c-port'])).toBeGreaterThan(0);
    expect(m['cs-protocol']).toBe('http');
    expect(m['cs-protocol-version']).toBe('HTTP/1.1');
    expect(m['ssl-protocol']).toBe('-');
    expect(m['sc-content-type']).toBe('text/plain');
    expect(m['sc-content-len']).toBe(String(BODY.length));
    expect(Number(m['sc-bytes'])).toBeGreaterThan(BODY.length); // headers included
    expect(Number(m['cs-bytes'])).toBeGreaterThan(0);
    expect(m['time-taken']).toMatch(/^\d+\.\d{3}$/);
    expect(m['time-to-first-byte']).toMatch(/^\d+\.\d{3}$/);
    expect(m['date']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(m['time']).toMatch(/^\d{2}:\d{2}:\d{2}$/);
    expect([m['x-forwarded-for'], m['fle-status'], m['fle-encrypted-fields'], m['sc-range-start']]).toEqual(['-', '-', '-', '-']);

    for (const h of hits) {
      const r = byId.get(h.id)!;
      expect(r['x-edge-result-type']).toBe(h.headers['x-cache']!.split(' ')[0]);
      expect(r['cs-uri-query']).toBe('-');
      expect(r['cs(Cookie)']).toBe('-');
    }
    expect(hits.some((h) => byId.get(h.id)!['x-edge-result-type'] === 'Hit')).toBe(true);

    const nf = byId.get(notFound.id)!;
    expect([nf['sc-status'], nf['x-edge-result-type'], nf['x-edge-detailed-result-type'], nf['cs-uri-stem']]).toEqual(['404', 'Error', 'Error', '/missing.txt']);
    const nm = byId.get(notModified.id)!;
    expect([nm['sc-status'], nm['sc-content-len']]).toEqual(['304', '-']);
    const rg = byId.get(range.id)!;
    expect([rg['sc-status'], rg['sc-range-start'], rg['sc-range-end'], rg['sc-content-len']]).toEqual(['206', '2', '6', '5']);
    const hd = byId.get(head.id)!;
    expect([hd['cs-method'], hd['sc-status']]).toEqual(['HEAD', '200']);
    expect(Number(hd['sc-bytes'])).toBeLessThan(Number(m['sc-bytes'])); // no body

    // Both workers served and logged (the request id starts with its process's random prefix).
    expect(new Set(all.map((r) => r.id.slice(0, 32))).size).toBe(2);
  }, 60_000);

  it('delivers to a directory: <directory>/<bucket>/<prefix>/<distribution>.<hour>.<unique>.gz', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bf-cflogs-'));
    closeAfterTest({ close: () => rm(dir, { recursive: true, force: true }) });
    const edge = closeAfterTest(
      await startEdge({
        config: { standardLogs: { directory: dir, deliveryInterval: 0.2 }, distributions: [distribution('ELOGS2', { bucket: 'dirlogs', prefix: 'edge/' })] },
        workers: 1,
        credentials: creds,
        log: () => {},
      }),
    );
    const r = await viewer(`${edge.url}/a.txt?x=%20y`, 'elogs2.example', { cookie: 'not=logged' });
    const { files, records } = await recordsInDirectory(dir, [r.id]);
    expect(files.every((f) => f.startsWith(join(dir, 'dirlogs', 'edge') + '/'))).toBe(true);
    for (const f of files) expect(f.slice(join(dir, 'dirlogs').length + 1)).toMatch(FILE_NAME);
    const rec = records.find((x) => x['x-edge-request-id'] === r.id)!;
    expect(rec['cs-uri-query']).toBe('x=%2520y'); // % itself is encoded, as CloudFront does
    expect(rec['cs(Cookie)']).toBe('-'); // includeCookies false
  }, 60_000);

  it('records spooled before a SIGKILL of the whole edge are delivered after its restart', async () => {
    const spool = await mkdtemp(join(tmpdir(), 'bf-cflogs-spool-'));
    closeAfterTest({ close: () => rm(spool, { recursive: true, force: true }) });
    const config = {
      standardLogs: { ...s3Logs(), spoolDir: spool, deliveryInterval: 3600 },
      cache: { diskPath: false },
      distributions: [distribution('ELOGS3', { bucket: 'logs', prefix: 'restart' })],
    };
    const opts = { config, workers: 2, credentials: creds };
    let edge = await startEdgeProcess(opts);
    const agent = new Agent();
    closeAfterTest(agent);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await request(`${edge.url}/a.txt?n=${i}`, { headers: { host: 'elogs3.example', connection: 'close' }, dispatcher: agent });
      await r.body.text();
      ids.push(String(r.headers['x-amz-cf-id']));
    }
    // Spooled (written by the workers, not yet delivered: the interval is an hour).
    for (;;) {
      const spooled = (await Promise.all((await filesIn(spool)).map((f) => readFile(f, 'utf8')))).join('');
      if (ids.every((id) => spooled.includes(id))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await killGroup(edge);
    const listed = await origin.s3.send(new ListObjectsV2Command({ Bucket: 'logs', Prefix: 'restart/' }));
    expect(listed.KeyCount ?? 0).toBe(0);

    edge = await startEdgeProcess(opts);
    closeAfterTest({ close: () => killGroup(edge) });
    const { records } = await recordsInBucket('logs', 'restart/', ids);
    expect(records.filter((r) => ids.includes(r['x-edge-request-id']!))).toHaveLength(ids.length);
    expect(records.map((r) => r['cs-uri-query']).sort()).toEqual(['n=0', 'n=1', 'n=2', 'n=3']);
  }, 90_000);

  it('a delivery that fails is retried: the records wait in the spool, across a restart', async () => {
    const spool = await mkdtemp(join(tmpdir(), 'bf-cflogs-retry-'));
    closeAfterTest({ close: () => rm(spool, { recursive: true, force: true }) });
    const blocked = join(spool, 'not-a-directory');
    await writeFile(blocked, 'a file where the log directory should be');
    const good = join(spool, 'delivered');
    const config = (directory: string) => ({
      standardLogs: { directory, spoolDir: join(spool, 'spool'), deliveryInterval: 0.1 },
      distributions: [distribution('ELOGS4', { bucket: 'bkt1', prefix: '' })],
    });
    const messages: string[] = [];
    const first = await startEdge({ config: config(blocked), workers: 1, credentials: creds, log: (m) => messages.push(m) });
    const r = await viewer(`${first.url}/a.txt`, 'elogs4.example');
    while (!messages.some((m) => m.includes('not delivered'))) await new Promise((res) => setTimeout(res, 50));
    await first.close();
    expect((await filesIn(join(spool, 'spool'))).length).toBeGreaterThan(0);

    closeAfterTest(await startEdge({ config: config(good), workers: 1, credentials: creds, log: () => {} }));
    const { files, records } = await recordsInDirectory(good, [r.id]);
    expect(files).toHaveLength(1);
    expect(files[0]!.slice(join(good, 'bkt1').length + 1)).toMatch(/^ELOGS4\.\d{4}-\d{2}-\d{2}-\d{2}\.[0-9A-Z]+\.gz$/);
    expect(records.map((x) => x['x-edge-request-id'])).toEqual([r.id]);
  }, 60_000);

  it("a distribution whose log bucket fails neither holds back nor re-delivers another distribution's records of the same spool file", async () => {
    const root = await mkdtemp(join(tmpdir(), 'bf-cflogs-poison-'));
    closeAfterTest({ close: () => rm(root, { recursive: true, force: true }) });
    const dir = join(root, 'delivered');
    await mkdir(dir);
    await writeFile(join(dir, 'blocked'), 'a file where the bucket folder should be');
    const messages: string[] = [];
    // An hour's interval: the records of both distributions share one spool file, delivered when the edge stops.
    const opts = {
      config: {
        standardLogs: { directory: dir, spoolDir: join(root, 'spool'), deliveryInterval: 3600 },
        distributions: [distribution('EBROKEN', { bucket: 'blocked' }), distribution('EFINE', { bucket: 'fine' })],
      },
      workers: 1,
      credentials: creds,
      log: (m: string) => messages.push(m),
    };
    const first = await startEdge(opts);
    const broken = await viewer(`${first.url}/a.txt`, 'ebroken.example');
    const fine = await viewer(`${first.url}/a.txt`, 'efine.example');
    await first.close(); // one delivery round: EBROKEN's fails
    expect(messages.some((m) => m.includes('not delivered'))).toBe(true);
    const delivered = await filesIn(join(dir, 'fine'));
    expect(delivered).toHaveLength(1);
    expect(parseLogFile(await readFile(delivered[0]!)).map((r) => r['x-edge-request-id'])).toEqual([fine.id]);

    // The log reader took EFINE's file away; the rounds that retry EBROKEN's records do not bring it back.
    await rm(delivered[0]!);
    await (await startEdge(opts)).close();
    expect(await filesIn(join(dir, 'fine'))).toEqual([]);

    // EBROKEN's records waited in the spool, and arrive once its folder can be made.
    await rm(join(dir, 'blocked'));
    await (await startEdge(opts)).close();
    const late = await filesIn(join(dir, 'blocked'));
    expect(late).toHaveLength(1);
    expect(parseLogFile(await readFile(late[0]!)).map((r) => r['x-edge-request-id'])).toEqual([broken.id]);
    expect(await filesIn(join(dir, 'fine'))).toEqual([]);
    expect(await filesIn(join(root, 'spool'))).toEqual([]);
  }, 60_000);
});

describe('standard logging through the CloudFront API', () => {
  it('CreateDistribution takes Logging, GetDistributionConfig answers it, and the distribution logs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bf-cflogs-api-'));
    closeAfterTest({ close: () => rm(dir, { recursive: true, force: true }) });
    const edge = closeAfterTest(
      await startEdge({
        config: {
          standardLogs: { directory: dir, deliveryInterval: 0.2 },
          originAddresses: { '*.s3-website-us-east-1.localhost': new URL(origin.websiteUrl!).host },
          distributions: [distribution('ECONFIG', { bucket: 'cfg' })],
        },
        workers: 1,
        credentials: creds,
        log: () => {},
      }),
    );
    const cf = new CloudFrontClient({ endpoint: edge.controlUrl, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    let n = 0;
    const config = (logging: { Enabled: boolean; IncludeCookies: boolean; Bucket: string; Prefix: string }) => ({
      CallerReference: `ref-${++n}`,
      Aliases: { Quantity: 1, Items: [`api-${n}.example`] },
      Origins: {
        Quantity: 1,
        Items: [{ Id: 'web', DomainName: 'site.s3-website-us-east-1.localhost', CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'http-only' as const } }],
      },
      DefaultCacheBehavior: { TargetOriginId: 'web', ViewerProtocolPolicy: 'allow-all' as const, ForwardedValues: { QueryString: false, Cookies: { Forward: 'none' as const } }, MinTTL: 0 },
      Comment: '',
      Enabled: true,
      Logging: logging,
    });
    const created = await cf.send(new CreateDistributionCommand({ DistributionConfig: config({ Enabled: true, IncludeCookies: true, Bucket: 'apilogs.s3.amazonaws.com', Prefix: 'from-api/' }) }));
    const id = created.Distribution!.Id!;
    const got = await cf.send(new GetDistributionConfigCommand({ Id: id }));
    expect(got.DistributionConfig!.Logging).toEqual({ Enabled: true, IncludeCookies: true, Bucket: 'apilogs.s3.amazonaws.com', Prefix: 'from-api/' });

    // Enabled false: Bucket and Prefix are deleted, as CloudFront does.
    const off = await cf.send(new CreateDistributionCommand({ DistributionConfig: config({ Enabled: false, IncludeCookies: false, Bucket: 'ignored.s3.amazonaws.com', Prefix: 'x/' }) }));
    const offConfig = await cf.send(new GetDistributionConfigCommand({ Id: off.Distribution!.Id! }));
    expect(offConfig.DistributionConfig!.Logging).toEqual({ Enabled: false, IncludeCookies: false, Bucket: '', Prefix: '' });

    // The configuration file's logging is answered too.
    const fromFile = await cf.send(new GetDistributionConfigCommand({ Id: 'ECONFIG' }));
    expect(fromFile.DistributionConfig!.Logging).toEqual({ Enabled: true, IncludeCookies: false, Bucket: 'cfg', Prefix: '' });

    // A bucket that is no bucket name: InvalidArgument, nothing created.
    await expect(cf.send(new CreateDistributionCommand({ DistributionConfig: config({ Enabled: true, IncludeCookies: false, Bucket: 'Not A Bucket', Prefix: '' }) }))).rejects.toMatchObject({
      name: 'InvalidArgument',
      $metadata: { httpStatusCode: 400 },
    });

    const r = await viewer(`${edge.url}/a.txt`, `${id.toLowerCase()}.bucketfront.localhost`, { cookie: 'k=v' });
    expect(r.status).toBe(200);
    const { files, records } = await recordsInDirectory(join(dir, 'apilogs'), [r.id]);
    expect(files[0]!.slice(join(dir, 'apilogs').length + 1)).toMatch(new RegExp(`^from-api/${id}\\.`));
    expect(records[0]!['cs(Cookie)']).toBe('k=v');
  }, 60_000);

  it('an edge without standardLogs refuses Logging (InvalidArgument) and its configuration file refuses logging', async () => {
    const edge = closeAfterTest(await startEdge({ config: { distributions: [distribution('ENOLOGS', {})].map(({ logging: _l, ...d }) => d) }, workers: 1, credentials: creds, log: () => {} }));
    const cf = new CloudFrontClient({ endpoint: edge.controlUrl, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    await expect(
      cf.send(
        new CreateDistributionCommand({
          DistributionConfig: {
            CallerReference: 'no-logs',
            Origins: { Quantity: 1, Items: [{ Id: 'web', DomainName: 'site.example', CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: 'http-only' } }] },
            DefaultCacheBehavior: { TargetOriginId: 'web', ViewerProtocolPolicy: 'allow-all', ForwardedValues: { QueryString: false, Cookies: { Forward: 'none' } }, MinTTL: 0 },
            Comment: '',
            Enabled: true,
            Logging: { Enabled: true, IncludeCookies: false, Bucket: 'logs.s3.amazonaws.com', Prefix: '' },
          },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidArgument' });
    await expect(startEdge({ config: { distributions: [distribution('EBAD', { bucket: 'logs' })] }, workers: 1, credentials: creds, log: () => {} })).rejects.toThrow(
      /distributions\[0\]\.logging: needs standardLogs/,
    );
  }, 60_000);
});
