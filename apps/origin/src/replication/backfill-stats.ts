/**
 * Metrics of the scans that queue versions outside of their write (docs/replication.md#metrics):
 * the replication of existing objects (`existing`, backfill.ts) and the scan after an unclean stop
 * (`recovery`, crash-scan.ts). Jobs running, versions examined and queued, jobs finished.
 */
import type { PrometheusWriter } from '@bucketfront/http-basics';

export type ScanKind = 'existing' | 'recovery';
const KINDS: readonly ScanKind[] = ['existing', 'recovery'];

export class BackfillStats {
  readonly running: Record<ScanKind, number> = { existing: 0, recovery: 0 };
  readonly scanned: Record<ScanKind, number> = { existing: 0, recovery: 0 };
  readonly queued: Record<ScanKind, number> = { existing: 0, recovery: 0 };
  readonly finished: Record<ScanKind, number> = { existing: 0, recovery: 0 };

  render(w: PrometheusWriter): void {
    const each = (name: string, type: 'gauge' | 'counter', help: string, of: Record<ScanKind, number>): void => {
      w.metric(name, type, help);
      for (const kind of KINDS) w.sample(name, of[kind], { job: kind });
    };
    each('bucketfront_replication_backfill_jobs', 'gauge', 'Scans running on this node: existing objects (per bucket) and the scan after an unclean stop.', this.running);
    each('bucketfront_replication_backfill_scanned_total', 'counter', 'Versions and delete markers examined by the scans.', this.scanned);
    each('bucketfront_replication_backfill_queued_total', 'counter', 'Versions and delete markers the scans queued for replication.', this.queued);
    each('bucketfront_replication_backfill_finished_total', 'counter', 'Scans that walked all of their buckets.', this.finished);
  }
}
