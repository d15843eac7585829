/**
 * PutObjectTagging / PutObjectAcl read their body after the central authorization, at the client's
 * pace. A slow body must not let a decision about one object (or about no object) change another
 * written meanwhile (s3/versions.ts updateSubresource): the decision is taken again once the body is
 * in, and the change is pinned to the version that decision read. Real origin, raw HTTP for the slow
 * bodies, the AWS SDK for the rest.
 */
import http from 'node:http';
import {
  CreateBucketCommand,
  GetBucketAclCommand,
  GetObjectAclCommand,
  GetObjectTaggingCommand,
  PutBucketAclCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { signRequest } from '@bucketfront/sigv4';
import { makeS3Client } from '@bucketfront/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

const ALT = { accessKeyId: 'ALTRACEKEY0000000001', secretAccessKey: 'alt-secret-alt-secret-alt-secret-race1', displayName: 'alt-race', email: 'alt-race@example.com' };

let origin: TestOrigin;
let s3: S3Client;
let alt: S3Client;
beforeAll(async () => {
  origin = await startTestOrigin({ extraUsers: [ALT] });
  s3 = origin.s3;
  alt = makeS3Client(origin.url, ALT);
});
afterAll(async () => {
  alt?.destroy();
  await origin?.stop();
});

/**
 * Sends a PUT whose body arrives in two halves: the first with the headers (the request is
 * authorized then), the second after `meanwhile` has run. Signed with `credentials`, else anonymous.
 */
function slowPut(path: string, body: string, meanwhile: () => Promise<void>, credentials?: { accessKeyId: string; secretAccessKey: string }): Promise<number> {
  const url = `${origin.url}${path}`;
  const headers: Record<string, string> = credentials ? signRequest({ method: 'PUT', url, headers: {}, credentials, region: 'us-east-1', service: 's3', payloadHash: 'UNSIGNED-PAYLOAD' }) : {};
  headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'PUT', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.write(body.slice(0, 10));
    // The origin has the headers and has authorized the request by the time this runs.
    setTimeout(() => {
      meanwhile().then(() => req.end(body.slice(10)), reject);
    }, 300);
  });
}

const TAGGING = '<Tagging><TagSet><Tag><Key>owned</Key><Value>by-someone-else</Value></Tag></TagSet></Tagging>';

describe.each([
  ['versioned', 'Enabled' as const],
  ['never versioned', null],
])('a slow body in a %s bucket', (_name, versioning) => {
  const bucketName = `race-${versioning ?? 'plain'}`.toLowerCase();
  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: bucketName }));
    if (versioning) await s3.send(new PutBucketVersioningCommand({ Bucket: bucketName, VersioningConfiguration: { Status: versioning } }));
    // public-read on the bucket: anyone may list it (s3:ListBucket), and nothing more.
    await s3.send(new PutBucketAclCommand({ Bucket: bucketName, ACL: 'public-read' }));
  });

  it('anonymous PutObjectTagging on a missing key does not tag the private object the owner writes meanwhile', async () => {
    const status = await slowPut(`/${bucketName}/report.csv?tagging`, TAGGING, async () => {
      await s3.send(new PutObjectCommand({ Bucket: bucketName, Key: 'report.csv', Body: 'secret' }));
    });
    expect(status).toBe(403);
    expect((await s3.send(new GetObjectTaggingCommand({ Bucket: bucketName, Key: 'report.csv' }))).TagSet).toEqual([]);
  });

  it('PutObjectAcl by a user with WRITE_ACP on one object does not reach the private object written over it meanwhile', async () => {
    const altId = await altCanonicalId();
    await s3.send(new PutObjectCommand({ Bucket: bucketName, Key: 'shared.txt', Body: 'v1', GrantWriteACP: `id=${altId}` }));
    const ownerId = (await s3.send(new GetBucketAclCommand({ Bucket: bucketName }))).Owner!.ID!;
    const policy = `<AccessControlPolicy><Owner><ID>${ownerId}</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>${altId}</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>`;
    const status = await slowPut(
      `/${bucketName}/shared.txt?acl`,
      policy,
      async () => {
        await s3.send(new PutObjectCommand({ Bucket: bucketName, Key: 'shared.txt', Body: 'v2, private' }));
      },
      ALT,
    );
    const current = await s3.send(new GetObjectAclCommand({ Bucket: bucketName, Key: 'shared.txt' }));
    const altGrants = (current.Grants ?? []).filter((g) => g.Grantee?.ID === altId);
    // The decision is taken again once the body is in, against the object now current: private.
    expect(status).toBe(403);
    expect(altGrants).toEqual([]);
  });
});

let altId: Promise<string> | undefined;
/** alt's canonical id, from the owner of a bucket it creates. */
function altCanonicalId(): Promise<string> {
  altId ??= (async () => {
    await alt.send(new CreateBucketCommand({ Bucket: 'race-alt-own' }));
    return (await alt.send(new GetBucketAclCommand({ Bucket: 'race-alt-own' }))).Owner!.ID!;
  })();
  return altId;
}
