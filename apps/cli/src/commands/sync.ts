/** `bucketfront sync SRC DST` (https://docs.aws.amazon.com/cli/latest/reference/s3/sync.html). */
import { parsePathArg } from '../s3/url.js';
import { runTransfer } from '../sync/run.js';
import { reporterFor, s3AccessFor, transferOptions, type TransferCliOpts } from './common.js';

export async function syncCommand(src: string, dst: string, o: TransferCliOpts, argv: readonly string[]): Promise<number> {
  const srcArg = parsePathArg(src);
  const dstArg = parsePathArg(dst);
  const opts = transferOptions(o, argv);
  const s3 = s3AccessFor(o, opts.concurrency);
  const reporter = reporterFor(o, { command: 'sync', source: src, destination: dst });
  try {
    const { exitCode } = await runTransfer(s3, 'sync', srcArg, dstArg, opts, reporter);
    reporter.finish();
    return exitCode;
  } finally {
    s3.destroy();
  }
}
