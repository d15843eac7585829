/**
 * GetBucketPolicy → edit (public-read.ts) → PutBucketPolicy / DeleteBucketPolicy, for
 * `website --public` and `--private`. Each resolves to the line describing what it did;
 * running either twice changes nothing the second time.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html
 */
import { DeleteBucketPolicyCommand, GetBucketPolicyCommand, PutBucketPolicyCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { CliError, describeError } from '../util/errors.js';
import { objectsArn, withPublicRead, withoutPublicRead } from './public-read.js';

async function currentPolicy(s3: S3Client, bucket: string): Promise<string | null> {
  try {
    return (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy ?? null;
  } catch (err) {
    if (err instanceof S3ServiceException && err.name === 'NoSuchBucketPolicy') return null;
    throw err;
  }
}

export async function grantPublicRead(s3: S3Client, bucket: string): Promise<string> {
  const grant = withPublicRead(await currentPolicy(s3, bucket), bucket);
  const what = `s3:GetObject on ${objectsArn(bucket)} to everyone (Principal *; no s3:ListBucket)`;
  if (!grant.changed) return `bucket policy: already grants ${what}: unchanged`;
  try {
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: grant.policy }));
  } catch (err) {
    if (err instanceof S3ServiceException && err.name === 'AccessDenied') {
      // Block Public Access of the account (s3control), which a bucket request cannot change.
      throw new CliError(
        `${describeError(err)}\nPutBucketPolicy of a public policy was refused: the account's Block Public Access settings may forbid public bucket policies ` +
          '(https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-account.html).',
      );
    }
    throw err;
  }
  return `bucket policy: granted ${what}`;
}

export async function revokePublicRead(s3: S3Client, bucket: string): Promise<string> {
  const revoke = withoutPublicRead(await currentPolicy(s3, bucket), bucket);
  const rest = revoke.stillAllowsEveryone ? '; other statements still allow everyone something: check them with GetBucketPolicy' : '';
  if (!revoke.changed) return `bucket policy: grants no public s3:GetObject on ${objectsArn(bucket)}: unchanged${rest}`;
  if (revoke.policy === null) {
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    return `bucket policy: removed the public s3:GetObject grant (no statement left: policy deleted)${rest}`;
  }
  await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: revoke.policy }));
  return `bucket policy: removed the public s3:GetObject grant (${revoke.removed} statement(s)); other statements kept${rest}`;
}
