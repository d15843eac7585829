/** `rm`, `mb`, `rb` (aws-cli output: `delete: s3://b/k`, `make_bucket: b`, `remove_bucket: b`). */
import { CreateBucketCommand, DeleteBucketCommand, type BucketLocationConstraint, type S3Client } from '@aws-sdk/client-s3';
import { asDirPrefix, parseS3Url, s3Uri } from '../s3/url.js';
import { executeActions } from '../sync/execute.js';
import { listRemote } from '../sync/remote-listing.js';
import type { PlannedAction } from '../sync/actions.js';
import { UsageError, describeError } from '../util/errors.js';
import { reporterFor, s3AccessFor, transferOptions, type GlobalOpts, type TransferCliOpts } from './common.js';

export async function rmCommand(target: string, o: TransferCliOpts, argv: readonly string[]): Promise<number> {
  const { bucket, key } = parseS3Url(target);
  const opts = transferOptions(o, argv);
  const s3 = s3AccessFor(o, opts.concurrency);
  const reporter = reporterFor(o, { command: 'rm', source: target, destination: target });
  try {
    let keys: string[];
    if (o.recursive) {
      const prefix = asDirPrefix(key);
      keys = (await listRemote(s3, bucket, prefix)).filter((e) => opts.filter(e.rel)).map((e) => e.key);
    } else {
      if (key === '') throw new UsageError(`${target} names a bucket, not an object (use --recursive, or rb)`);
      keys = opts.filter(key.split('/').pop() ?? key) ? [key] : [];
    }
    const items: PlannedAction[] = keys.map((k) => ({ action: { op: 'delete-object', bucket, key: k }, verb: 'delete', display: s3Uri(bucket, k), name: k }));
    if (opts.dryrun) {
      for (const i of items) reporter.done(i, 0);
      reporter.finish();
      return 0;
    }
    const result = await executeActions(items, {
      access: s3,
      concurrency: opts.concurrency,
      onDone: (i) => reporter.done(i, 0),
      onFailed: (i, e) => reporter.failed(i, e),
    });
    reporter.finish();
    return result.failed.length ? 1 : 0;
  } finally {
    s3.destroy();
  }
}

export async function mbCommand(target: string, o: GlobalOpts): Promise<number> {
  const { bucket, key } = parseS3Url(target);
  if (key) throw new UsageError(`mb takes a bucket URL (s3://bucket), got ${target}`);
  return bucketCall(o, 'make_bucket', bucket, target, async (s3) => {
    const region = await s3.config.region();
    // us-east-1 is the default location and must not be sent as a LocationConstraint.
    const config = region && region !== 'us-east-1' ? { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } } : {};
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ...config }));
  });
}

export async function rbCommand(target: string, o: TransferCliOpts & { force?: boolean }, argv: readonly string[]): Promise<number> {
  const { bucket, key } = parseS3Url(target);
  if (key) throw new UsageError(`rb takes a bucket URL (s3://bucket), got ${target}`);
  if (o.force) {
    const code = await rmCommand(`s3://${bucket}/`, { ...o, recursive: true }, argv);
    if (code !== 0) return code;
  }
  return bucketCall(o, 'remove_bucket', bucket, target, (s3) => s3.send(new DeleteBucketCommand({ Bucket: bucket })));
}

/**
 * One bucket request on its own S3 access, reported as aws-cli does: `VERB: bucket` on stdout
 * and exit code 0, or `VERB failed: target error` on stderr and exit code 1.
 */
async function bucketCall(o: GlobalOpts, verb: string, bucket: string, target: string, call: (s3: S3Client) => Promise<unknown>): Promise<number> {
  const access = s3AccessFor(o, 1);
  try {
    await call(await access.client());
    process.stdout.write(`${verb}: ${bucket}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${verb} failed: ${target} ${describeError(err)}\n`);
    return 1;
  } finally {
    access.destroy();
  }
}
