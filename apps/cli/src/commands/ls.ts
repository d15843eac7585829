/** `ls` in aws-cli's format (awscli/customizations/s3/subcommands.py ListCommand). */
import { ListBucketsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { parseS3Url } from '../s3/url.js';
import { humanSize, lsTime } from '../util/format.js';
import { s3AccessFor, type GlobalOpts } from './common.js';

export interface LsOpts extends GlobalOpts {
  recursive?: boolean;
  humanReadable?: boolean;
  summarize?: boolean;
  versions?: boolean;
}

export async function lsCommand(target: string | undefined, o: LsOpts): Promise<number> {
  if (o.versions) return (await import('./ls-versions.js')).lsVersionsCommand(target, o);
  const access = s3AccessFor(o, 4);
  const s3 = await access.client();
  const out = (s: string) => process.stdout.write(s);
  try {
    if (!target || target === 's3://') {
      const res = await s3.send(new ListBucketsCommand({}));
      for (const b of res.Buckets ?? []) out(`${lsTime(b.CreationDate)} ${b.Name}\n`);
      return 0;
    }
    const { bucket, key } = parseS3Url(target);
    const size = (n: number) => (o.humanReadable ? humanSize(n) : String(n)).padStart(10);
    let token: string | undefined;
    let objects = 0;
    let bytes = 0;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key || undefined, Delimiter: o.recursive ? undefined : '/', ContinuationToken: token }));
      for (const p of page.CommonPrefixes ?? []) {
        const parts = (p.Prefix ?? '').split('/');
        out(`${'PRE'.padStart(30)} ${parts[parts.length - 2] ?? ''}/\n`);
      }
      for (const c of page.Contents ?? []) {
        objects++;
        bytes += c.Size ?? 0;
        const name = o.recursive ? (c.Key ?? '') : (c.Key ?? '').split('/').pop();
        out(`${lsTime(c.LastModified)} ${size(c.Size ?? 0)} ${name}\n`);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    if (o.summarize) {
      out(`\n${'Total Objects: '.padStart(15)}${objects}\n`);
      out(`${'Total Size: '.padStart(15)}${o.humanReadable ? humanSize(bytes) : bytes}\n`);
    }
    return 0;
  } finally {
    access.destroy();
  }
}
