/**
 * `rollback s3://bucket[/prefix] --to TIME [--distribution ID …]`: every key under the prefix
 * back to the version that was current at TIME (versions/rollback-plan.ts): an older version is
 * copied over the key (versions/restore-version.ts), a key that did not exist then gets a delete
 * marker, the rest is left alone. Then, with --distribution, exactly the changed paths are
 * invalidated, as `deploy` does. docs/rollback.md.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { invalidationPaths } from '../deploy/invalidation-paths.js';
import { invalidationOptionsFor } from '../deploy/invalidation-options.js';
import { listObjectVersions, type VersionEntry } from '../s3/object-versions.js';
import { asDirPrefix, parseS3Url } from '../s3/url.js';
import { describeError, UsageError } from '../util/errors.js';
import { lsTime } from '../util/format.js';
import { runPool } from '../util/pool.js';
import { progressCount } from '../util/progress-count.js';
import { parseTimeArg } from '../util/time-arg.js';
import { planRollback, type RollbackStep } from '../versions/rollback-plan.js';
import { requireVersioningEnabled } from '../versions/require-versioning.js';
import { restoreVersion } from '../versions/restore-version.js';
import { parseConcurrency, s3AccessFor, type GlobalOpts } from './common.js';

export interface RollbackOpts extends GlobalOpts {
  to: string;
  dryrun?: boolean;
  dryRun?: boolean;
  acl?: string;
  concurrency?: string;
  json?: boolean;
  quiet?: boolean;
  progress?: boolean;
  distribution?: string;
  edgeEndpointUrl?: string;
  originPath?: string;
  maxInvalidationPaths?: string;
  wait?: boolean;
}

export interface RollbackSummary {
  command: 'rollback';
  target: string;
  to: string;
  dryrun: boolean;
  ok: boolean;
  restored: { key: string; versionId: string; newVersionId?: string }[];
  deleted: string[];
  unchanged: number;
  failed: { key: string; operation: string; error: string }[];
  invalidation: { id: string; status: string; paths: string[] } | null;
  durationMs: number;
}

type Change = Exclude<RollbackStep, { op: 'unchanged' }>;

function describeStep(bucket: string, s: Change): string {
  return s.op === 'restore' ? `s3://${bucket}/${s.key} to version ${s.versionId}` : `s3://${bucket}/${s.key}`;
}

async function apply(s3: S3Client, bucket: string, s: Change, acl: string | undefined): Promise<string | undefined> {
  if (s.op === 'restore') return restoreVersion(s3, { bucket, key: s.key, versionId: s.versionId }, acl ? { acl } : {});
  const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
  // No versionId: a new delete marker; every version stays.
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: s.key }));
  return undefined;
}

export async function rollbackCommand(target: string, o: RollbackOpts): Promise<number> {
  const started = Date.now();
  const { bucket, key } = parseS3Url(target);
  if (!o.to) throw new UsageError('--to: give the time to go back to (ISO 8601, or an age such as 10m)');
  const at = parseTimeArg(o.to);
  const concurrency = parseConcurrency(o.concurrency ?? '16');
  if (o.maxInvalidationPaths !== undefined && !(Number(o.maxInvalidationPaths) >= 1)) throw new UsageError(`--max-invalidation-paths must be a positive number, got ${o.maxInvalidationPaths}`);
  const dryrun = !!(o.dryrun || o.dryRun);
  const prefix = asDirPrefix(key);
  const where = `s3://${bucket}/${prefix}`;
  const print = (line: string) => {
    if (!o.json && !o.quiet) process.stdout.write(`${line}\n`);
  };
  const access = s3AccessFor(o, concurrency);
  try {
    const s3 = await access.client();
    await requireVersioningEnabled(s3, bucket);
    const entries: VersionEntry[] = [];
    for await (const page of listObjectVersions(s3, { bucket, prefix })) entries.push(...page.entries);
    const steps = planRollback(entries, at);
    const changes = steps.filter((s): s is Change => s.op !== 'unchanged');
    const summary: RollbackSummary = {
      command: 'rollback',
      target: where,
      to: at.toISOString(),
      dryrun,
      ok: true,
      restored: [],
      deleted: [],
      unchanged: steps.length - changes.length,
      failed: [],
      invalidation: null,
      durationMs: 0,
    };
    print(`${dryrun ? '(dryrun) ' : ''}rollback ${where} to ${lsTime(at)} (${at.toISOString()}): ${steps.length} key(s), ${changes.length} to change`);
    const pre = dryrun ? '(dryrun) ' : '';
    const progress = progressCount('rollback', changes.length, !dryrun && o.progress !== false && !o.json && !o.quiet);
    const changed: string[] = [];
    try {
      await runPool(changes, concurrency, async (s) => {
        try {
          const newVersionId = dryrun ? undefined : await apply(s3, bucket, s, o.acl);
          if (s.op === 'restore') summary.restored.push({ key: s.key, versionId: s.versionId, ...(newVersionId ? { newVersionId } : {}) });
          else summary.deleted.push(s.key);
          progress.clear();
          print(`${pre}${s.op}: ${describeStep(bucket, s)}`);
        } catch (err) {
          summary.ok = false;
          summary.failed.push({ key: s.key, operation: s.op, error: describeError(err) });
          progress.clear();
          if (!o.json && !o.quiet) process.stderr.write(`${s.op} failed: ${describeStep(bucket, s)} ${describeError(err)}\n`);
        } finally {
          // A failed request may still have taken effect: its path is invalidated too.
          changed.push(s.key);
          progress.tick();
        }
      });
    } finally {
      progress.stop();
    }
    summary.restored.sort((a, b) => (a.key < b.key ? -1 : 1));
    summary.deleted.sort();
    if (summary.failed.length && !o.json) process.stderr.write(`error: ${summary.failed.length} operation(s) failed: ${summary.failed.map((f) => f.key).join(', ')}\n`);
    if (o.distribution && changed.length) {
      const paths = invalidationPaths(changed, await invalidationOptionsFor(s3, bucket, o));
      if (dryrun) {
        print(`(dryrun) invalidate: ${paths.join(' ')}`);
        summary.invalidation = { id: '', status: 'dryrun', paths };
      } else {
        summary.invalidation = await invalidate(o, paths, print).catch((err) => {
          summary.ok = false;
          process.stderr.write(`invalidation failed: ${describeError(err)}\n`);
          return null;
        });
      }
    } else if (o.distribution) {
      print('nothing changed: no invalidation');
    }
    summary.durationMs = Date.now() - started;
    if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else
      print(
        `${pre}Summary: ${summary.restored.length} restored, ${summary.deleted.length} deleted, ${summary.unchanged} unchanged, ${summary.failed.length} failed in ${(summary.durationMs / 1000).toFixed(2)} s`,
      );
    return summary.ok ? 0 : 1;
  } finally {
    access.destroy();
  }
}

async function invalidate(o: RollbackOpts, paths: string[], print: (line: string) => void): Promise<RollbackSummary['invalidation']> {
  const { createInvalidation, makeCloudFrontClient, waitForInvalidation } = await import('../deploy/cloudfront.js');
  const cf = makeCloudFrontClient({ endpointUrl: o.edgeEndpointUrl, profile: o.profile, caBundle: o.caBundle });
  try {
    const inv = await createInvalidation(cf, o.distribution!, paths);
    print(`invalidate: ${paths.length} path(s) on ${o.distribution}: invalidation ${inv.id} ${inv.status}`);
    if (o.wait && inv.status !== 'Completed') inv.status = await waitForInvalidation(cf, o.distribution!, inv.id);
    if (o.wait) print(`invalidation ${inv.id}: ${inv.status}`);
    return inv;
  } finally {
    cf.destroy();
  }
}
