/**
 * `presign s3://b/k --expires-in N` (https://docs.aws.amazon.com/cli/latest/reference/s3/presign.html);
 * `presign --post s3://b/prefix/ --expires N [--max-size 10MB] [--content-type-prefix image/]`: a
 * presigned browser form upload, printed as `{"url": …, "fields": {…}}` (docs/post-object.md).
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createPresignedPost } from '../s3/presigned-post.js';
import { resolveEndpoint } from '../s3/region.js';
import { parseS3Url } from '../s3/url.js';
import { UsageError } from '../util/errors.js';
import { s3AccessFor, type GlobalOpts } from './common.js';

export interface PresignOpts extends GlobalOpts {
  expiresIn?: string;
  post?: boolean;
  expires?: string;
  maxSize?: string;
  contentTypePrefix?: string;
}

export async function presignCommand(target: string, o: PresignOpts): Promise<number> {
  if (o.post) return presignPost(target, o);
  if (o.expires !== undefined || o.maxSize !== undefined || o.contentTypePrefix !== undefined)
    throw new UsageError('--expires, --max-size and --content-type-prefix need --post (a GET URL takes --expires-in)');
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

/** SigV4 POST policies, like presigned URLs, are limited here to 7 days. */
const MAX_EXPIRES_SECONDS = 604_800;

async function presignPost(target: string, o: PresignOpts): Promise<number> {
  const { bucket, key } = parseS3Url(target);
  const expiresSeconds = Number(o.expires ?? o.expiresIn ?? 3600);
  if (!Number.isInteger(expiresSeconds) || expiresSeconds < 1 || expiresSeconds > MAX_EXPIRES_SECONDS) throw new UsageError(`--expires must be 1..${MAX_EXPIRES_SECONDS} seconds`);
  const maxBytes = o.maxSize === undefined ? undefined : parseSize(o.maxSize);
  const access = s3AccessFor(o, 1);
  try {
    const s3 = await access.client();
    const c = await s3.config.credentials();
    const region = await s3.config.region();
    const endpoint = resolveEndpoint(o);
    // An empty key or one ending in '/' is a prefix: the form's key is PREFIX${filename}.
    const keyChoice = key === '' || key.endsWith('/') ? { keyPrefix: key } : { key };
    const post = createPresignedPost({
      ...(endpoint !== undefined ? { endpoint } : {}),
      region,
      credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken },
      bucket,
      ...keyChoice,
      expiresSeconds,
      ...(maxBytes !== undefined ? { maxBytes } : {}),
      ...(o.contentTypePrefix !== undefined ? { contentTypePrefix: o.contentTypePrefix } : {}),
    });
    process.stdout.write(`${JSON.stringify(post, null, 2)}\n`);
    return 0;
  } finally {
    access.destroy();
  }
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2, gb: 1024 ** 3, gib: 1024 ** 3 };

/** `10MB`, `512KiB`, `1048576`: KB/MB/GB are binary units, as in the aws CLI's size settings. */
export function parseSize(raw: string): number {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(raw.trim());
  const unit = SIZE_UNITS[(m?.[2] ?? '').toLowerCase()];
  if (!m || unit === undefined) throw new UsageError(`--max-size: cannot read "${raw}" (use e.g. 10MB, 512KiB or a byte count)`);
  const bytes = Number(m[1]) * unit;
  if (!Number.isSafeInteger(bytes)) throw new UsageError(`--max-size: "${raw}" is too large`);
  return bytes;
}
