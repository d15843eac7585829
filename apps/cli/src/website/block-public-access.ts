/**
 * The Block Public Access half of `website --public`: a bucket policy granting everyone
 * s3:GetObject is refused (`BlockPublicPolicy`) or ignored (`RestrictPublicBuckets`) while the
 * bucket's public access block says so, and AWS turns all four settings on for new buckets
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html).
 * Only those two are turned off (PutPublicAccessBlock,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutPublicAccessBlock.html): the ACL
 * settings stay as they are, since the policy makes per-object ACLs unnecessary.
 * Endpoints without the feature (our origin: 501 NotImplemented, README "Limits") are reported,
 * not failed.
 */
import { GetPublicAccessBlockCommand, PutPublicAccessBlockCommand, S3ServiceException, type PublicAccessBlockConfiguration, type S3Client } from '@aws-sdk/client-s3';

/** The settings that stop a public bucket policy from taking effect. */
const POLICY_SETTINGS = ['BlockPublicPolicy', 'RestrictPublicBuckets'] as const;

/** The configuration to put so a public policy works, and the settings it turns off; null: nothing to change. */
export function allowPublicPolicy(current: PublicAccessBlockConfiguration): { config: PublicAccessBlockConfiguration; turnedOff: string[] } | null {
  const turnedOff = POLICY_SETTINGS.filter((name) => current[name] === true);
  if (turnedOff.length === 0) return null;
  const config: PublicAccessBlockConfiguration = {
    BlockPublicAcls: current.BlockPublicAcls === true,
    IgnorePublicAcls: current.IgnorePublicAcls === true,
    BlockPublicPolicy: false,
    RestrictPublicBuckets: false,
  };
  return { config, turnedOff };
}

const errorName = (err: unknown): string | undefined => (err instanceof S3ServiceException ? err.name : undefined);
const notOffered = (err: unknown): boolean => err instanceof S3ServiceException && (err.name === 'NotImplemented' || err.$metadata.httpStatusCode === 501);

/** Turns off what blocks a public policy on `bucket`; resolves to the line describing what was done. */
export async function allowPublicPolicyOn(s3: S3Client, bucket: string): Promise<string> {
  let current: PublicAccessBlockConfiguration;
  try {
    current = (await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration ?? {};
  } catch (err) {
    if (errorName(err) === 'NoSuchPublicAccessBlockConfiguration') return 'block public access: none on this bucket';
    if (notOffered(err)) return 'block public access: not offered by this endpoint (GetPublicAccessBlock: NotImplemented), nothing to turn off';
    throw err;
  }
  const change = allowPublicPolicy(current);
  if (!change) return 'block public access: already allows public bucket policies (BlockPublicPolicy and RestrictPublicBuckets off)';
  await s3.send(new PutPublicAccessBlockCommand({ Bucket: bucket, PublicAccessBlockConfiguration: change.config }));
  return `block public access: turned off ${change.turnedOff.join(' and ')} (BlockPublicAcls and IgnorePublicAcls left as they were)`;
}
