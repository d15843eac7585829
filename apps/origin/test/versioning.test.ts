/**
 * S3 versioning end to end: the real origin (fs store) on port 0, AWS SDK v3, signed raw requests
 * where the SDK hides what S3 sends (headers of error answers, element order), the aws CLI.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html, docs/versioning.md
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectTaggingCommand,
  DeleteObjectsCommand,
  GetBucketAclCommand,
  PutBucketAclCommand,
  GetBucketVersioningCommand,
  GetObjectAttributesCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectAclCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  PutObjectTaggingCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { S3EventRecord } from '@bucketfront/notifications';
import { signRequest } from '@bucketfront/sigv4';
import { hasAwsCli, makeS3Client, runAws, s3ErrorOf, startWebhookReceiver, type WebhookReceiver } from '@bucketfront/test-support';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

const ARN = 'arn:bucketfront:sqs:us-east-1:000000000000:versions';
const ALT = { accessKeyId: 'ALTVERSIONKEY0000001', secretAccessKey: 'alt-secret-alt-secret-alt-secret-0001', displayName: 'alt', email: 'alt@example.com' };
/** Well-formed, and no version of anything here. */
const ABSENT = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

let origin: TestOrigin;
let s3: S3Client;
let alt: S3Client;
let receiver: WebhookReceiver;
let bucketCount = 0;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  origin = await startTestOrigin({
    extraUsers: [ALT],
    notifications: { destinations: [{ type: 'webhook', arn: ARN, url: receiver.url, timeoutMs: 5000 }], nodeId: 'node-a', delivery: { maxAttempts: 5, initialBackoffMs: 50, maxBackoffMs: 500 } },
  });
  s3 = origin.s3;
  alt = makeS3Client(origin.url, ALT);
});
afterAll(async () => {
  alt?.destroy();
  await origin?.stop();
  await receiver?.stop();
});

/** A fresh bucket, versioning Enabled unless `status` says otherwise (null: never versioned). */
async function bucket(status: 'Enabled' | 'Suspended' | null = 'Enabled'): Promise<string> {
  const Bucket = `versioned-${++bucketCount}`;
  await s3.send(new CreateBucketCommand({ Bucket }));
  if (status !== null) await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: status } }));
  return Bucket;
}

async function put(Bucket: string, Key: string, Body: string): Promise<string | undefined> {
  return (await s3.send(new PutObjectCommand({ Bucket, Key, Body }))).VersionId;
}

async function body(Bucket: string, Key: string, VersionId?: string): Promise<{ text: string; versionId: string | undefined }> {
  const got = await s3.send(new GetObjectCommand({ Bucket, Key, VersionId }));
  return { text: await got.Body!.transformToString(), versionId: got.VersionId };
}

/** A signed request the SDK would not make or whose answer's headers it hides. */
async function raw(method: string, path: string, opts: { body?: string; headers?: Record<string, string> } = {}) {
  const url = `${origin.url}${path}`;
  const headers = opts.headers ?? {};
  const auth = signRequest({ method, url, headers, body: opts.body ?? '', credentials: origin.credentials, region: 'us-east-1', service: 's3' });
  const res = await request(url, { method, headers: { ...headers, ...auth }, ...(opts.body !== undefined ? { body: opts.body } : {}) });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

describe('PutBucketVersioning / GetBucketVersioning', () => {
  it('never enabled: an empty configuration; then Enabled and Suspended', async () => {
    const Bucket = await bucket(null);
    const never = await s3.send(new GetBucketVersioningCommand({ Bucket }));
    expect(never.Status).toBeUndefined();
    expect(never.MFADelete).toBeUndefined();
    expect((await raw('GET', `/${Bucket}?versioning`)).text).toContain('<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></VersioningConfiguration>');
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe('Enabled');
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Suspended', MFADelete: 'Disabled' } }));
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe('Suspended');
  });

  it('bad documents are MalformedXML and change nothing; MFA delete cannot be enabled; NoSuchBucket', async () => {
    const Bucket = await bucket('Enabled');
    for (const doc of [
      '<VersioningConfiguration><Status>On</Status></VersioningConfiguration>',
      '<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Maybe</MfaDelete></VersioningConfiguration>',
      '<VersioningConfiguration><Status>Enabled</Status>',
      'Enabled',
    ]) {
      const r = await raw('PUT', `/${Bucket}?versioning`, { body: doc });
      expect([r.status, r.text], doc).toEqual([400, expect.stringContaining('<Code>MalformedXML</Code>')]);
    }
    // What S3 answers without an MFA code; with one, MFA delete is not offered here.
    const noMfa = await s3ErrorOf(s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Suspended', MFADelete: 'Enabled' } })));
    expect([noMfa.$metadata.httpStatusCode, noMfa.name, noMfa.message]).toEqual([403, 'AccessDenied', 'Mfa Authentication must be used for this request']);
    const withMfa = await s3ErrorOf(s3.send(new PutBucketVersioningCommand({ Bucket, MFA: 'arn:aws:iam::1:mfa/root 123456', VersioningConfiguration: { Status: 'Suspended', MFADelete: 'Enabled' } })));
    expect([withMfa.$metadata.httpStatusCode, withMfa.name]).toEqual([501, 'NotImplemented']);
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe('Enabled');
    const missing = await s3ErrorOf(s3.send(new PutBucketVersioningCommand({ Bucket: 'no-such-bucket-v', VersioningConfiguration: { Status: 'Enabled' } })));
    expect([missing.$metadata.httpStatusCode, missing.name]).toEqual([404, 'NoSuchBucket']);
  });

  it('Object Lock is refused, never silently accepted: CreateBucket with it 501; object writes asking for a lock 400 InvalidRequest, nothing written', async () => {
    const locked = await s3ErrorOf(s3.send(new CreateBucketCommand({ Bucket: 'lock-wanted', ObjectLockEnabledForBucket: true })));
    expect([locked.$metadata.httpStatusCode, locked.name]).toEqual([501, 'NotImplemented']);
    expect((await raw('HEAD', '/lock-wanted')).status).toBe(404);
    const Bucket = await bucket('Enabled');
    await put(Bucket, 'src', 'x');
    const until = new Date(Date.now() + 86_400_000);
    const writes: Array<[string, () => Promise<unknown>]> = [
      ['PutObject with a retention', () => s3.send(new PutObjectCommand({ Bucket, Key: 'a', Body: 'x', ObjectLockMode: 'GOVERNANCE', ObjectLockRetainUntilDate: until }))],
      ['PutObject with a legal hold', () => s3.send(new PutObjectCommand({ Bucket, Key: 'b', Body: 'x', ObjectLockLegalHoldStatus: 'ON' }))],
      ['CopyObject with a retention', () => s3.send(new CopyObjectCommand({ Bucket, Key: 'c', CopySource: `${Bucket}/src`, ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: until }))],
      ['CreateMultipartUpload with a legal hold', () => s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'd', ObjectLockLegalHoldStatus: 'ON' }))],
    ];
    for (const [what, send] of writes) {
      const err = await s3ErrorOf(send());
      expect([err.$metadata.httpStatusCode, err.name, err.message], what).toEqual([400, 'InvalidRequest', 'Bucket is missing ObjectLockConfiguration']);
    }
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket }));
    expect(listed.Versions!.map((v) => v.Key)).toEqual(['src']);
    for (const [what, send] of [
      ['PutObjectRetention', () => s3.send(new PutObjectRetentionCommand({ Bucket, Key: 'src', Retention: { Mode: 'GOVERNANCE', RetainUntilDate: until } }))],
      ['PutObjectLegalHold', () => s3.send(new PutObjectLegalHoldCommand({ Bucket, Key: 'src', LegalHold: { Status: 'ON' } }))],
    ] as const) {
      const err = await s3ErrorOf(send());
      expect([err.$metadata.httpStatusCode, err.name, err.message], what).toEqual([400, 'InvalidRequest', 'Bucket is missing Object Lock Configuration']);
    }
  });

  it('only the bucket owner may read or change it', async () => {
    const Bucket = await bucket('Enabled');
    expect((await s3ErrorOf(alt.send(new GetBucketVersioningCommand({ Bucket })))).$metadata.httpStatusCode).toBe(403);
    expect((await s3ErrorOf(alt.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Suspended' } })))).$metadata.httpStatusCode).toBe(403);
  });
});

describe('versions of an object', () => {
  it('every PUT is a version with its id in x-amz-version-id; GET/HEAD read any of them', async () => {
    const Bucket = await bucket();
    const v1 = await put(Bucket, 'k', 'one');
    const v2 = await put(Bucket, 'k', 'two two');
    expect(v1).toMatch(/^\S+$/);
    expect(v2).toMatch(/^\S+$/);
    expect(v2).not.toBe(v1);
    expect(await body(Bucket, 'k')).toEqual({ text: 'two two', versionId: v2 });
    expect(await body(Bucket, 'k', v1)).toEqual({ text: 'one', versionId: v1 });
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'k', VersionId: v1 }));
    expect([head.ContentLength, head.VersionId]).toEqual([3, v1]);
    const ranged = await s3.send(new GetObjectCommand({ Bucket, Key: 'k', VersionId: v1, Range: 'bytes=1-2' }));
    expect([await ranged.Body!.transformToString(), ranged.VersionId]).toEqual(['ne', v1]);
    const attrs = await s3.send(new GetObjectAttributesCommand({ Bucket, Key: 'k', VersionId: v1, ObjectAttributes: ['ObjectSize'] }));
    expect([attrs.ObjectSize, attrs.VersionId]).toEqual([3, v1]);
  });

  it('a version id that names nothing: 404 NoSuchVersion; an empty one: 400 InvalidArgument', async () => {
    const Bucket = await bucket();
    await put(Bucket, 'k', 'x');
    const absent = await s3ErrorOf(s3.send(new GetObjectCommand({ Bucket, Key: 'k', VersionId: ABSENT })));
    expect([absent.$metadata.httpStatusCode, absent.name]).toEqual([404, 'NoSuchVersion']);
    const r = await raw('GET', `/${Bucket}/k?versionId=${ABSENT}`);
    expect(r.text).toMatch(new RegExp(`<Code>NoSuchVersion</Code><Message>The specified version does not exist.</Message><Key>k</Key><VersionId>${ABSENT}</VersionId>`));
    expect((await raw('HEAD', `/${Bucket}/missing?versionId=${ABSENT}`)).status).toBe(404);
    const empty = await raw('GET', `/${Bucket}/k?versionId=`);
    expect([empty.status, empty.text]).toEqual([400, expect.stringContaining('<Message>Version id cannot be the empty string</Message><ArgumentName>versionId</ArgumentName>')]);
    expect((await raw('DELETE', `/${Bucket}/k?versionId=`)).status).toBe(400);
  });

  it('DELETE adds a delete marker; reads answer 404 with it, and 405 when they name it', async () => {
    const Bucket = await bucket();
    const v1 = await put(Bucket, 'k', 'kept');
    const del = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k' }));
    expect(del.DeleteMarker).toBe(true);
    const marker = del.VersionId!;
    expect(marker).toMatch(/^\S+$/);
    expect(marker).not.toBe(v1);

    const gone = await s3ErrorOf(s3.send(new GetObjectCommand({ Bucket, Key: 'k' })));
    expect([gone.$metadata.httpStatusCode, gone.name]).toEqual([404, 'NoSuchKey']);
    for (const method of ['GET', 'HEAD']) {
      const r = await raw(method, `/${Bucket}/k`);
      expect([r.status, r.headers['x-amz-delete-marker'], r.headers['x-amz-version-id']], method).toEqual([404, 'true', marker]);
    }
    // A key that never existed says nothing of markers.
    const never = await raw('GET', `/${Bucket}/never`);
    expect([never.status, never.headers['x-amz-delete-marker']]).toEqual([404, undefined]);

    const byId = await raw('GET', `/${Bucket}/k?versionId=${encodeURIComponent(marker)}`);
    expect(byId.status).toBe(405);
    expect(byId.headers).toMatchObject({ 'x-amz-delete-marker': 'true', 'x-amz-version-id': marker, allow: 'DELETE' });
    expect(byId.text).toContain(
      '<Code>MethodNotAllowed</Code><Message>The specified method is not allowed against this resource.</Message><Method>GET</Method><ResourceType>DeleteMarker</ResourceType>',
    );
    const headById = await s3ErrorOf(s3.send(new HeadObjectCommand({ Bucket, Key: 'k', VersionId: marker })));
    expect(headById.$metadata.httpStatusCode).toBe(405);
    expect(await body(Bucket, 'k', v1)).toEqual({ text: 'kept', versionId: v1 });

    // Removing the marker by its id brings the object back.
    const undelete = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: marker }));
    expect([undelete.DeleteMarker, undelete.VersionId]).toEqual([true, marker]);
    expect(await body(Bucket, 'k')).toEqual({ text: 'kept', versionId: v1 });
  });

  it('DELETE with a versionId removes that version for good; the previous one becomes current; unknown ids succeed', async () => {
    const Bucket = await bucket();
    const v1 = await put(Bucket, 'k', 'one');
    const v2 = await put(Bucket, 'k', 'two');
    const r = await raw('DELETE', `/${Bucket}/k?versionId=${encodeURIComponent(v2!)}`);
    expect([r.status, r.headers['x-amz-version-id'], r.headers['x-amz-delete-marker']]).toEqual([204, v2, undefined]);
    expect(await body(Bucket, 'k')).toEqual({ text: 'one', versionId: v1 });
    expect((await s3ErrorOf(s3.send(new GetObjectCommand({ Bucket, Key: 'k', VersionId: v2 })))).name).toBe('NoSuchVersion');
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: ABSENT }));
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: v1 }));
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket }))).Versions).toBeUndefined();
  });

  it('Suspended: writes and deletes are the null version', async () => {
    const Bucket = await bucket('Enabled');
    const kept = await put(Bucket, 'k', 'kept');
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Suspended' } }));
    // The write's answer names no version (S3 sends no x-amz-version-id for the null version it made).
    expect(await put(Bucket, 'k', 'null one')).toBeUndefined();
    expect(await body(Bucket, 'k', 'null')).toEqual({ text: 'null one', versionId: 'null' });
    const del = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k' }));
    expect([del.DeleteMarker, del.VersionId]).toEqual([true, 'null']);
    expect(await body(Bucket, 'k', kept)).toEqual({ text: 'kept', versionId: kept });
  });

  it('a never-versioned bucket reports no version ids, as before', async () => {
    const Bucket = await bucket(null);
    const out = await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'x' }));
    expect(out.VersionId).toBeUndefined();
    const r = await raw('GET', `/${Bucket}/k`);
    expect([r.status, r.headers['x-amz-version-id']]).toEqual([200, undefined]);
    const del = await raw('DELETE', `/${Bucket}/k`);
    expect([del.status, del.headers['x-amz-version-id'], del.headers['x-amz-delete-marker']]).toEqual([204, undefined, undefined]);
    const bad = await raw('GET', `/${Bucket}/k?versionId=${ABSENT}`);
    expect([bad.status, bad.text]).toEqual([400, expect.stringContaining('<Message>Invalid version id specified</Message>')]);
  });
});

describe('sub-resources of a version', () => {
  it('GetObjectTagging and GetObjectAcl read the version named, and answer for delete markers as GET does', async () => {
    const Bucket = await bucket();
    const v1 = (await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'one', Tagging: 'gen=one', ACL: 'public-read' }))).VersionId!;
    const v2 = (await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'two', Tagging: 'gen=two' }))).VersionId!;
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'k', VersionId: v1 }));
    expect([tags.TagSet, tags.VersionId]).toEqual([[{ Key: 'gen', Value: 'one' }], v1]);
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'k' }))).TagSet).toEqual([{ Key: 'gen', Value: 'two' }]);
    const publicGrant = (g: { Grantee?: { URI?: string } }) => g.Grantee?.URI === 'http://acs.amazonaws.com/groups/global/AllUsers';
    expect((await s3.send(new GetObjectAclCommand({ Bucket, Key: 'k', VersionId: v1 }))).Grants!.some(publicGrant)).toBe(true);
    expect((await s3.send(new GetObjectAclCommand({ Bucket, Key: 'k', VersionId: v2 }))).Grants!.some(publicGrant)).toBe(false);

    const marker = (await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k' }))).VersionId!;
    const onMarker = await raw('GET', `/${Bucket}/k?tagging&versionId=${encodeURIComponent(marker)}`);
    expect([onMarker.status, onMarker.headers['x-amz-delete-marker']]).toEqual([405, 'true']);
    const current = await raw('GET', `/${Bucket}/k?acl`);
    expect([current.status, current.headers['x-amz-delete-marker']]).toEqual([404, 'true']);
    expect((await s3ErrorOf(s3.send(new GetObjectAclCommand({ Bucket, Key: 'k', VersionId: ABSENT })))).name).toBe('NoSuchVersion');
    // The old version's ACL is still readable by id under the marker (restore tools copy it).
    expect((await s3.send(new GetObjectAclCommand({ Bucket, Key: 'k', VersionId: v1 }))).Grants!.some(publicGrant)).toBe(true);
  });
});

describe('changing a version in place: PutObjectAcl, PutObjectTagging, DeleteObjectTagging', () => {
  const publicRead = (g: { Grantee?: { URI?: string }; Permission?: string }) => g.Grantee?.URI === 'http://acs.amazonaws.com/groups/global/AllUsers' && g.Permission === 'READ';
  /** Every version and delete marker of the bucket: id, latest, Last-Modified. */
  async function history(Bucket: string): Promise<Array<[string | undefined, boolean | undefined, number | undefined]>> {
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket }));
    return [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].map((v) => [v.VersionId, v.IsLatest, v.LastModified?.getTime()]);
  }

  it('PutObjectAcl with a VersionId changes that version only, adds none (ceph/s3-tests test_versioned_object_acl)', async () => {
    const Bucket = await bucket();
    const [v1, v2, v3] = [await put(Bucket, 'xyz', 'one'), await put(Bucket, 'xyz', 'two'), await put(Bucket, 'xyz', 'three')];
    const before = await history(Bucket);
    expect((await s3.send(new GetObjectAclCommand({ Bucket, Key: 'xyz', VersionId: v2 }))).Grants!.some(publicRead)).toBe(false);
    await s3.send(new PutObjectAclCommand({ Bucket, Key: 'xyz', VersionId: v2, ACL: 'public-read' }));
    const acl = await s3.send(new GetObjectAclCommand({ Bucket, Key: 'xyz', VersionId: v2 }));
    expect([acl.Grants!.some(publicRead), acl.Grants!.some((g) => g.Permission === 'FULL_CONTROL')]).toEqual([true, true]);
    expect((await s3.send(new GetObjectAclCommand({ Bucket, Key: 'xyz', VersionId: v1 }))).Grants!.some(publicRead)).toBe(false);
    expect((await s3.send(new GetObjectAclCommand({ Bucket, Key: 'xyz' }))).Grants!.some(publicRead)).toBe(false);
    expect(await history(Bucket)).toEqual(before);
    expect(await body(Bucket, 'xyz', v2)).toEqual({ text: 'two', versionId: v2 });
    expect(await body(Bucket, 'xyz')).toEqual({ text: 'three', versionId: v3 });
    // A new version has the default ACL again.
    await put(Bucket, 'xyz', 'four');
    expect((await s3.send(new GetObjectAclCommand({ Bucket, Key: 'xyz' }))).Grants!.some(publicRead)).toBe(false);
  });

  it('PutObjectAcl without a VersionId changes the current version in place (test_versioned_object_acl_no_version_specified)', async () => {
    const Bucket = await bucket();
    await put(Bucket, 'xyz', 'one');
    const current = await put(Bucket, 'xyz', 'two');
    const before = await history(Bucket);
    await s3.send(new PutObjectAclCommand({ Bucket, Key: 'xyz', ACL: 'public-read' }));
    expect((await s3.send(new GetObjectAclCommand({ Bucket, Key: 'xyz', VersionId: current }))).Grants!.some(publicRead)).toBe(true);
    expect(await history(Bucket)).toEqual(before);
    // Explicit grants replace the canned ACL, in place too.
    const owner = (await s3.send(new GetBucketAclCommand({ Bucket }))).Owner!.ID!;
    await s3.send(new PutObjectAclCommand({ Bucket, Key: 'xyz', VersionId: current, GrantFullControl: `id="${owner}"` }));
    expect((await s3.send(new GetObjectAclCommand({ Bucket, Key: 'xyz', VersionId: current }))).Grants!.map((g) => g.Permission)).toEqual(['FULL_CONTROL']);
    expect(await history(Bucket)).toEqual(before);
  });

  it('PutObjectTagging / DeleteObjectTagging with a VersionId change that version in place and answer its id', async () => {
    const Bucket = await bucket();
    const v1 = (await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'one', Tagging: 'gen=one' }))).VersionId!;
    const v2 = (await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'two', Tagging: 'gen=two' }))).VersionId!;
    const before = await history(Bucket);
    const lastModified = (await s3.send(new HeadObjectCommand({ Bucket, Key: 'k', VersionId: v1 }))).LastModified;
    const tagged = await s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'k', VersionId: v1, Tagging: { TagSet: [{ Key: 'gen', Value: 'first' }] } }));
    expect(tagged.VersionId).toBe(v1);
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'k', VersionId: v1 }))).TagSet).toEqual([{ Key: 'gen', Value: 'first' }]);
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'k' }))).TagSet).toEqual([{ Key: 'gen', Value: 'two' }]);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'k', VersionId: v1 }));
    expect([head.LastModified, head.TagCount]).toEqual([lastModified, 1]);
    const untagged = await s3.send(new DeleteObjectTaggingCommand({ Bucket, Key: 'k', VersionId: v1 }));
    expect(untagged.VersionId).toBe(v1);
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'k', VersionId: v1 }))).TagSet).toEqual([]);
    // Without a VersionId: the current version, in place.
    expect((await s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'k', Tagging: { TagSet: [{ Key: 'gen', Value: 'second' }] } }))).VersionId).toBe(v2);
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'k', VersionId: v2 }))).TagSet).toEqual([{ Key: 'gen', Value: 'second' }]);
    expect((await s3.send(new DeleteObjectTaggingCommand({ Bucket, Key: 'k' }))).VersionId).toBe(v2);
    expect(await history(Bucket)).toEqual(before);
    expect(await body(Bucket, 'k', v1)).toEqual({ text: 'one', versionId: v1 });
  });

  it('an unknown version is 404 NoSuchVersion, a delete marker 405, a key under a marker 404 NoSuchKey; nothing changes', async () => {
    const Bucket = await bucket();
    const v1 = (await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'one', Tagging: 'a=1' }))).VersionId!;
    const marker = (await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k' }))).VersionId!;
    const before = await history(Bucket);
    const writes = (VersionId?: string) => [
      () => s3.send(new PutObjectAclCommand({ Bucket, Key: 'k', VersionId, ACL: 'public-read' })),
      () => s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'k', VersionId, Tagging: { TagSet: [{ Key: 'b', Value: '2' }] } })),
      () => s3.send(new DeleteObjectTaggingCommand({ Bucket, Key: 'k', VersionId })),
    ];
    for (const [VersionId, status, code] of [
      [ABSENT, 404, 'NoSuchVersion'],
      [marker, 405, 'MethodNotAllowed'],
      [undefined, 404, 'NoSuchKey'],
    ] as const) {
      for (const write of writes(VersionId)) {
        const err = await s3ErrorOf(write());
        expect([err.$metadata.httpStatusCode, err.name], String(VersionId)).toEqual([status, code]);
      }
    }
    const onMarker = await raw('PUT', `/${Bucket}/k?tagging&versionId=${encodeURIComponent(marker)}`, { body: '<Tagging><TagSet></TagSet></Tagging>' });
    expect([onMarker.status, onMarker.headers['x-amz-delete-marker'], onMarker.headers['x-amz-version-id']]).toEqual([405, 'true', marker]);
    expect(onMarker.text).toContain('<ResourceType>DeleteMarker</ResourceType>');
    const empty = await raw('PUT', `/${Bucket}/k?acl&versionId=`, { headers: { 'x-amz-acl': 'private' } });
    expect([empty.status, empty.text]).toEqual([400, expect.stringContaining('<Code>InvalidArgument</Code>')]);
    expect(await history(Bucket)).toEqual(before);
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'k', VersionId: v1 }))).TagSet).toEqual([{ Key: 'a', Value: '1' }]);
  });

  it('a never-versioned bucket: in place, no version id; versionId=null is the object, any other id 400', async () => {
    const Bucket = await bucket(null);
    const put1 = await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'plain', ServerSideEncryption: 'AES256' }));
    const lastModified = (await s3.send(new HeadObjectCommand({ Bucket, Key: 'k' }))).LastModified;
    const tagged = await s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'k', Tagging: { TagSet: [{ Key: 'a', Value: '1' }] } }));
    expect(tagged.VersionId).toBeUndefined();
    await s3.send(new PutObjectAclCommand({ Bucket, Key: 'k', VersionId: 'null', ACL: 'public-read' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'k' }));
    // Same object: Last-Modified, ETag and its encryption at rest kept.
    expect([head.LastModified, head.ETag, head.ServerSideEncryption, head.TagCount, head.VersionId]).toEqual([lastModified, put1.ETag, 'AES256', 1, undefined]);
    expect((await s3.send(new GetObjectAclCommand({ Bucket, Key: 'k' }))).Grants!.some(publicRead)).toBe(true);
    expect(await body(Bucket, 'k')).toEqual({ text: 'plain', versionId: undefined });
    const other = await s3ErrorOf(s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'k', VersionId: ABSENT, Tagging: { TagSet: [] } })));
    expect([other.$metadata.httpStatusCode, other.name]).toEqual([400, 'InvalidArgument']);
  });

  it('a version named by id needs s3:PutObjectVersionAcl / s3:PutObjectVersionTagging / s3:DeleteObjectVersionTagging', async () => {
    const Bucket = await bucket();
    const v1 = await put(Bucket, 'k', 'x');
    const grant = await policyGrantingAlt(Bucket);
    const writes = (VersionId?: string) => [
      () => alt.send(new PutObjectAclCommand({ Bucket, Key: 'k', VersionId, ACL: 'private' })),
      () => alt.send(new PutObjectTaggingCommand({ Bucket, Key: 'k', VersionId, Tagging: { TagSet: [{ Key: 'a', Value: '1' }] } })),
      () => alt.send(new DeleteObjectTaggingCommand({ Bucket, Key: 'k', VersionId })),
    ];
    await grant(['s3:PutObjectAcl', 's3:PutObjectTagging', 's3:DeleteObjectTagging']);
    for (const write of writes()) await write();
    for (const write of writes(v1)) expect((await s3ErrorOf(write())).$metadata.httpStatusCode).toBe(403);
    await grant(['s3:PutObjectVersionAcl', 's3:PutObjectVersionTagging', 's3:DeleteObjectVersionTagging']);
    for (const write of writes(v1)) await write();
  });
});

describe('changing a version in place: attacks', () => {
  it("WRITE_ACP on the current version does not let a caller open an older, private version: that version's ACL decides", async () => {
    const Bucket = await bucket();
    await alt.send(new CreateBucketCommand({ Bucket: `${Bucket}-alt` }));
    const altId = (await alt.send(new GetBucketAclCommand({ Bucket: `${Bucket}-alt` }))).Owner!.ID!;
    const secret = await put(Bucket, 'k', 'private v1');
    await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'shared v2', GrantFullControl: `id="${altId}"` }));
    // alt may change the current version's ACL and tags…
    await alt.send(new PutObjectTaggingCommand({ Bucket, Key: 'k', Tagging: { TagSet: [{ Key: 'by', Value: 'alt' }] } }));
    // …but not make the private version public, nor tag or untag it.
    const attempts = [
      () => alt.send(new PutObjectAclCommand({ Bucket, Key: 'k', VersionId: secret, ACL: 'public-read' })),
      () => alt.send(new PutObjectTaggingCommand({ Bucket, Key: 'k', VersionId: secret, Tagging: { TagSet: [{ Key: 'by', Value: 'alt' }] } })),
      () => alt.send(new DeleteObjectTaggingCommand({ Bucket, Key: 'k', VersionId: secret })),
      () => alt.send(new GetObjectAclCommand({ Bucket, Key: 'k', VersionId: secret })),
    ];
    for (const attempt of attempts) expect((await s3ErrorOf(attempt())).$metadata.httpStatusCode).toBe(403);
    const anonymous = await request(`${origin.url}/${Bucket}/k?versionId=${encodeURIComponent(secret!)}`);
    expect(anonymous.statusCode).toBe(403);
    await anonymous.body.dump();
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'k', VersionId: secret }))).TagSet).toEqual([]);
  });
});

describe('copies and multipart uploads', () => {
  it('CopyObject from a version: x-amz-copy-source-version-id, the copy a new version', async () => {
    const Bucket = await bucket();
    const v1 = await put(Bucket, 'src', 'first');
    const v2 = await put(Bucket, 'src', 'second');
    const copied = await s3.send(new CopyObjectCommand({ Bucket, Key: 'dst', CopySource: `${Bucket}/src?versionId=${encodeURIComponent(v1!)}` }));
    expect(copied.CopySourceVersionId).toBe(v1);
    expect(copied.VersionId).toMatch(/^\S+$/);
    expect(await body(Bucket, 'dst')).toEqual({ text: 'first', versionId: copied.VersionId });
    const current = await s3.send(new CopyObjectCommand({ Bucket, Key: 'dst2', CopySource: `${Bucket}/src` }));
    expect(current.CopySourceVersionId).toBe(v2);
    // An earlier version copied onto its own key becomes the current one again.
    const restored = await s3.send(new CopyObjectCommand({ Bucket, Key: 'src', CopySource: `${Bucket}/src?versionId=${encodeURIComponent(v1!)}` }));
    expect(await body(Bucket, 'src')).toEqual({ text: 'first', versionId: restored.VersionId });
  });

  it('CopyObject refuses a delete marker as source, an unknown version, a deleted key', async () => {
    const Bucket = await bucket();
    await put(Bucket, 'src', 'x');
    const marker = (await s3.send(new DeleteObjectCommand({ Bucket, Key: 'src' }))).VersionId!;
    const byMarker = await s3ErrorOf(s3.send(new CopyObjectCommand({ Bucket, Key: 'dst', CopySource: `${Bucket}/src?versionId=${encodeURIComponent(marker)}` })));
    expect([byMarker.$metadata.httpStatusCode, byMarker.name, byMarker.message]).toEqual([
      400,
      'InvalidRequest',
      'The source of a copy request may not specifically refer to a delete marker by version id.',
    ]);
    const unknown = await s3ErrorOf(s3.send(new CopyObjectCommand({ Bucket, Key: 'dst', CopySource: `${Bucket}/src?versionId=${ABSENT}` })));
    expect([unknown.$metadata.httpStatusCode, unknown.name]).toEqual([404, 'NoSuchVersion']);
    const deleted = await raw('PUT', `/${Bucket}/dst`, { headers: { 'x-amz-copy-source': `/${Bucket}/src` } });
    expect([deleted.status, deleted.headers['x-amz-delete-marker'], deleted.headers['x-amz-version-id']]).toEqual([404, 'true', marker]);
    const empty = await raw('PUT', `/${Bucket}/dst`, { headers: { 'x-amz-copy-source': `/${Bucket}/src?versionId=` } });
    expect([empty.status, empty.text]).toEqual([400, expect.stringContaining('Version id cannot be the empty string')]);
  });

  it('UploadPartCopy from a version; CompleteMultipartUpload answers the new version id', async () => {
    const Bucket = await bucket();
    const v1 = await put(Bucket, 'src', 'part one');
    await put(Bucket, 'src', 'later');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mp' }));
    const part = await s3.send(new UploadPartCopyCommand({ Bucket, Key: 'mp', UploadId, PartNumber: 1, CopySource: `${Bucket}/src?versionId=${encodeURIComponent(v1!)}` }));
    expect(part.CopySourceVersionId).toBe(v1);
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'mp', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.CopyPartResult!.ETag! }] } }));
    expect(done.VersionId).toMatch(/^\S+$/);
    expect(await body(Bucket, 'mp', done.VersionId)).toEqual({ text: 'part one', versionId: done.VersionId });
  });
});

describe('DeleteObjects with versions', () => {
  it('reports DeleteMarker / DeleteMarkerVersionId per entry, as S3', async () => {
    const Bucket = await bucket();
    await put(Bucket, 'a', 'a');
    const vb = await put(Bucket, 'b', 'b');
    await put(Bucket, 'c', 'c');
    const mc = (await s3.send(new DeleteObjectCommand({ Bucket, Key: 'c' }))).VersionId!;
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket,
        Delete: {
          Objects: [{ Key: 'a' }, { Key: 'b', VersionId: vb }, { Key: 'c', VersionId: mc }, { Key: 'd', VersionId: ABSENT }],
        },
      }),
    );
    expect(out.Errors).toBeUndefined();
    const byKey = Object.fromEntries(out.Deleted!.map((d) => [d.Key, d]));
    expect(byKey.a).toEqual({ Key: 'a', DeleteMarker: true, DeleteMarkerVersionId: expect.stringMatching(/^\S+$/) });
    expect(byKey.b).toEqual({ Key: 'b', VersionId: vb });
    expect(byKey.c).toEqual({ Key: 'c', VersionId: mc, DeleteMarker: true, DeleteMarkerVersionId: mc });
    expect(byKey.d).toEqual({ Key: 'd', VersionId: ABSENT });
    const listed = await s3.send(new ListObjectVersionsCommand({ Bucket }));
    expect(listed.Versions!.map((v) => [v.Key, v.IsLatest])).toEqual([
      ['a', false],
      ['c', true],
    ]);
    expect(listed.DeleteMarkers!.map((m) => [m.Key, m.VersionId])).toEqual([['a', byKey.a!.DeleteMarkerVersionId]]);
  });
});

describe('ListObjectVersions of a versioned bucket', () => {
  let Bucket: string;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    Bucket = await bucket(null);
    await put(Bucket, 'a', 'before versioning');
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    ids.a1 = (await put(Bucket, 'a', 'a1'))!;
    ids.b1 = (await put(Bucket, 'b', 'b1'))!;
    ids.bm = (await s3.send(new DeleteObjectCommand({ Bucket, Key: 'b' }))).VersionId!;
    ids.d1 = (await put(Bucket, 'd/x', 'x'))!;
    ids.d2 = (await put(Bucket, 'd/y', 'y'))!;
    ids.e1 = (await put(Bucket, 'é k', 'e'))!;
  });

  it('versions and delete markers, keys ascending, each key newest first, interleaved in the XML', async () => {
    const out = await s3.send(new ListObjectVersionsCommand({ Bucket }));
    expect(out.IsTruncated).toBe(false);
    expect(out.Versions!.map((v) => [v.Key, v.VersionId, v.IsLatest])).toEqual([
      ['a', ids.a1, true],
      ['a', 'null', false],
      ['b', ids.b1, false],
      ['d/x', ids.d1, true],
      ['d/y', ids.d2, true],
      ['é k', ids.e1, true],
    ]);
    expect(out.DeleteMarkers).toEqual([{ Key: 'b', VersionId: ids.bm, IsLatest: true, LastModified: expect.any(Date), Owner: out.Versions![0]!.Owner }]);
    expect(out.Versions![0]).toMatchObject({ Size: 2, StorageClass: 'STANDARD', ETag: expect.stringMatching(/^"[0-9a-f]{32}"$/) });
    const xml = (await raw('GET', `/${Bucket}?versions`)).text;
    const order = [...xml.matchAll(/<(Version|DeleteMarker)><Key>([^<]*)<\/Key>/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(order).toEqual(['Version a', 'Version a', 'DeleteMarker b', 'Version b', 'Version d/x', 'Version d/y', 'Version é k']);
  });

  it('pages with max-keys, NextKeyMarker and NextVersionIdMarker', async () => {
    const seen: string[] = [];
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (let page = 0; page < 20; page++) {
      const out = await s3.send(new ListObjectVersionsCommand({ Bucket, MaxKeys: 2, KeyMarker, VersionIdMarker }));
      const entries = [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])];
      expect(entries.length).toBeLessThanOrEqual(2);
      seen.push(...entries.map((e) => `${e.Key}@${e.VersionId}`));
      if (!out.IsTruncated) break;
      expect(out.NextKeyMarker).toBeDefined();
      ({ NextKeyMarker: KeyMarker, NextVersionIdMarker: VersionIdMarker } = out);
    }
    expect(new Set(seen).size).toBe(7);
    expect(seen).toHaveLength(7);
  });

  it('key-marker alone skips every version of that key; version-id-marker resumes after that version', async () => {
    const afterA = await s3.send(new ListObjectVersionsCommand({ Bucket, KeyMarker: 'a' }));
    expect(afterA.Versions![0]!.Key).toBe('b');
    const afterA1 = await s3.send(new ListObjectVersionsCommand({ Bucket, KeyMarker: 'a', VersionIdMarker: ids.a1 }));
    expect(afterA1.Versions![0]).toMatchObject({ Key: 'a', VersionId: 'null' });
    expect(afterA1).toMatchObject({ KeyMarker: 'a', VersionIdMarker: ids.a1 });
    const noKey = await s3ErrorOf(s3.send(new ListObjectVersionsCommand({ Bucket, VersionIdMarker: ids.a1 })));
    expect([noKey.name, noKey.message]).toEqual(['InvalidArgument', 'A version-id marker cannot be specified without a key marker.']);
  });

  it('delimiter, prefix and encoding-type=url', async () => {
    const rolled = await s3.send(new ListObjectVersionsCommand({ Bucket, Delimiter: '/' }));
    expect(rolled.CommonPrefixes).toEqual([{ Prefix: 'd/' }]);
    expect(rolled.Versions!.map((v) => v.Key)).toEqual(['a', 'a', 'b', 'é k']);
    const inD = await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: 'd/', MaxKeys: 1 }));
    expect(inD).toMatchObject({ IsTruncated: true, NextKeyMarker: 'd/x', NextVersionIdMarker: ids.d1 });
    const encoded = await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: 'é', EncodingType: 'url' }));
    expect(encoded.Versions!.map((v) => v.Key)).toEqual(['%C3%A9%20k']);
    const zero = await s3.send(new ListObjectVersionsCommand({ Bucket, MaxKeys: 0 }));
    expect([zero.IsTruncated, zero.Versions, zero.DeleteMarkers]).toEqual([false, undefined, undefined]);
  });
});

/** Makes the alt user known (it creates a bucket) and returns a setter of Bucket's policy granting it `actions` on the objects. */
async function policyGrantingAlt(Bucket: string): Promise<(actions: string[]) => Promise<unknown>> {
  await alt.send(new CreateBucketCommand({ Bucket: `${Bucket}-alt` }));
  const altId = (await alt.send(new GetBucketAclCommand({ Bucket: `${Bucket}-alt` }))).Owner!.ID!;
  return (actions) =>
    s3.send(
      new PutBucketPolicyCommand({
        Bucket,
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${altId}:root` }, Action: actions, Resource: `arn:aws:s3:::${Bucket}/*` }] }),
      }),
    );
}

describe('authorization of versions', () => {
  it('s3:GetObject does not read a version by id (s3:GetObjectVersion); s3:DeleteObject does not delete one (s3:DeleteObjectVersion)', async () => {
    const Bucket = await bucket();
    const v1 = await put(Bucket, 'k', 'x');
    const grant = await policyGrantingAlt(Bucket);
    await grant(['s3:GetObject', 's3:DeleteObject']);
    expect(await (await alt.send(new GetObjectCommand({ Bucket, Key: 'k' }))).Body!.transformToString()).toBe('x');
    expect((await s3ErrorOf(alt.send(new GetObjectCommand({ Bucket, Key: 'k', VersionId: v1 })))).$metadata.httpStatusCode).toBe(403);
    expect((await s3ErrorOf(alt.send(new HeadObjectCommand({ Bucket, Key: 'k', VersionId: v1 })))).$metadata.httpStatusCode).toBe(403);
    expect((await s3ErrorOf(alt.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: v1 })))).$metadata.httpStatusCode).toBe(403);
    expect((await s3ErrorOf(alt.send(new CopyObjectCommand({ Bucket: `${Bucket}-alt`, Key: 'c', CopySource: `${Bucket}/k?versionId=${encodeURIComponent(v1!)}` })))).$metadata.httpStatusCode).toBe(
      403,
    );
    await grant(['s3:GetObjectVersion', 's3:DeleteObjectVersion']);
    expect(await (await alt.send(new GetObjectCommand({ Bucket, Key: 'k', VersionId: v1 }))).Body!.transformToString()).toBe('x');
    await alt.send(new CopyObjectCommand({ Bucket: `${Bucket}-alt`, Key: 'c', CopySource: `${Bucket}/k?versionId=${encodeURIComponent(v1!)}` }));
    await alt.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: v1 }));
    expect((await s3.send(new ListObjectVersionsCommand({ Bucket }))).Versions).toBeUndefined();
  });
});

describe('authorization of versions: attacks', () => {
  it('DeleteObjects with a VersionId needs s3:DeleteObjectVersion: s3:DeleteObject alone removes no version for good', async () => {
    const Bucket = await bucket();
    const v1 = await put(Bucket, 'k', 'keep me');
    await alt.send(new CreateBucketCommand({ Bucket: `${Bucket}-alt` }));
    const altId = (await alt.send(new GetBucketAclCommand({ Bucket: `${Bucket}-alt` }))).Owner!.ID!;
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${altId}:root` }, Action: ['s3:DeleteObject'], Resource: [`arn:aws:s3:::${Bucket}`, `arn:aws:s3:::${Bucket}/*`] }],
        }),
      }),
    );
    // As DeleteObject with a versionId is refused to this caller…
    expect((await s3ErrorOf(alt.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: v1 })))).$metadata.httpStatusCode).toBe(403);
    // …so is that entry of a DeleteObjects (an <Error> AccessDenied); a plain entry adds a marker.
    const out = await alt.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'k', VersionId: v1 }, { Key: 'other' }] } }));
    expect(out.Errors?.map((e) => [e.Key, e.VersionId, e.Code])).toEqual([['k', v1, 'AccessDenied']]);
    expect(out.Deleted?.map((d) => [d.Key, d.DeleteMarker])).toEqual([['other', true]]);
    expect(await body(Bucket, 'k', v1)).toEqual({ text: 'keep me', versionId: v1 });
  });

  it("GetObjectAttributes of a version is decided by that version's ACL, not the current object's", async () => {
    const Bucket = await bucket();
    await alt.send(new CreateBucketCommand({ Bucket: `${Bucket}-alt` }));
    const altId = (await alt.send(new GetBucketAclCommand({ Bucket: `${Bucket}-alt` }))).Owner!.ID!;
    const secret = (await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'private v1' }))).VersionId!;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'shared v2', GrantRead: `id="${altId}"` }));
    const attrs = (VersionId?: string) => alt.send(new GetObjectAttributesCommand({ Bucket, Key: 'k', ObjectAttributes: ['ObjectSize', 'ETag'], ...(VersionId !== undefined ? { VersionId } : {}) }));
    expect((await attrs()).ObjectSize).toBe('shared v2'.length);
    // GetObject of that version is refused to alt; its attributes must be too.
    expect((await s3ErrorOf(alt.send(new GetObjectCommand({ Bucket, Key: 'k', VersionId: secret })))).$metadata.httpStatusCode).toBe(403);
    expect((await s3ErrorOf(attrs(secret))).$metadata.httpStatusCode).toBe(403);
    // Under a delete marker, a caller who may list the bucket still may not read a private version's attributes.
    await s3.send(new PutBucketAclCommand({ Bucket, GrantRead: `id="${altId}"`, GrantFullControl: `id="${(await s3.send(new GetBucketAclCommand({ Bucket }))).Owner!.ID!}"` }));
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k' }));
    expect((await s3ErrorOf(attrs(secret))).$metadata.httpStatusCode).toBe(403);
  });
});

describe('event notifications of versions', () => {
  it('records carry s3.object.versionId; a DELETE that adds a marker is ObjectRemoved:DeleteMarkerCreated', async () => {
    const Bucket = await bucket();
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket,
        NotificationConfiguration: { QueueConfigurations: [{ Id: 'all', QueueArn: ARN, Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] }] },
      }),
    );
    const v1 = await put(Bucket, 'k', 'x');
    const marker = (await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k' }))).VersionId!;
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'k', VersionId: v1 }));
    const records = (): S3EventRecord[] =>
      receiver.acknowledged
        .map((p) => JSON.parse(p.body) as { Records?: S3EventRecord[] })
        .flatMap((b) => b.Records ?? [])
        .filter((r) => r.s3.bucket.name === Bucket)
        .sort((a, b) => (a.s3.object.sequencer < b.s3.object.sequencer ? -1 : 1));
    await receiver.waitFor('3 records', () => records().length >= 3);
    expect(records().map((r) => [r.eventName, r.s3.object.versionId])).toEqual([
      ['ObjectCreated:Put', v1],
      ['ObjectRemoved:DeleteMarkerCreated', marker],
      ['ObjectRemoved:Delete', v1],
    ]);
  });
});

describe.skipIf(!hasAwsCli())('aws s3api on a versioned bucket', () => {
  const aws = async (...args: string[]): Promise<unknown> => {
    const r = await runAws(['s3api', ...args, '--output', 'json'], { endpointUrl: origin.url, credentials: origin.credentials, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim() === '' ? {} : JSON.parse(r.stdout);
  };

  it('put-bucket-versioning, get-bucket-versioning, list-object-versions, get-object / delete-object --version-id', async () => {
    const Bucket = await bucket(null);
    expect(await aws('get-bucket-versioning', '--bucket', Bucket)).toEqual({});
    await aws('put-bucket-versioning', '--bucket', Bucket, '--versioning-configuration', 'Status=Enabled');
    expect(await aws('get-bucket-versioning', '--bucket', Bucket)).toEqual({ Status: 'Enabled' });
    const v1 = await put(Bucket, 'k', 'one');
    await put(Bucket, 'k', 'two');
    const listed = (await aws('list-object-versions', '--bucket', Bucket)) as { Versions: { Key: string; VersionId: string; IsLatest: boolean }[] };
    expect(listed.Versions.map((v) => v.IsLatest)).toEqual([true, false]);
    expect(listed.Versions[1]!.VersionId).toBe(v1);
    const dir = origin.dataDir;
    const got = (await aws('get-object', '--bucket', Bucket, '--key', 'k', '--version-id', v1!, `${dir}/out.txt`)) as { VersionId: string; ContentLength: number };
    expect([got.VersionId, got.ContentLength]).toEqual([v1, 3]);
    const deleted = (await aws('delete-object', '--bucket', Bucket, '--key', 'k', '--version-id', v1!)) as { VersionId: string };
    expect(deleted.VersionId).toBe(v1);
    const marker = (await aws('delete-object', '--bucket', Bucket, '--key', 'k')) as { DeleteMarker: boolean; VersionId: string };
    expect(marker.DeleteMarker).toBe(true);
    const after = (await aws('list-object-versions', '--bucket', Bucket)) as { Versions: unknown[]; DeleteMarkers: { VersionId: string; IsLatest: boolean }[] };
    expect(after.Versions).toHaveLength(1);
    expect(after.DeleteMarkers).toEqual([expect.objectContaining({ VersionId: marker.VersionId, IsLatest: true })]);
  });
});
