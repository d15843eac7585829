/**
 * `deploy SRC s3://BUCKET[/prefix] --distribution ID --edge-endpoint-url URL`: sync, then
 * invalidate exactly the changed and deleted paths (see deploy/invalidation-paths.ts);
 * nothing changed → no invalidation. One command, one summary.
 */
import { parsePathArg } from '../s3/url.js';
import { runTransfer } from '../sync/run.js';
import { invalidationPaths } from '../deploy/invalidation-paths.js';
import { UsageError, describeError } from '../util/errors.js';
import { reporterFor, s3AccessFor, transferOptions, type TransferCliOpts } from './common.js';

export interface DeployOpts extends TransferCliOpts {
  distribution: string;
  edgeEndpointUrl?: string;
  wait?: boolean;
  originPath?: string;
  maxInvalidationPaths?: string;
}

export async function deployCommand(src: string, dst: string, o: DeployOpts, argv: readonly string[]): Promise<number> {
  const srcArg = parsePathArg(src);
  const dstArg = parsePathArg(dst);
  if (srcArg.kind !== 'local' || dstArg.kind !== 's3') throw new UsageError('deploy takes a local directory and an s3:// destination');
  const opts = transferOptions(o, argv);
  const s3 = s3AccessFor(o, opts.concurrency);
  const reporter = reporterFor(o, { command: 'deploy', source: src, destination: dst });
  const say = (line: string) => {
    if (!o.json && !o.quiet) process.stdout.write(`${line}\n`);
  };
  try {
    const { exitCode, changedKeys } = await runTransfer(s3, 'sync', srcArg, dstArg, opts, reporter);
    if (!changedKeys.length) {
      say('nothing changed: no invalidation');
      reporter.finish({ invalidation: null });
      return exitCode;
    }
    const { GetBucketWebsiteCommand } = await import('@aws-sdk/client-s3');
    const indexDocument = await (await s3.client())
      .send(new GetBucketWebsiteCommand({ Bucket: dstArg.bucket }))
      .then((w) => w.IndexDocument?.Suffix)
      .catch(() => undefined);
    const originPath = (o.originPath ?? '').replace(/^\/+/, '');
    const paths = invalidationPaths(changedKeys, {
      indexDocument: indexDocument ?? 'index.html',
      stripPrefix: originPath ? `${originPath.replace(/\/+$/, '')}/` : undefined,
      maxPaths: o.maxInvalidationPaths ? Number(o.maxInvalidationPaths) : undefined,
    });
    if (opts.dryrun) {
      say(`(dryrun) invalidate: ${paths.join(' ')}`);
      reporter.finish({ invalidation: { id: '', status: 'dryrun', paths } });
      return exitCode;
    }
    const { createInvalidation, makeCloudFrontClient, waitForInvalidation } = await import('../deploy/cloudfront.js');
    const cf = makeCloudFrontClient({ endpointUrl: o.edgeEndpointUrl, profile: o.profile });
    try {
      const inv = await createInvalidation(cf, o.distribution, paths);
      say(`invalidate: ${paths.length} path(s) on ${o.distribution}: invalidation ${inv.id} ${inv.status}`);
      if (o.wait && inv.status !== 'Completed') inv.status = await waitForInvalidation(cf, o.distribution, inv.id);
      if (o.wait) say(`invalidation ${inv.id}: ${inv.status}`);
      reporter.finish({ invalidation: inv });
      return exitCode;
    } catch (err) {
      process.stderr.write(`invalidation failed: ${describeError(err)}\n`);
      reporter.finish({ invalidation: null, ok: false });
      return 1;
    } finally {
      cf.destroy();
    }
  } finally {
    s3.destroy();
  }
}
