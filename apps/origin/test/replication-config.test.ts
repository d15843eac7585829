/**
 * Put/Get/DeleteBucketReplication between two real origins on port 0 (fs stores) acting as two
 * regions, with the AWS SDK v3: the configuration round-trips, the destination is found on a
 * replication remote (docs/replication.md#remotes), and every refusal is S3's error.
 */
import {
  CreateBucketCommand,
  DeleteBucketReplicationCommand,
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  S3ServiceException,
  type ReplicationConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';
import { openSystemServices } from '@bucketfront/object-store';
import { signRequest } from '@bucketfront/sigv4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteStore } from '../src/index.js';
import { startTestOrigin, type TestOrigin } from './fixtures/test-origin.js';

let source: TestOrigin;
let dest: TestOrigin;
const Role = 'arn:aws:iam::123456789012:role/replication';

async function withRemotes<T>(origin: TestOrigin, fn: (remotes: RemoteStore) => Promise<T>): Promise<T> {
  const svc = await openSystemServices(`fs:${origin.dataDir}`);
  try {
    return await fn(await RemoteStore.open(svc.system, svc.keys));
  } finally {
    await svc.close();
  }
}

async function s3Error(p: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof S3ServiceException) return { status: err.$metadata.httpStatusCode ?? 0, code: err.name, message: err.message };
    throw err;
  }
  throw new Error('the request succeeded');
}

async function versioned(s3: S3Client, bucket: string, status?: 'Enabled' | 'Suspended'): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  if (status !== undefined) await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: status } }));
}

/** A signed PUT of a raw body (documents the SDK would not send). */
async function putRaw(origin: TestOrigin, path: string, body: string): Promise<{ status: number; body: string }> {
  const url = `${origin.url}${path}`;
  const headers = signRequest({ method: 'PUT', url, body, credentials: origin.credentials, region: 'us-east-1', service: 's3' });
  const res = await fetch(url, { method: 'PUT', headers, body });
  return { status: res.status, body: await res.text() };
}

const simple = (bucket: string): ReplicationConfiguration => ({ Role, Rules: [{ Status: 'Enabled', Destination: { Bucket: `arn:aws:s3:::${bucket}` }, Prefix: '' }] });

beforeAll(async () => {
  [source, dest] = await Promise.all([startTestOrigin({ region: 'us-east-1' }), startTestOrigin({ region: 'eu-west-1' })]);
  await versioned(source.s3, 'src', 'Enabled');
  await versioned(source.s3, 'unversioned');
  await versioned(dest.s3, 'dst', 'Enabled');
  await versioned(dest.s3, 'dst-off');
  await versioned(dest.s3, 'dst-suspended', 'Suspended');
});
afterAll(async () => {
  await source?.stop();
  await dest?.stop();
});

describe('without a remote', () => {
  it('GetBucketReplication → 404 ReplicationConfigurationNotFoundError', async () => {
    expect(await s3Error(source.s3.send(new GetBucketReplicationCommand({ Bucket: 'src' })))).toMatchObject({ status: 404, code: 'ReplicationConfigurationNotFoundError' });
  });
  it('no destination can be found → 400 InvalidRequest "Destination bucket must exist."', async () => {
    expect(await s3Error(source.s3.send(new PutBucketReplicationCommand({ Bucket: 'src', ReplicationConfiguration: simple('dst') })))).toEqual({
      status: 400,
      code: 'InvalidRequest',
      message: 'Destination bucket must exist.',
    });
  });
});

describe('with the destination origin as the eu-west-1 remote', () => {
  beforeAll(async () => {
    await withRemotes(source, (r) => r.add({ region: 'eu-west-1', endpoint: dest.url, ...dest.credentials }));
  });

  it('a V2 configuration round-trips through Put and Get; Delete removes it', async () => {
    const config: ReplicationConfiguration = {
      Role,
      Rules: [
        {
          ID: 'logs',
          Priority: 2,
          Status: 'Enabled',
          Filter: { Prefix: 'logs/' },
          DeleteMarkerReplication: { Status: 'Enabled' },
          Destination: { Bucket: 'arn:aws:s3:::dst', StorageClass: 'STANDARD_IA' },
        },
        {
          ID: 'tagged',
          Priority: 1,
          Status: 'Disabled',
          Filter: { And: { Prefix: 'a/', Tags: [{ Key: 'k', Value: 'v' }] } },
          DeleteMarkerReplication: { Status: 'Disabled' },
          Destination: { Bucket: 'arn:aws:s3:::dst' },
        },
      ],
    };
    await source.s3.send(new PutBucketReplicationCommand({ Bucket: 'src', ReplicationConfiguration: config }));
    const got = await source.s3.send(new GetBucketReplicationCommand({ Bucket: 'src' }));
    expect(got.ReplicationConfiguration).toEqual(config);
    await source.s3.send(new DeleteBucketReplicationCommand({ Bucket: 'src' }));
    expect(await s3Error(source.s3.send(new GetBucketReplicationCommand({ Bucket: 'src' })))).toMatchObject({ status: 404, code: 'ReplicationConfigurationNotFoundError' });
  });

  it('versioning cannot be suspended while a configuration is present → 409 InvalidBucketState; once it is deleted, it can', async () => {
    await versioned(source.s3, 'src-keep', 'Enabled');
    await source.s3.send(new PutBucketReplicationCommand({ Bucket: 'src-keep', ReplicationConfiguration: simple('dst') }));
    const suspend = () => source.s3.send(new PutBucketVersioningCommand({ Bucket: 'src-keep', VersioningConfiguration: { Status: 'Suspended' } }));
    expect(await s3Error(suspend())).toEqual({
      status: 409,
      code: 'InvalidBucketState',
      message: 'A replication configuration is present on this bucket, so you cannot change the versioning state. To change the versioning state, first delete the replication configuration.',
    });
    // Enabled again is no change of state: accepted, as S3 does.
    await source.s3.send(new PutBucketVersioningCommand({ Bucket: 'src-keep', VersioningConfiguration: { Status: 'Enabled' } }));
    expect((await source.s3.send(new GetBucketVersioningCommand({ Bucket: 'src-keep' }))).Status).toBe('Enabled');
    await source.s3.send(new DeleteBucketReplicationCommand({ Bucket: 'src-keep' }));
    await suspend();
    expect((await source.s3.send(new GetBucketVersioningCommand({ Bucket: 'src-keep' }))).Status).toBe('Suspended');
  });

  it('PutBucketReplication racing PutBucketVersioning Suspended never leaves both in place', async () => {
    for (let round = 0; round < 12; round++) {
      const bucket = `race-${round}`;
      await versioned(source.s3, bucket, 'Enabled');
      // The replication request looks its destination up on the remote first: the suspension lands meanwhile.
      const [replication, suspension] = await Promise.allSettled([
        source.s3.send(new PutBucketReplicationCommand({ Bucket: bucket, ReplicationConfiguration: simple('dst') })),
        new Promise((r) => setTimeout(r, round % 4)).then(() => source.s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Suspended' } }))),
      ]);
      const status = (await source.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status;
      const stored = await source.s3.send(new GetBucketReplicationCommand({ Bucket: bucket })).then(
        () => true,
        () => false,
      );
      // What each request answered is what stayed: never a Suspended bucket with a configuration.
      expect([round, status === 'Suspended' && stored]).toEqual([round, false]);
      expect([round, replication.status === 'fulfilled']).toEqual([round, stored]);
      expect([round, suspension.status === 'fulfilled']).toEqual([round, status === 'Suspended']);
    }
  });

  it('a V1 configuration (top-level Prefix) round-trips', async () => {
    await source.s3.send(
      new PutBucketReplicationCommand({ Bucket: 'src', ReplicationConfiguration: { Role, Rules: [{ ID: 'v1', Status: 'Enabled', Prefix: 'p/', Destination: { Bucket: 'arn:aws:s3:::dst' } }] } }),
    );
    const got = await source.s3.send(new GetBucketReplicationCommand({ Bucket: 'src' }));
    expect(got.ReplicationConfiguration?.Rules).toEqual([{ ID: 'v1', Status: 'Enabled', Prefix: 'p/', Destination: { Bucket: 'arn:aws:s3:::dst' } }]);
    await source.s3.send(new DeleteBucketReplicationCommand({ Bucket: 'src' }));
  });

  it.each([
    ['the source is not versioned', 'unversioned', 'dst', "Versioning must be 'Enabled' on the bucket to apply a replication configuration"],
    ['the destination is not versioned', 'src', 'dst-off', 'Destination bucket must have versioning enabled.'],
    ['the destination is suspended', 'src', 'dst-suspended', 'Destination bucket must have versioning enabled.'],
    ['the destination exists on no remote', 'src', 'nowhere', 'Destination bucket must exist.'],
    ['the destination is the source', 'src', 'src', 'Destination bucket cannot be the same as the source bucket.'],
  ])('%s → 400 InvalidRequest', async (_name, bucket, destination, message) => {
    expect(await s3Error(source.s3.send(new PutBucketReplicationCommand({ Bucket: bucket, ReplicationConfiguration: simple(destination) })))).toEqual({ status: 400, code: 'InvalidRequest', message });
    expect(await s3Error(source.s3.send(new GetBucketReplicationCommand({ Bucket: bucket })))).toMatchObject({ code: 'ReplicationConfigurationNotFoundError' });
  });

  it.each([
    ['malformed XML', '<ReplicationConfiguration><Rule>', 400, 'MalformedXML'],
    [
      'an unknown element',
      `<ReplicationConfiguration><Role>${Role}</Role><Rule><Status>Enabled</Status><Size>1</Size><Destination><Bucket>arn:aws:s3:::dst</Bucket></Destination></Rule></ReplicationConfiguration>`,
      400,
      'MalformedXML',
    ],
    [
      'not a bucket ARN',
      `<ReplicationConfiguration><Role>${Role}</Role><Rule><Status>Enabled</Status><Destination><Bucket>dst</Bucket></Destination></Rule></ReplicationConfiguration>`,
      400,
      'InvalidArgument',
    ],
    [
      'Filter without Priority',
      `<ReplicationConfiguration><Role>${Role}</Role><Rule><Status>Enabled</Status><Filter/><DeleteMarkerReplication><Status>Disabled</Status></DeleteMarkerReplication><Destination><Bucket>arn:aws:s3:::dst</Bucket></Destination></Rule></ReplicationConfiguration>`,
      400,
      'InvalidRequest',
    ],
    [
      'delete marker replication with a tag filter',
      `<ReplicationConfiguration><Role>${Role}</Role><Rule><Priority>1</Priority><Status>Enabled</Status><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication><Destination><Bucket>arn:aws:s3:::dst</Bucket></Destination></Rule></ReplicationConfiguration>`,
      400,
      'InvalidRequest',
    ],
    ['an empty body', '', 400, 'MissingRequestBodyError'],
  ])('%s → %i %s', async (_name, body, status, code) => {
    const res = await putRaw(source, '/src?replication', body);
    expect(res.status, res.body).toBe(status);
    expect(res.body).toContain(`<Code>${code}</Code>`);
  });

  it('a remote that refuses the credentials is named in the error', async () => {
    await withRemotes(source, (r) => r.add({ region: 'eu-west-1', endpoint: dest.url, accessKeyId: dest.credentials.accessKeyId, secretAccessKey: 'wrong-secret' }));
    try {
      const err = await s3Error(source.s3.send(new PutBucketReplicationCommand({ Bucket: 'src', ReplicationConfiguration: simple('dst') })));
      expect(err).toMatchObject({ status: 400, code: 'InvalidRequest' });
      expect(err.message).toContain('the remote of eu-west-1 refused the replication credentials (SignatureDoesNotMatch');
      expect(err.message).not.toContain('wrong-secret');
    } finally {
      await withRemotes(source, (r) => r.add({ region: 'eu-west-1', endpoint: dest.url, ...dest.credentials }));
    }
  });

  it('a remote that cannot be reached is named in the error', async () => {
    await withRemotes(source, (r) => r.add({ region: 'ap-south-1', endpoint: 'http://127.0.0.1:1', accessKeyId: 'AKIAX', secretAccessKey: 'x' }));
    try {
      const err = await s3Error(source.s3.send(new PutBucketReplicationCommand({ Bucket: 'src', ReplicationConfiguration: simple('nowhere') })));
      expect(err).toMatchObject({ status: 400, code: 'InvalidRequest' });
      expect(err.message).toContain('the remote of ap-south-1 could not be reached');
      // A reachable remote holding the bucket still wins.
      await source.s3.send(new PutBucketReplicationCommand({ Bucket: 'src', ReplicationConfiguration: simple('dst') }));
      await source.s3.send(new DeleteBucketReplicationCommand({ Bucket: 'src' }));
    } finally {
      await withRemotes(source, (r) => r.remove('ap-south-1'));
    }
  });
});
