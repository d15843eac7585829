/**
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObjectTorrent.html — the object's
 * .torrent file (torrent.ts). As S3: only for objects under 5 GB, and not for objects encrypted
 * with a customer-provided key (SSE-C) or with SSE-KMS.
 */
import { S3Error } from '@bucketfront/s3-protocol';
import { requireBucket } from '../access.js';
import type { OpOf, S3Handler } from '../context.js';
import { objectTorrent, pieceHashes } from '../torrent.js';

const MAX_TORRENT_OBJECT_SIZE = 5 * 1000 ** 3;

export const GetObjectTorrent: S3Handler<OpOf<'GetObjectTorrent'>> = async (ctx) => {
  const { bucket, key } = ctx.op;
  const facts = await requireBucket(ctx, bucket);
  if (facts instanceof S3Error) return facts;
  const info = await ctx.store.headObject(bucket, key);
  if (info === null) return new S3Error('NoSuchKey', undefined, { Key: key });
  const encryption = info.metadata.encryption;
  if (encryption?.customerAlgorithm !== undefined || encryption?.serverSideEncryption === 'aws:kms') {
    return new S3Error('InvalidRequest', 'Torrents are not available for objects encrypted with SSE-C or SSE-KMS.');
  }
  if (info.size >= MAX_TORRENT_OBJECT_SIZE) return new S3Error('InvalidRequest', 'Torrents are available only for objects smaller than 5 GB.');
  const got = await ctx.store.getObject(bucket, key);
  if (got === null) return new S3Error('NoSuchKey', undefined, { Key: key });
  const { pieces, length } = await pieceHashes(got.body);
  const url = `${ctx.baseUrl}/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
  const body = objectTorrent({ bucket, key, url, pieces, length });
  return { status: 200, headers: ['Content-Type', 'application/x-bittorrent'], body };
};
