/**
 * Which remote holds a replication destination bucket, asked at PutBucketReplication time: each
 * remote gets a HeadBucket and, where the bucket is, a GetBucketVersioning, with that remote's
 * credentials. The answer is the remote's region, or the error S3 gives for the configuration
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication-requirements.html: the
 * destination must exist and have versioning enabled).
 */
import { S3Error } from '@bucketfront/s3-protocol';
import { type RemoteError, remoteErrorOf, remoteRequest, RemoteUnavailable, type RemoteEndpoint } from './remote-client.js';

export type DestinationLookup = { region: string } | S3Error;

type Probe = { kind: 'found'; versioning: string | null } | { kind: 'absent' } | { kind: 'refused'; error: RemoteError } | { kind: 'unreachable'; message: string };

async function probe(remote: RemoteEndpoint, bucket: string): Promise<Probe> {
  try {
    const head = await remoteRequest(remote, { method: 'HEAD', bucket });
    if (head.status === 404) return { kind: 'absent' };
    if (head.status !== 200) {
      // A HEAD answer has no body: ask again with GET ?versioning for the error document.
      const res = await remoteRequest(remote, { method: 'GET', bucket, query: 'versioning' });
      if (res.status === 404) return { kind: 'absent' };
      return { kind: 'refused', error: remoteErrorOf(res) };
    }
    const res = await remoteRequest(remote, { method: 'GET', bucket, query: 'versioning' });
    if (res.status !== 200) return { kind: 'refused', error: remoteErrorOf(res) };
    return { kind: 'found', versioning: /<Status>([^<]*)<\/Status>/.exec(res.body.toString('utf8'))?.[1] ?? null };
  } catch (err) {
    if (err instanceof RemoteUnavailable) return { kind: 'unreachable', message: err.message };
    throw err;
  }
}

/** Asks every remote (in region order) for `bucket`; the first that holds it decides. */
export async function locateDestination(remotes: readonly RemoteEndpoint[], bucket: string): Promise<DestinationLookup> {
  const problems: string[] = [];
  for (const remote of remotes) {
    const p = await probe(remote, bucket);
    if (p.kind === 'absent') continue;
    if (p.kind === 'unreachable') {
      problems.push(`the remote of ${remote.region} could not be reached (${p.message})`);
      continue;
    }
    if (p.kind === 'refused') {
      problems.push(`the remote of ${remote.region} refused the replication credentials (${p.error.code}${p.error.message ? `: ${p.error.message}` : ''})`);
      continue;
    }
    if (p.versioning !== 'Enabled') return new S3Error('InvalidRequest', 'Destination bucket must have versioning enabled.');
    return { region: remote.region };
  }
  // Deviation from S3 (which does not look at the destination through the role): a remote that
  // cannot answer is named, so a wrong key or a stopped origin is not mistaken for a missing bucket.
  if (problems.length > 0) return new S3Error('InvalidRequest', `Destination bucket must exist: ${problems.join('; ')}.`);
  return new S3Error('InvalidRequest', 'Destination bucket must exist.');
}
