/**
 * Access control with three users (startOrigin's extraUsers): ACLs (canned, grant headers,
 * AccessControlPolicy documents), bucket policies with user principals and conditions,
 * PublicAccessBlock, OwnershipControls, GetBucketPolicyStatus — through the AWS SDK v3 as each
 * user and unsigned requests as the anonymous one. docs/access-control.md.
 */
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketOwnershipControlsCommand,
  DeletePublicAccessBlockCommand,
  GetBucketAclCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyStatusCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetPublicAccessBlockCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  type BucketCannedACL,
  type Grant,
  type ObjectCannedACL,
  type S3Client,
} from '@aws-sdk/client-s3';
import { makeS3Client, s3ErrorOf } from '@bucketfront/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTH_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
const LOG_DELIVERY = 'http://acs.amazonaws.com/groups/s3/LogDelivery';

let origin: TestOrigin;
let main: S3Client;
let alt: S3Client;
let third: S3Client;
const ids = { main: '', alt: '', third: '' };
let n = 0;
const name = (p: string): string => `${p}-${++n}-${Date.now().toString(36)}`;

const ALT = { accessKeyId: 'ALTUSERKEY0000000001', secretAccessKey: 'alt-secret-alt-secret-alt-secret-0001', displayName: 'alt', email: 'alt@example.com' };
const THIRD = { accessKeyId: 'THIRDUSERKEY00000001', secretAccessKey: 'third-secret-third-secret-third-00001', displayName: 'third', email: 'third@example.com' };

/** Status of an unsigned request (the anonymous caller). */
async function anon(method: string, path: string, body?: string): Promise<number> {
  const res = await fetch(`${origin.url}${path}`, { method, ...(body !== undefined ? { body } : {}) });
  await res.arrayBuffer();
  return res.status;
}

/** The status (200 or the error's) of an SDK call. */
async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0;
  }
}

/** Grants as comparable strings: `<grantee> <permission>`. */
function grantList(grants: Grant[] | undefined): string[] {
  return (grants ?? []).map((g) => `${g.Grantee?.URI ?? g.Grantee?.ID} ${g.Permission}`).sort();
}

async function bucketOf(client: S3Client, acl?: 'private' | 'public-read' | 'public-read-write' | 'authenticated-read'): Promise<string> {
  const b = name('b');
  await client.send(new CreateBucketCommand({ Bucket: b, ...(acl ? { ACL: acl } : {}) }));
  return b;
}

async function put(client: S3Client, bucket: string, key: string, acl?: ObjectCannedACL): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'data', ...(acl ? { ACL: acl } : {}) }));
}

beforeAll(async () => {
  origin = await startTestOrigin({ extraUsers: [ALT, THIRD] });
  main = origin.s3;
  alt = makeS3Client(origin.url, ALT);
  third = makeS3Client(origin.url, THIRD);
  for (const [who, client] of [
    ['main', main],
    ['alt', alt],
    ['third', third],
  ] as const) {
    const b = await bucketOf(client);
    ids[who] = (await client.send(new GetBucketAclCommand({ Bucket: b }))).Owner!.ID!;
  }
});
afterAll(async () => {
  alt?.destroy();
  third?.destroy();
  await origin?.stop();
});

describe('canned ACLs: exact grants', () => {
  it.each([
    ['private', (o: string) => [`${o} FULL_CONTROL`]],
    ['public-read', (o: string) => [`${ALL_USERS} READ`, `${o} FULL_CONTROL`]],
    ['public-read-write', (o: string) => [`${ALL_USERS} READ`, `${ALL_USERS} WRITE`, `${o} FULL_CONTROL`]],
    ['authenticated-read', (o: string) => [`${AUTH_USERS} READ`, `${o} FULL_CONTROL`]],
    ['log-delivery-write', (o: string) => [`${LOG_DELIVERY} READ_ACP`, `${LOG_DELIVERY} WRITE`, `${o} FULL_CONTROL`]],
  ] as const)('bucket %s', async (acl, expected) => {
    const b = await bucketOf(main);
    // log-delivery-write is a bucket canned ACL S3 accepts; the SDK's enum lacks it.
    await main.send(new PutBucketAclCommand({ Bucket: b, ACL: acl as BucketCannedACL }));
    const got = await main.send(new GetBucketAclCommand({ Bucket: b }));
    expect(got.Owner?.ID).toBe(ids.main);
    expect(grantList(got.Grants)).toEqual([...expected(ids.main)].sort());
  });

  it.each([
    ['bucket-owner-read', () => [`${ids.alt} FULL_CONTROL`, `${ids.main} READ`]],
    ['bucket-owner-full-control', () => [`${ids.alt} FULL_CONTROL`, `${ids.main} FULL_CONTROL`]],
    ['public-read', () => [`${ALL_USERS} READ`, `${ids.alt} FULL_CONTROL`]],
  ] as const)('object %s written by another user into the bucket', async (acl, expected) => {
    const b = await bucketOf(main, 'public-read-write');
    await put(alt, b, 'k', acl);
    const got = await alt.send(new GetObjectAclCommand({ Bucket: b, Key: 'k' }));
    expect(got.Owner?.ID).toBe(ids.alt);
    expect(grantList(got.Grants)).toEqual(expected().sort());
  });
});

describe('access matrix', () => {
  it.each([
    // bucket ACL, object ACL, [alt list, alt read, alt write], [anon list, anon read, anon write]
    ['private', 'private', [403, 403, 403], [403, 403, 403]],
    ['private', 'public-read', [403, 200, 403], [403, 200, 403]],
    ['public-read', 'private', [200, 403, 403], [200, 403, 403]],
    ['public-read', 'public-read', [200, 200, 403], [200, 200, 403]],
    ['public-read-write', 'private', [200, 403, 200], [200, 403, 200]],
    ['authenticated-read', 'authenticated-read', [200, 200, 403], [403, 403, 403]],
  ] as const)('bucket %s, object %s', async (bucketAcl, objectAcl, altExpected, anonExpected) => {
    const b = await bucketOf(main, bucketAcl);
    await put(main, b, 'obj', objectAcl);
    const altGot = [
      await status(alt.send(new ListObjectsV2Command({ Bucket: b }))),
      await status(alt.send(new GetObjectCommand({ Bucket: b, Key: 'obj' }))),
      await status(alt.send(new PutObjectCommand({ Bucket: b, Key: 'alt-new', Body: 'x' }))),
    ];
    expect(altGot).toEqual([...altExpected]);
    const anonGot = [await anon('GET', `/${b}?list-type=2`), await anon('GET', `/${b}/obj`), await anon('PUT', `/${b}/anon-new`, 'x')];
    expect(anonGot).toEqual([...anonExpected]);
    // The owner always can.
    expect(await status(main.send(new GetObjectCommand({ Bucket: b, Key: 'obj' })))).toBe(200);
  });

  it('an object another user wrote private is theirs: the bucket owner cannot read it, the writer can', async () => {
    const b = await bucketOf(main, 'public-read-write');
    await put(alt, b, 'alts', 'private');
    expect(await status(main.send(new GetObjectCommand({ Bucket: b, Key: 'alts' })))).toBe(403);
    expect(await status(alt.send(new GetObjectCommand({ Bucket: b, Key: 'alts' })))).toBe(200);
    expect(await status(third.send(new GetObjectCommand({ Bucket: b, Key: 'alts' })))).toBe(403);
  });

  it('a missing key is 404 for who may list, 403 for who may not', async () => {
    const b = await bucketOf(main);
    expect(await status(main.send(new GetObjectCommand({ Bucket: b, Key: 'none' })))).toBe(404);
    expect(await status(alt.send(new GetObjectCommand({ Bucket: b, Key: 'none' })))).toBe(403);
    expect(await anon('GET', `/${b}/none`)).toBe(403);
  });

  it('a missing key under a policy granting s3:ListBucket for a prefix: 404 inside the prefix, 403 outside', async () => {
    const b = await bucketOf(main);
    const listPublic = { Effect: 'Allow', Principal: { AWS: '*' }, Action: 's3:ListBucket', Resource: `arn:aws:s3:::${b}`, Condition: { StringLike: { 's3:prefix': 'public/*' } } };
    await main.send(new PutBucketPolicyCommand({ Bucket: b, Policy: JSON.stringify({ Version: '2012-10-17', Statement: [listPublic] }) }));
    expect(await status(alt.send(new HeadObjectCommand({ Bucket: b, Key: 'public/none' })))).toBe(404);
    expect(await status(alt.send(new HeadObjectCommand({ Bucket: b, Key: 'private/none' })))).toBe(403);
  });

  it('x-amz-expected-bucket-owner naming another owner → 403 AccessDenied, even where the ACL allows; the right owner passes', async () => {
    const b = await bucketOf(main, 'public-read-write');
    const wrong = `${ids.main}foo`;
    const listed = await s3ErrorOf(alt.send(new ListObjectsV2Command({ Bucket: b, ExpectedBucketOwner: wrong })));
    expect([listed.name, listed.$metadata.httpStatusCode]).toEqual(['AccessDenied', 403]);
    const written = await s3ErrorOf(alt.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', ExpectedBucketOwner: wrong })));
    expect([written.name, written.$metadata.httpStatusCode]).toEqual(['AccessDenied', 403]);
    await alt.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', ExpectedBucketOwner: ids.main }));
  });

  it('bucket operations other than ACL-granted ones are the owner’s alone', async () => {
    const b = await bucketOf(main, 'public-read-write');
    expect(await status(alt.send(new GetBucketAclCommand({ Bucket: b })))).toBe(403);
    expect(await status(alt.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policy(b, [allowAll('s3:*', [`arn:aws:s3:::${b}/*`])]) })))).toBe(403);
    expect(await anon('GET', '/')).toBe(403);
  });
});

describe('grant headers and AccessControlPolicy documents', () => {
  it('x-amz-grant-* by id, emailAddress and uri; read and write follow the grants', async () => {
    const b = await bucketOf(main);
    await main.send(new PutBucketAclCommand({ Bucket: b, GrantRead: `id="${ids.alt}"`, GrantWrite: 'emailAddress="third@example.com"', GrantReadACP: `uri="${AUTH_USERS}"` }));
    const got = await main.send(new GetBucketAclCommand({ Bucket: b }));
    expect(grantList(got.Grants)).toEqual([`${ids.alt} READ`, `${ids.third} WRITE`, `${AUTH_USERS} READ_ACP`].sort());
    expect(got.Grants?.find((g) => g.Grantee?.ID === ids.third)?.Grantee?.DisplayName).toBe('third');
    expect(await status(alt.send(new ListObjectsV2Command({ Bucket: b })))).toBe(200);
    expect(await status(alt.send(new PutObjectCommand({ Bucket: b, Key: 'x', Body: 'x' })))).toBe(403);
    expect(await status(third.send(new PutObjectCommand({ Bucket: b, Key: 'x', Body: 'x' })))).toBe(200);
    expect(await status(third.send(new ListObjectsV2Command({ Bucket: b })))).toBe(403);
    expect(await status(third.send(new GetBucketAclCommand({ Bucket: b })))).toBe(200);
  });

  it('an AccessControlPolicy document on an object: READ_ACP and WRITE_ACP to another user', async () => {
    const b = await bucketOf(main);
    await put(main, b, 'doc');
    await main.send(
      new PutObjectAclCommand({
        Bucket: b,
        Key: 'doc',
        AccessControlPolicy: {
          Owner: { ID: ids.main },
          Grants: [
            { Grantee: { Type: 'CanonicalUser', ID: ids.main }, Permission: 'FULL_CONTROL' },
            { Grantee: { Type: 'CanonicalUser', ID: ids.alt }, Permission: 'READ_ACP' },
            { Grantee: { Type: 'AmazonCustomerByEmail', EmailAddress: 'third@example.com' }, Permission: 'READ' },
          ],
        },
      }),
    );
    expect(await status(alt.send(new GetObjectAclCommand({ Bucket: b, Key: 'doc' })))).toBe(200);
    expect(await status(alt.send(new GetObjectCommand({ Bucket: b, Key: 'doc' })))).toBe(403);
    expect(await status(third.send(new GetObjectCommand({ Bucket: b, Key: 'doc' })))).toBe(200);
    expect(await status(third.send(new PutObjectAclCommand({ Bucket: b, Key: 'doc', ACL: 'public-read' })))).toBe(403);
  });

  it('grant headers on PutObject replace the canned grants: the writer owns the object, the grantee holds what it was given', async () => {
    const b = await bucketOf(main, 'public-read-write');
    await alt.send(new PutObjectCommand({ Bucket: b, Key: 'g', Body: 'x', GrantFullControl: `id=${ids.main}` }));
    const acl = await main.send(new GetObjectAclCommand({ Bucket: b, Key: 'g' }));
    expect(acl.Owner?.ID).toBe(ids.alt);
    expect(grantList(acl.Grants)).toEqual([`${ids.main} FULL_CONTROL`]);
    // The owner keeps READ_ACP / WRITE_ACP implicitly, nothing more.
    expect(await status(alt.send(new GetObjectAclCommand({ Bucket: b, Key: 'g' })))).toBe(200);
  });

  it('bad input: AWS’s errors, nothing changed', async () => {
    const b = await bucketOf(main, 'public-read');
    const before = grantList((await main.send(new GetBucketAclCommand({ Bucket: b }))).Grants);
    const unknownEmail = await s3ErrorOf(main.send(new PutBucketAclCommand({ Bucket: b, GrantRead: 'emailAddress="nobody@example.com"' })));
    expect([unknownEmail.name, unknownEmail.$metadata.httpStatusCode]).toEqual(['UnresolvableGrantByEmailAddress', 400]);
    const unknownId = await s3ErrorOf(main.send(new PutBucketAclCommand({ Bucket: b, GrantRead: `id="${'0'.repeat(64)}"` })));
    expect([unknownId.name, unknownId.$metadata.httpStatusCode]).toEqual(['InvalidArgument', 400]);
    const badPermission = await s3ErrorOf(
      main.send(
        new PutBucketAclCommand({ Bucket: b, AccessControlPolicy: { Owner: { ID: ids.main }, Grants: [{ Grantee: { Type: 'CanonicalUser', ID: ids.alt }, Permission: 'EVERYTHING' as 'READ' }] } }),
      ),
    );
    expect([badPermission.name, badPermission.$metadata.httpStatusCode]).toEqual(['MalformedACLError', 400]);
    const otherOwner = await s3ErrorOf(main.send(new PutBucketAclCommand({ Bucket: b, AccessControlPolicy: { Owner: { ID: ids.alt }, Grants: [] } })));
    expect([otherOwner.name, otherOwner.$metadata.httpStatusCode]).toEqual(['AccessDenied', 403]);
    const res = await fetch(`${origin.url}/${b}?acl`, { method: 'PUT', body: '<AccessControlPolicy><Owner>' });
    expect(res.status).toBe(403); // unsigned: refused before the body is read
    expect(grantList((await main.send(new GetBucketAclCommand({ Bucket: b }))).Grants)).toEqual(before);
  });
});

const allowAll = (action: string, resource: string[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  Effect: 'Allow',
  Principal: '*',
  Action: action,
  Resource: resource,
  ...extra,
});
const policy = (_bucket: string, statements: Record<string, unknown>[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });

describe('bucket policies with users and conditions', () => {
  it('Allow to one user by account ARN; Deny with NotPrincipal; an explicit Deny beats the owner’s ACL', async () => {
    const b = await bucketOf(main);
    await put(main, b, 'k');
    const statements = [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ids.alt}:root` }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` },
      { Effect: 'Allow', Principal: '*', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${b}` },
      { Effect: 'Deny', NotPrincipal: { AWS: [`arn:aws:iam::${ids.third}:root`, `arn:aws:iam::${ids.main}:root`] }, Action: 's3:ListBucket', Resource: `arn:aws:s3:::${b}` },
      { Effect: 'Deny', Principal: { CanonicalUser: ids.main }, Action: 's3:DeleteObject', Resource: `arn:aws:s3:::${b}/*` },
    ];
    await main.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policy(b, statements) }));
    expect(await status(alt.send(new GetObjectCommand({ Bucket: b, Key: 'k' })))).toBe(200);
    expect(await status(third.send(new GetObjectCommand({ Bucket: b, Key: 'k' })))).toBe(403);
    expect(await status(alt.send(new ListObjectsV2Command({ Bucket: b })))).toBe(403);
    expect(await status(third.send(new ListObjectsV2Command({ Bucket: b })))).toBe(200);
    expect(await anon('DELETE', `/${b}/k`)).toBe(403);
    const del = await fetchSigned('DELETE', b, 'k');
    expect(del).toBe(403);
  });

  it('NotPrincipal with Allow is refused (MalformedPolicy)', async () => {
    const b = await bucketOf(main);
    const doc = policy(b, [{ Effect: 'Allow', NotPrincipal: { AWS: `arn:aws:iam::${ids.alt}:root` }, Action: 's3:ListBucket', Resource: `arn:aws:s3:::${b}` }]);
    const err = await s3ErrorOf(main.send(new PutBucketPolicyCommand({ Bucket: b, Policy: doc })));
    expect([err.name, err.$metadata.httpStatusCode]).toEqual(['MalformedPolicy', 400]);
  });

  it('conditions: s3:prefix, s3:x-amz-acl, aws:SourceIp', async () => {
    const b = await bucketOf(main);
    const statements = [
      allowAll('s3:ListBucket', [`arn:aws:s3:::${b}`], { Condition: { StringEquals: { 's3:prefix': 'public/' } } }),
      allowAll('s3:PutObject', [`arn:aws:s3:::${b}/*`], { Condition: { StringEquals: { 's3:x-amz-acl': 'bucket-owner-full-control' } } }),
      allowAll('s3:GetObject', [`arn:aws:s3:::${b}/*`], { Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }),
    ];
    await main.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policy(b, statements) }));
    expect(await status(alt.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'public/' })))).toBe(200);
    expect(await status(alt.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'private/' })))).toBe(403);
    expect(await status(alt.send(new PutObjectCommand({ Bucket: b, Key: 'a', Body: 'x' })))).toBe(403);
    expect(await status(alt.send(new PutObjectCommand({ Bucket: b, Key: 'a', Body: 'x', ACL: 'bucket-owner-full-control' })))).toBe(200);
    // 127.0.0.1 is not in 10.0.0.0/8, and alt's object grants the bucket owner full control only.
    expect(await status(third.send(new GetObjectCommand({ Bucket: b, Key: 'a' })))).toBe(403);
    expect(await status(main.send(new GetObjectCommand({ Bucket: b, Key: 'a' })))).toBe(200);
  });
});

/** A DELETE signed by the main user (its explicit Deny must win over ownership). */
async function fetchSigned(_method: 'DELETE', bucket: string, key: string): Promise<number> {
  const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
  return status(main.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
}

describe('PublicAccessBlock', () => {
  const all = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

  it('none → NoSuchPublicAccessBlockConfiguration; put, get, delete', async () => {
    const b = await bucketOf(main);
    const none = await s3ErrorOf(main.send(new GetPublicAccessBlockCommand({ Bucket: b })));
    expect([none.name, none.$metadata.httpStatusCode]).toEqual(['NoSuchPublicAccessBlockConfiguration', 404]);
    await main.send(new PutPublicAccessBlockCommand({ Bucket: b, PublicAccessBlockConfiguration: { BlockPublicAcls: true, RestrictPublicBuckets: true } }));
    const got = await main.send(new GetPublicAccessBlockCommand({ Bucket: b }));
    expect(got.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: true });
    await main.send(new DeletePublicAccessBlockCommand({ Bucket: b }));
    expect((await s3ErrorOf(main.send(new GetPublicAccessBlockCommand({ Bucket: b })))).name).toBe('NoSuchPublicAccessBlockConfiguration');
  });

  it('BlockPublicAcls refuses public ACLs on PUT; BlockPublicPolicy refuses a public policy', async () => {
    const b = await bucketOf(main);
    await main.send(new PutPublicAccessBlockCommand({ Bucket: b, PublicAccessBlockConfiguration: all }));
    expect(await status(main.send(new PutBucketAclCommand({ Bucket: b, ACL: 'public-read' })))).toBe(403);
    expect(await status(main.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', ACL: 'public-read' })))).toBe(403);
    expect(await status(main.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', ACL: 'private' })))).toBe(200);
    expect(await status(main.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policy(b, [allowAll('s3:GetObject', [`arn:aws:s3:::${b}/*`])]) })))).toBe(403);
    // A policy limited to an address block is not public.
    const fixed = policy(b, [allowAll('s3:GetObject', [`arn:aws:s3:::${b}/*`], { Condition: { IpAddress: { 'aws:SourceIp': '10.1.2.0/24' } } })]);
    expect(await status(main.send(new PutBucketPolicyCommand({ Bucket: b, Policy: fixed })))).toBe(200);
  });

  it('IgnorePublicAcls and RestrictPublicBuckets: public grants and public policies stop working', async () => {
    const b = await bucketOf(main, 'public-read');
    await put(main, b, 'acl-public', 'public-read');
    await put(main, b, 'policy-public');
    await main.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policy(b, [allowAll('s3:GetObject', [`arn:aws:s3:::${b}/policy-public`])]) }));
    expect([await anon('GET', `/${b}/acl-public`), await anon('GET', `/${b}/policy-public`), await anon('GET', `/${b}?list-type=2`)]).toEqual([200, 200, 200]);
    await main.send(new PutPublicAccessBlockCommand({ Bucket: b, PublicAccessBlockConfiguration: { IgnorePublicAcls: true } }));
    expect([await anon('GET', `/${b}/acl-public`), await anon('GET', `/${b}/policy-public`), await anon('GET', `/${b}?list-type=2`)]).toEqual([403, 200, 403]);
    await main.send(new PutPublicAccessBlockCommand({ Bucket: b, PublicAccessBlockConfiguration: { IgnorePublicAcls: true, RestrictPublicBuckets: true } }));
    expect(await anon('GET', `/${b}/policy-public`)).toBe(403);
    expect(await status(alt.send(new GetObjectCommand({ Bucket: b, Key: 'policy-public' })))).toBe(403);
    expect(await status(main.send(new GetObjectCommand({ Bucket: b, Key: 'policy-public' })))).toBe(200);
  });
});

describe('OwnershipControls', () => {
  it('none → OwnershipControlsNotFoundError; put, get, delete', async () => {
    const b = await bucketOf(main);
    const none = await s3ErrorOf(main.send(new GetBucketOwnershipControlsCommand({ Bucket: b })));
    expect([none.name, none.$metadata.httpStatusCode]).toEqual(['OwnershipControlsNotFoundError', 404]);
    await main.send(new PutBucketOwnershipControlsCommand({ Bucket: b, OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] } }));
    expect((await main.send(new GetBucketOwnershipControlsCommand({ Bucket: b }))).OwnershipControls?.Rules?.[0]?.ObjectOwnership).toBe('ObjectWriter');
    await main.send(new DeleteBucketOwnershipControlsCommand({ Bucket: b }));
    expect((await s3ErrorOf(main.send(new GetBucketOwnershipControlsCommand({ Bucket: b })))).name).toBe('OwnershipControlsNotFoundError');
  });

  it('BucketOwnerEnforced: refused while the bucket ACL is public; then ACLs are disabled and the bucket owner owns every object', async () => {
    const b = await bucketOf(main, 'public-read');
    const enforced = { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' as const }] };
    const refused = await s3ErrorOf(main.send(new PutBucketOwnershipControlsCommand({ Bucket: b, OwnershipControls: enforced })));
    expect([refused.name, refused.$metadata.httpStatusCode]).toEqual(['InvalidBucketAclWithObjectOwnership', 400]);
    await main.send(new PutBucketAclCommand({ Bucket: b, ACL: 'private' }));
    await main.send(new PutBucketOwnershipControlsCommand({ Bucket: b, OwnershipControls: enforced }));
    await main.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policy(b, [allowAll('s3:PutObject', [`arn:aws:s3:::${b}/*`])]) }));
    const aclRefused = await s3ErrorOf(alt.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', ACL: 'public-read' })));
    expect([aclRefused.name, aclRefused.$metadata.httpStatusCode]).toEqual(['AccessControlListNotSupported', 400]);
    await alt.send(new PutObjectCommand({ Bucket: b, Key: 'k', Body: 'x', ACL: 'bucket-owner-full-control' }));
    const acl = await main.send(new GetObjectAclCommand({ Bucket: b, Key: 'k' }));
    expect(acl.Owner?.ID).toBe(ids.main);
    // A multipart upload another user starts is the bucket owner's too (ListParts' Owner).
    const upload = await alt.send(new CreateMultipartUploadCommand({ Bucket: b, Key: 'mp' }));
    const parts = await main.send(new ListPartsCommand({ Bucket: b, Key: 'mp', UploadId: upload.UploadId }));
    expect(parts.Owner?.ID).toBe(ids.main);
    expect(grantList(acl.Grants)).toEqual([`${ids.main} FULL_CONTROL`]);
    for (const acl of ['public-read', 'private'] as const) {
      expect((await s3ErrorOf(main.send(new PutBucketAclCommand({ Bucket: b, ACL: acl })))).name).toBe('AccessControlListNotSupported');
      expect((await s3ErrorOf(main.send(new PutObjectAclCommand({ Bucket: b, Key: 'k', ACL: acl })))).name).toBe('AccessControlListNotSupported');
    }
    // A document granting the bucket owner alone is bucket-owner-full-control's equivalent form: accepted.
    await main.send(
      new PutBucketAclCommand({ Bucket: b, AccessControlPolicy: { Owner: { ID: ids.main }, Grants: [{ Grantee: { Type: 'CanonicalUser', ID: ids.main }, Permission: 'FULL_CONTROL' }] } }),
    );
  });

  it('BucketOwnerPreferred: bucket-owner-full-control hands the object to the bucket owner', async () => {
    const b = await bucketOf(main, 'public-read-write');
    await main.send(new PutBucketOwnershipControlsCommand({ Bucket: b, OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] } }));
    await put(alt, b, 'given', 'bucket-owner-full-control');
    await put(alt, b, 'kept', 'private');
    expect((await main.send(new GetObjectAclCommand({ Bucket: b, Key: 'given' }))).Owner?.ID).toBe(ids.main);
    expect((await alt.send(new GetObjectAclCommand({ Bucket: b, Key: 'kept' }))).Owner?.ID).toBe(ids.alt);
  });

  it('CreateBucket with x-amz-object-ownership', async () => {
    const b = name('oc');
    await main.send(new CreateBucketCommand({ Bucket: b, ObjectOwnership: 'BucketOwnerEnforced' }));
    expect((await main.send(new GetBucketOwnershipControlsCommand({ Bucket: b }))).OwnershipControls?.Rules?.[0]?.ObjectOwnership).toBe('BucketOwnerEnforced');
  });
});

describe('GetBucketPolicyStatus', () => {
  it('NoSuchBucketPolicy without a policy; IsPublic per AWS’s definition', async () => {
    const b = await bucketOf(main, 'public-read');
    const none = await s3ErrorOf(main.send(new GetBucketPolicyStatusCommand({ Bucket: b })));
    expect([none.name, none.$metadata.httpStatusCode]).toEqual(['NoSuchBucketPolicy', 404]);
    await main.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policy(b, [allowAll('s3:GetObject', [`arn:aws:s3:::${b}/*`], { Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/32' } } })]) }));
    expect((await main.send(new GetBucketPolicyStatusCommand({ Bucket: b }))).PolicyStatus?.IsPublic).toBe(false);
    await main.send(
      new PutBucketPolicyCommand({ Bucket: b, Policy: policy(b, [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ids.alt}:root` }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${b}/*` }]) }),
    );
    expect((await main.send(new GetBucketPolicyStatusCommand({ Bucket: b }))).PolicyStatus?.IsPublic).toBe(false);
    await main.send(new PutBucketPolicyCommand({ Bucket: b, Policy: policy(b, [allowAll('s3:GetObject', [`arn:aws:s3:::${b}/*`])]) }));
    expect((await main.send(new GetBucketPolicyStatusCommand({ Bucket: b }))).PolicyStatus?.IsPublic).toBe(true);
  });
});
