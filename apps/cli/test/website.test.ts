/**
 * `bucketfront website … --public / --private / --spa-fallback` against the real origin, the CLI
 * as a child process; what anonymous readers get is checked over HTTP (undici) and with the
 * `aws` CLI's unsigned requests.
 */
import { join } from 'node:path';
import { GetBucketPolicyCommand, PutBucketPolicyCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasAwsCli, makeTempDir, runAws, type TempDir } from '@bucketfront/test-support';
import { startTestOrigin, type TestOrigin } from '@bucketfront/origin/testing';
import { cliEnv, runCli } from './helpers.js';

let spaOrigin: TestOrigin; // started with the SPA-fallback extension, as `bucketfront dev` does
let plainOrigin: TestOrigin; // AWS's rules only
let tmp: TempDir;

beforeAll(async () => {
  [spaOrigin, plainOrigin, tmp] = await Promise.all([startTestOrigin({ spaFallback: true }), startTestOrigin(), makeTempDir('bucketfront-cli-website-')]);
});

afterAll(async () => {
  await Promise.all([spaOrigin?.stop(), plainOrigin?.stop()]);
  await tmp?.cleanup();
});

const cli = (origin: TestOrigin, ...args: string[]) => runCli([...args, '--endpoint-url', origin.url], cliEnv({ credentials: origin.credentials, cacheDir: join(tmp.path, 'cache') }));

/** An anonymous GET on the website endpoint of `bucket`. */
async function websiteGet(origin: TestOrigin, bucket: string, path: string): Promise<{ status: number; body: string }> {
  const res = await request(`${origin.url}${path}`, { headers: { host: `${bucket}.s3-website-us-east-1.localhost` } });
  return { status: res.statusCode, body: await res.body.text() };
}

/** An anonymous ListObjectsV2 (unsigned, path-style). */
async function anonymousList(origin: TestOrigin, bucket: string): Promise<number> {
  const res = await request(`${origin.url}/${bucket}?list-type=2`);
  await res.body.dump();
  return res.statusCode;
}

async function policyOf(origin: TestOrigin, bucket: string): Promise<unknown> {
  try {
    return JSON.parse((await origin.s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy!);
  } catch (err) {
    if (err instanceof S3ServiceException && err.name === 'NoSuchBucketPolicy') return null;
    throw err;
  }
}

const put = (origin: TestOrigin, bucket: string, key: string, body: string) => origin.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'text/html' }));

describe('website --public', () => {
  beforeAll(async () => {
    expect((await cli(spaOrigin, 'mb', 's3://pub')).code).toBe(0);
  });

  it('grants anonymous s3:GetObject by bucket policy only: a new object without ACL is served, listing is refused', async () => {
    const r = await cli(spaOrigin, 'website', 's3://pub', '--index-document', 'index.html', '--error-document', '404.html', '--public');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'website: s3://pub configured\n' + 'block public access: none on this bucket\n' + 'bucket policy: granted s3:GetObject on arn:aws:s3:::pub/* to everyone (Principal *; no s3:ListBucket)\n',
    );
    expect(await policyOf(spaOrigin, 'pub')).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'BucketfrontPublicReadGetObject', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::pub/*' }],
    });

    await put(spaOrigin, 'pub', 'index.html', '<p>home</p>');
    await put(spaOrigin, 'pub', 'new.html', '<p>new</p>'); // no --acl
    expect(await websiteGet(spaOrigin, 'pub', '/new.html')).toEqual({ status: 200, body: '<p>new</p>' });
    expect(await websiteGet(spaOrigin, 'pub', '/')).toEqual({ status: 200, body: '<p>home</p>' });
    expect(await anonymousList(spaOrigin, 'pub')).toBe(403);
  });

  it('anonymous clients agree: the aws CLI unsigned reads the object and is refused the listing', async () => {
    if (!hasAwsCli()) return;
    const opts = { endpointUrl: spaOrigin.url, credentials: spaOrigin.credentials };
    const list = await runAws(['s3api', 'list-objects-v2', '--bucket', 'pub', '--no-sign-request'], opts);
    expect(list.code).not.toBe(0);
    expect(list.stderr).toMatch(/AccessDenied/);
    const head = await runAws(['s3api', 'head-object', '--bucket', 'pub', '--key', 'new.html', '--no-sign-request'], opts);
    expect(head.code).toBe(0);
  });

  it('is idempotent: a second run changes nothing and says so', async () => {
    const before = await policyOf(spaOrigin, 'pub');
    const r = await cli(spaOrigin, 'website', 's3://pub', '--index-document', 'index.html', '--error-document', '404.html', '--public');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('bucket policy: already grants s3:GetObject on arn:aws:s3:::pub/* to everyone (Principal *; no s3:ListBucket): unchanged\n');
    expect(await policyOf(spaOrigin, 'pub')).toEqual(before);
  });

  it('keeps the statements a bucket policy already has', async () => {
    expect((await cli(spaOrigin, 'mb', 's3://pub-drafts')).code).toBe(0);
    const deny = { Sid: 'NoDrafts', Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::pub-drafts/drafts/*' };
    await spaOrigin.s3.send(new PutBucketPolicyCommand({ Bucket: 'pub-drafts', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [deny] }) }));
    expect((await cli(spaOrigin, 'website', 's3://pub-drafts', '--public')).code).toBe(0);
    expect(await policyOf(spaOrigin, 'pub-drafts')).toMatchObject({ Statement: [deny, { Sid: 'BucketfrontPublicReadGetObject' }] });
    await put(spaOrigin, 'pub-drafts', 'drafts/x.html', 'x');
    await put(spaOrigin, 'pub-drafts', 'y.html', 'y');
    expect((await websiteGet(spaOrigin, 'pub-drafts', '/drafts/x.html')).status).toBe(403);
    expect((await websiteGet(spaOrigin, 'pub-drafts', '/y.html')).status).toBe(200);
  });

  it('--private takes the grant back (policy deleted when nothing else is in it), idempotently', async () => {
    const r = await cli(spaOrigin, 'website', 's3://pub', '--private');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('website: s3://pub configured\nbucket policy: removed the public s3:GetObject grant (no statement left: policy deleted)\n');
    expect(await policyOf(spaOrigin, 'pub')).toBeNull();
    expect((await websiteGet(spaOrigin, 'pub', '/new.html')).status).toBe(403);
    const again = await cli(spaOrigin, 'website', 's3://pub', '--private');
    expect(again.stdout).toContain('bucket policy: grants no public s3:GetObject on arn:aws:s3:::pub/*: unchanged\n');
  });

  it('--public and --private exclude each other (usage error, exit 2)', async () => {
    const r = await cli(spaOrigin, 'website', 's3://pub', '--public', '--private');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--public.*cannot be used with.*--private/);
  });
});

describe('website --spa-fallback', () => {
  it('with --public, a deep link of a fresh site is the app (read-only policy: a miss is 403 on S3)', async () => {
    expect((await cli(spaOrigin, 'mb', 's3://app')).code).toBe(0);
    const r = await cli(spaOrigin, 'website', 's3://app', '--index-document', 'index.html', '--spa-fallback', 'index.html', '--public');
    expect(r.code).toBe(0);
    await put(spaOrigin, 'app', 'index.html', '<div id=app>');
    expect(await websiteGet(spaOrigin, 'app', '/users/42')).toEqual({ status: 200, body: '<div id=app>' });
    expect(await anonymousList(spaOrigin, 'app')).toBe(403);
  });

  it('against an origin without the extension: says how to enable it, exits 1, leaves the bucket private', async () => {
    expect((await cli(plainOrigin, 'mb', 's3://spa')).code).toBe(0);
    const r = await cli(plainOrigin, 'website', 's3://spa', '--spa-fallback', 'index.html', '--public');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('The provided HTTP redirect code (200) is not valid');
    expect(r.stderr).toContain('--spa-fallback is a bucketfront extension');
    expect(r.stderr).toContain('`bucketfront origin --spa-fallback`');
    expect(r.stderr).toContain('`bucketfront dev` enables it');
    expect(await policyOf(plainOrigin, 'spa')).toBeNull();
  });

  it('other refusals are reported as before, without the hint', async () => {
    const r = await cli(plainOrigin, 'website', 's3://no-such-bucket-here', '--spa-fallback', 'index.html');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/NoSuchBucket/);
    expect(r.stderr).not.toContain('bucketfront extension');
  });
});
