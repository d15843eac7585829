/**
 * The website endpoint decides an anonymous GetObject with the S3 API's one authorization step
 * (s3/authorize.ts): object ACLs (canned or granted), the bucket policy with the request's
 * condition keys, and Block Public Access. docs/s3-website-rules.md#access.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/WebsiteAccessPermissionsReqd.html
 */
import { CreateBucketCommand, PutBucketPolicyCommand, PutBucketWebsiteCommand, PutObjectCommand, PutPublicAccessBlockCommand, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

let origin: TestOrigin;
beforeAll(async () => {
  origin = await startTestOrigin();
});
afterAll(async () => {
  await origin?.stop();
});

async function site(Bucket: string, objects: Record<string, Partial<PutObjectCommandInput>>): Promise<void> {
  await origin.s3.send(new CreateBucketCommand({ Bucket }));
  await origin.s3.send(new PutBucketWebsiteCommand({ Bucket, WebsiteConfiguration: { IndexDocument: { Suffix: 'index.html' } } }));
  for (const [Key, extra] of Object.entries(objects)) {
    await origin.s3.send(new PutObjectCommand({ Bucket, Key, Body: `page ${Key}`, ContentType: 'text/html', ...extra }));
  }
}

async function publicPolicy(Bucket: string, condition?: object): Promise<void> {
  const statement = { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${Bucket}/*`, ...(condition ? { Condition: condition } : {}) };
  await origin.s3.send(new PutBucketPolicyCommand({ Bucket, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [statement] }) }));
}

async function block(Bucket: string, flags: { IgnorePublicAcls?: boolean; RestrictPublicBuckets?: boolean }): Promise<void> {
  await origin.s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: flags }));
}

async function get(bucket: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const res = await request(`${origin.url}${path}`, { headers: { host: `${bucket}.s3-website-us-east-1.localhost`, ...headers } });
  return { status: res.statusCode, body: await res.body.text() };
}

const ALL_USERS = 'uri="http://acs.amazonaws.com/groups/global/AllUsers"';

describe('website endpoint: anonymous GetObject as the S3 API decides it', () => {
  it('an object with the public-read ACL in a bucket without a policy is served; a private one is 403', async () => {
    await site('web-acl', { 'pub.html': { ACL: 'public-read' }, 'priv.html': {} });
    expect(await get('web-acl', '/pub.html')).toEqual({ status: 200, body: 'page pub.html' });
    expect((await get('web-acl', '/priv.html')).status).toBe(403);
  });

  it('an object granted READ to AllUsers by x-amz-grant-read is served', async () => {
    await site('web-grant', { 'granted.html': { GrantRead: ALL_USERS } });
    expect(await get('web-grant', '/granted.html')).toEqual({ status: 200, body: 'page granted.html' });
  });

  it('IgnorePublicAcls: a public-read object is 403', async () => {
    await site('web-ignore', { 'pub.html': { ACL: 'public-read' }, 'granted.html': { GrantRead: ALL_USERS } });
    await block('web-ignore', { IgnorePublicAcls: true });
    expect((await get('web-ignore', '/pub.html')).status).toBe(403);
    expect((await get('web-ignore', '/granted.html')).status).toBe(403);
  });

  it('RestrictPublicBuckets: a public policy grants anonymous callers nothing (403); without it 200', async () => {
    await site('web-restrict', { 'index.html': {} });
    await publicPolicy('web-restrict');
    expect((await get('web-restrict', '/')).status).toBe(200);
    await block('web-restrict', { RestrictPublicBuckets: true });
    expect((await get('web-restrict', '/')).status).toBe(403);
  });

  it("a policy's aws:Referer condition is evaluated on the website request", async () => {
    await site('web-referer', { 'index.html': {} });
    await publicPolicy('web-referer', { StringLike: { 'aws:Referer': 'https://example.com/*' } });
    expect((await get('web-referer', '/', { referer: 'https://example.com/page' })).status).toBe(200);
    expect((await get('web-referer', '/')).status).toBe(403);
  });
});
