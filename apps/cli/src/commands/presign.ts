/** `presign s3://b/k --expires-in N` (https://docs.aws.amazon.com/cli/latest/reference/s3/presign.html). */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { parseS3Url } from '../s3/url.js';
import { UsageError } from '../util/errors.js';
import { s3AccessFor, type GlobalOpts } from './common.js';

export async function presignCommand(target: string, o: GlobalOpts & { expiresIn?: string }): Promise<number> {
  const { bucket, key } = parseS3Url(target);
  if (!key) throw new UsageError(`presign needs an object URL (s3://bucket/key), got ${target}`);
  const expiresIn = Number(o.expiresIn ?? 3600);
  // SigV4 presigned URLs are valid for at most 7 days.
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > 604_800) throw new UsageError('--expires-in must be 1..604800 seconds');
  const access = s3AccessFor(o, 1);
  const s3 = await access.client();
  try {
    process.stdout.write(`${await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn })}\n`);
    return 0;
  } finally {
    access.destroy();
  }
}
