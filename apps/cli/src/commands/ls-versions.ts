/**
 * `ls --versions s3://bucket[/prefix]`: every version and delete marker (ListObjectVersions, all
 * pages), one line each in `ls`'s layout with two more columns:
 *
 *     2024-05-01 12:00:03        1234 3HL4kqtJlcpXroDTDmjVBH40Nrjfkd0A latest index.html
 *     2024-05-01 11:59:01        1200 Yk1NdQ0y2x2a3cnW9Zq1dFq3Q5x1w2eR        index.html
 *     2024-05-01 12:00:03 DELETE MARKER 8NbhC0e5rpZ8p6rT4eFmV6TLhJw2fJaX latest old.html
 *
 * Keys in listing order, each key's versions newest first. Without --recursive one level, with
 * `PRE dir/` lines, as `ls`.
 */
import { listObjectVersions } from '../s3/object-versions.js';
import { parseS3Url } from '../s3/url.js';
import { UsageError } from '../util/errors.js';
import { humanSize, lsTime } from '../util/format.js';
import { s3AccessFor } from './common.js';
import type { LsOpts } from './ls.js';

/** S3's version ids are 32 characters; longer ones push the columns after them. */
const VERSION_ID_WIDTH = 32;
const SIZE_WIDTH = 'DELETE MARKER'.length;

export async function lsVersionsCommand(target: string | undefined, o: LsOpts): Promise<number> {
  if (!target || target === 's3://') throw new UsageError('ls --versions lists one bucket: give s3://bucket[/prefix]');
  const { bucket, key } = parseS3Url(target);
  const access = s3AccessFor(o, 4);
  const out = (s: string) => process.stdout.write(s);
  const size = (n: number) => (o.humanReadable ? humanSize(n) : String(n)).padStart(SIZE_WIDTH);
  let versions = 0;
  let markers = 0;
  let bytes = 0;
  try {
    const s3 = await access.client();
    for await (const page of listObjectVersions(s3, { bucket, prefix: key, ...(o.recursive ? {} : { delimiter: '/' }) })) {
      for (const p of page.prefixes) {
        const parts = p.split('/');
        out(`${'PRE'.padStart(19 + 1 + SIZE_WIDTH)} ${parts[parts.length - 2] ?? ''}/\n`);
      }
      for (const e of page.entries) {
        if (e.deleteMarker) markers++;
        else {
          versions++;
          bytes += e.size;
        }
        const name = o.recursive ? e.key : e.key.split('/').pop();
        out(`${lsTime(e.lastModified)} ${e.deleteMarker ? 'DELETE MARKER' : size(e.size)} ${e.versionId.padEnd(VERSION_ID_WIDTH)} ${e.isLatest ? 'latest' : '      '} ${name}\n`);
      }
    }
    if (o.summarize) {
      out(`\n${'Total Versions: '.padStart(22)}${versions}\n`);
      out(`${'Total Delete Markers: '.padStart(22)}${markers}\n`);
      out(`${'Total Size: '.padStart(22)}${o.humanReadable ? humanSize(bytes) : bytes}\n`);
    }
    return 0;
  } finally {
    access.destroy();
  }
}
