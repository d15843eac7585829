/**
 * `deploy SRC s3://BUCKET[/prefix] --distribution ID --edge-endpoint-url URL`: sync, then
 * invalidate exactly the changed and deleted paths (see deploy/invalidation-paths.ts), or with
 * --invalidate-tags their cache tags (deploy/invalidation-tags.ts); nothing changed → no
 * invalidation. One command, one summary.
 */
import { asDirPrefix, parsePathArg } from '../s3/url.js';
import { runTransfer } from '../sync/run.js';
import { buildCacheTags } from '../sync/cache-tag.js';
import { invalidationPaths, type InvalidationOptions } from '../deploy/invalidation-paths.js';
import { tagInvalidationItems } from '../deploy/invalidation-tags.js';
import { invalidationOptionsFor } from '../deploy/invalidation-options.js';
import { UsageError, describeError } from '../util/errors.js';
import { reporterFor, s3AccessFor, transferOptions, type TransferCliOpts } from './common.js';

/** What --cache-tag writes and a distribution must read for tag invalidations to reach the objects. */
const CACHE_TAG_HEADER = 'x-amz-meta-cache-tag';

export interface DeployOpts extends TransferCliOpts {
  distribution: string;
  edgeEndpointUrl?: string;
  wait?: boolean;
  originPath?: string;
  maxInvalidationPaths?: string;
  invalidateTags?: boolean;
}

interface InvalidationPlan {
  items: string[];
  /** Some items are `#tag` items. */
  byTag: boolean;
  notes: string[];
}

function planByPath(changedKeys: readonly string[], pathOpts: InvalidationOptions, note?: string): InvalidationPlan {
  return { items: invalidationPaths(changedKeys, pathOpts), byTag: false, notes: note ? [note] : [] };
}

/** `#tag` items for the tagged keys, paths for the others; no tag at all → paths only. */
function planByTag(changedKeys: readonly string[], tagsOf: (key: string) => string[] | undefined, pathOpts: InvalidationOptions): InvalidationPlan {
  const { tagItems, untaggedKeys } = tagInvalidationItems(changedKeys, tagsOf);
  if (tagItems.length === 0) return planByPath(changedKeys, pathOpts, '--invalidate-tags: no --cache-tag rule tags the changed objects: invalidating by path');
  const maxPaths = pathOpts.maxPaths ?? 3000;
  const items = [...tagItems, ...invalidationPaths(untaggedKeys, { ...pathOpts, maxPaths: Number.POSITIVE_INFINITY })];
  const notes = untaggedKeys.length ? [`--invalidate-tags: ${untaggedKeys.length} changed object(s) without a cache tag are invalidated by path`] : [];
  // CloudFront counts each tag item as one path.
  if (items.length > maxPaths) return { items: ['/*'], byTag: false, notes: [...notes, `${items.length} tags and paths exceed ${maxPaths}: invalidating /*`] };
  return { items, byTag: true, notes };
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
    const pathOpts = await invalidationOptionsFor(await s3.client(), dstArg.bucket, o);
    let plan: InvalidationPlan;
    if (o.invalidateTags) {
      // The tags the rules gave each key at upload (deleted keys: the tags the rules give them now).
      const prefix = asDirPrefix(dstArg.key);
      const rules = buildCacheTags(opts.cacheTags);
      plan = planByTag(changedKeys, (key) => rules(key.startsWith(prefix) ? key.slice(prefix.length) : key), pathOpts);
    } else {
      plan = planByPath(changedKeys, pathOpts);
    }
    if (opts.dryrun) {
      plan.notes.forEach(say);
      say(`(dryrun) invalidate: ${plan.items.join(' ')}`);
      reporter.finish({ invalidation: { id: '', status: 'dryrun', paths: plan.items } });
      return exitCode;
    }
    const { cacheTagHeaderOf, createInvalidation, makeCloudFrontClient, waitForInvalidation } = await import('../deploy/cloudfront.js');
    const cf = makeCloudFrontClient({ endpointUrl: o.edgeEndpointUrl, profile: o.profile, caBundle: o.caBundle });
    try {
      if (plan.byTag) {
        // A distribution that does not read x-amz-meta-cache-tag never tagged these objects: a tag
        // invalidation would leave them cached. https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/invalidation-by-tags.html
        const header = await cacheTagHeaderOf(cf, o.distribution);
        if (header instanceof Error) {
          process.stderr.write(`warning: cannot read the CacheTagConfig of ${o.distribution} (${describeError(header)}); invalidating by tag anyway\n`);
        } else if (header !== CACHE_TAG_HEADER) {
          const why = header === null ? `${o.distribution} has no CacheTagConfig` : `${o.distribution} reads cache tags from ${header}, not ${CACHE_TAG_HEADER}`;
          plan = planByPath(changedKeys, pathOpts, `--invalidate-tags: ${why}: invalidating by path`);
        }
      }
      plan.notes.forEach(say);
      const tags = plan.items.filter((i) => i.startsWith('#')).length;
      const what = tags ? `${tags} tag(s) and ${plan.items.length - tags} path(s)` : `${plan.items.length} path(s)`;
      const inv = await createInvalidation(cf, o.distribution, plan.items);
      say(`invalidate: ${what} on ${o.distribution}: invalidation ${inv.id} ${inv.status}`);
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
