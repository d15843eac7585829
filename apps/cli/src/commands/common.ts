/** Options shared by the S3 commands, and turning them into clients and engine options. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { makeS3Access, type OwnedS3Access } from '../s3/access.js';
import { buildFilter, filterRulesFromArgv } from '../sync/filters.js';
import type { TransferOptions } from '../sync/run.js';
import { Reporter } from '../sync/report.js';
import { UsageError } from '../util/errors.js';

export interface GlobalOpts {
  endpointUrl?: string;
  profile?: string;
  region?: string;
  debug?: boolean;
  caBundle?: string;
}

export interface TransferCliOpts extends GlobalOpts {
  delete?: boolean;
  sizeOnly?: boolean;
  exactTimestamps?: boolean;
  dryrun?: boolean;
  exclude?: string[];
  include?: string[];
  cacheControl?: string[];
  cacheTag?: string[];
  contentType?: string;
  acl?: string;
  concurrency?: string;
  json?: boolean;
  quiet?: boolean;
  onlyShowErrors?: boolean;
  progress?: boolean;
  hashCache?: boolean;
  recursive?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Transfers in flight by default: enough to hide round trips on small files, measured against our origin. */
export const DEFAULT_CONCURRENCY = 32;

/** Options as `[flags, description]`, added in order by `addOptions`. */
type OptionTable = readonly (readonly [flags: string, description: string])[];

const AWS_OPTIONS: OptionTable = [
  ['--endpoint-url <url>', 'S3 endpoint (default: AWS, or $AWS_ENDPOINT_URL); path-style addressing when set'],
  ['--profile <name>', 'profile from the shared AWS config/credentials files'],
  ['--region <region>', 'AWS region (default: $AWS_REGION, the profile, us-east-1)'],
  ['--ca-bundle <file>', 'CA certificates (PEM) to verify HTTPS endpoints with, instead of the default ones, as aws --ca-bundle (default: $AWS_CA_BUNDLE; docs/tls.md)'],
  ['--debug', 'print stack traces on errors'],
];

const OUTPUT_OPTIONS: OptionTable = [
  ['--json', 'print one JSON summary document instead of lines'],
  ['--quiet', 'print no operation lines, no summary and no failure lines (the exit code and a final error line still tell)'],
  ['--only-show-errors', 'print only errors'],
  ['--no-progress', 'no progress bar (it is only shown on a TTY anyway)'],
];

function addOptions(cmd: Command, options: OptionTable): Command {
  for (const [flags, description] of options) cmd.option(flags, description);
  return cmd;
}

export function addAwsOptions(cmd: Command): Command {
  return addOptions(cmd, AWS_OPTIONS);
}

export function addOutputOptions(cmd: Command): Command {
  return addOptions(cmd, OUTPUT_OPTIONS);
}

export function addTransferOptions(cmd: Command, opts: { sync: boolean }): Command {
  if (opts.sync) {
    cmd
      .option('--delete', 'delete destination files that do not exist in the source')
      .option('--size-only', 'compare sizes only')
      .option('--exact-timestamps', 'downloads: same-size files with different timestamps are synced (when content cannot be compared)')
      .option(
        '--cache-tag <rule>',
        "'GLOB=TAG[,TAG…]': uploaded objects matching GLOB get user metadata cache-tag (x-amz-meta-cache-tag) for CloudFront tag invalidation (repeatable, every matching rule adds its tags; like --cache-control, only objects this sync uploads are tagged)",
        collect,
      );
  }
  return cmd
    .option('--dryrun', 'show what would be done, do nothing')
    .option('--exclude <glob>', 'exclude matching paths (repeatable; last matching filter wins)', collect)
    .option('--include <glob>', 'include matching paths (repeatable; last matching filter wins)', collect)
    .option('--cache-control <rule>', "Cache-Control, either a value for all keys or 'GLOB=VALUE' (repeatable, first match wins)", collect)
    .option('--content-type <type>', 'Content-Type for every uploaded object (default: guessed from the extension)')
    .addOption(
      new Option('--acl <acl>', 'canned ACL').choices(['private', 'public-read', 'public-read-write', 'authenticated-read', 'aws-exec-read', 'bucket-owner-read', 'bucket-owner-full-control']),
    )
    .option('--concurrency <n>', `transfers in flight (default ${DEFAULT_CONCURRENCY})`)
    .option('--no-hash-cache', 'do not read or write the local hash cache');
}

export function parseConcurrency(value: string | undefined): number {
  if (value === undefined) return DEFAULT_CONCURRENCY;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new UsageError(`--concurrency must be an integer from 1 to 1024, got ${value}`);
  return n;
}

export function transferOptions(o: TransferCliOpts, argv: readonly string[]): TransferOptions {
  return {
    delete: !!o.delete,
    sizeOnly: !!o.sizeOnly,
    exactTimestamps: !!o.exactTimestamps,
    dryrun: !!o.dryrun,
    filter: buildFilter(filterRulesFromArgv(argv)),
    cacheControl: o.cacheControl ?? [],
    cacheTags: o.cacheTag ?? [],
    contentType: o.contentType,
    acl: o.acl,
    concurrency: parseConcurrency(o.concurrency),
    hashCache: o.hashCache !== false,
  };
}

/**
 * S3 for a command: the SDK client (loaded on first use) and, against an explicit
 * endpoint, lean signed PUT/LIST requests (BUCKETFRONT_SDK_ONLY=1 turns those off).
 */
export function s3AccessFor(o: GlobalOpts, concurrency = DEFAULT_CONCURRENCY): OwnedS3Access {
  return makeS3Access({ endpointUrl: o.endpointUrl, profile: o.profile, region: o.region, maxSockets: Math.max(concurrency, 16), caBundle: o.caBundle });
}

export function reporterFor(o: TransferCliOpts, head: { command: string; source: string; destination: string }): Reporter {
  const comparing = head.command === 'sync' || head.command === 'deploy';
  return new Reporter(
    {
      json: !!o.json,
      quiet: !!o.quiet,
      onlyShowErrors: !!o.onlyShowErrors,
      progress: o.progress !== false,
      dryrun: !!o.dryrun,
      summaryLine: comparing || !!o.recursive,
      showUnchanged: comparing,
    },
    head,
  );
}
