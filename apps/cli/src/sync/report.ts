/**
 * Output of transfer commands: aws-cli's lines (`upload: a to s3://b/a`, `(dryrun) …`,
 * `upload failed: … <error>` on stderr), a progress bar on a TTY only (stderr), a
 * summary, or with --json one JSON document on stdout and nothing else.
 */
import cliProgress from 'cli-progress';
import type { PlannedAction } from './actions.js';
import { humanSize } from '../util/format.js';

export interface ReportOptions {
  json: boolean;
  quiet: boolean;
  onlyShowErrors: boolean;
  progress: boolean;
  dryrun: boolean;
  /** Print the summary line (sync, deploy and recursive operations; aws-cli prints none for one object). */
  summaryLine?: boolean;
  /** Count unchanged files in the summary line (comparing commands only). */
  showUnchanged?: boolean;
}

export interface Summary {
  command: string;
  source: string;
  destination: string;
  dryrun: boolean;
  ok: boolean;
  uploaded: string[];
  downloaded: string[];
  copied: string[];
  moved: string[];
  deleted: string[];
  unchanged: number;
  failed: { name: string; operation: string; error: string }[];
  bytes: number;
  durationMs: number;
  invalidation?: { id: string; status: string; paths: string[] } | null;
}

export class Reporter {
  private readonly started = Date.now();
  private bar: cliProgress.SingleBar | undefined;
  private filesDone = 0;
  private bytesDone = 0;
  readonly summary: Summary;

  constructor(
    private readonly opts: ReportOptions,
    head: { command: string; source: string; destination: string },
  ) {
    this.summary = {
      ...head,
      dryrun: opts.dryrun,
      ok: true,
      uploaded: [],
      downloaded: [],
      copied: [],
      moved: [],
      deleted: [],
      unchanged: 0,
      failed: [],
      bytes: 0,
      durationMs: 0,
    };
  }

  startProgress(totalFiles: number, totalBytes: number): void {
    if (!this.opts.progress || this.opts.json || this.opts.quiet || !process.stderr.isTTY || totalFiles === 0) return;
    this.bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: '{bar} {percentage}% | {done}/{size} | {files}/{totalFiles} files',
        hideCursor: true,
        clearOnComplete: true,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(Math.max(totalBytes, 1), 0, { done: humanSize(0), size: humanSize(totalBytes), files: 0, totalFiles });
  }

  bytes(n: number): void {
    this.bytesDone += n;
    this.bar?.update(this.bytesDone, { done: humanSize(this.bytesDone), files: this.filesDone });
  }

  private line(text: string): void {
    if (this.opts.json || this.opts.quiet || this.opts.onlyShowErrors) return;
    if (this.bar && process.stdout.isTTY) {
      // Keep the bar on its own line: clear it, print, redraw.
      process.stderr.write('\r\x1b[K');
      process.stdout.write(`${text}\n`);
      this.bar.render();
    } else {
      process.stdout.write(`${text}\n`);
    }
  }

  done(item: PlannedAction, bytes: number): void {
    this.filesDone++;
    this.summary.bytes += bytes;
    this.record(item);
    this.line(`${this.opts.dryrun ? '(dryrun) ' : ''}${item.verb}: ${item.display}`);
    this.bar?.update(this.bytesDone, { files: this.filesDone });
  }

  private record(item: PlannedAction): void {
    const lists: Record<string, string[]> = {
      upload: this.summary.uploaded,
      download: this.summary.downloaded,
      copy: this.summary.copied,
      move: this.summary.moved,
      delete: this.summary.deleted,
    };
    lists[item.verb]?.push(item.name);
  }

  failed(item: PlannedAction, error: string): void {
    this.summary.ok = false;
    this.summary.failed.push({ name: item.name, operation: item.verb, error });
    if (this.opts.json || this.opts.quiet) return;
    if (this.bar) process.stderr.write('\r\x1b[K');
    process.stderr.write(`${item.verb} failed: ${item.display} ${error}\n`);
  }

  unchanged(n: number): void {
    this.summary.unchanged += n;
  }

  /** Ends the run: stops the bar, prints the summary or the JSON document. */
  finish(extra: Partial<Summary> = {}): Summary {
    this.bar?.stop();
    Object.assign(this.summary, extra);
    this.summary.durationMs = Date.now() - this.started;
    const s = this.summary;
    if (this.opts.json) {
      process.stdout.write(`${JSON.stringify(s)}\n`);
      return s;
    }
    if (s.failed.length) {
      const names = s.failed.map((f) => f.name);
      process.stderr.write(`error: ${names.length} operation(s) failed: ${names.join(', ')}\n`);
    }
    if (!this.opts.quiet && !this.opts.onlyShowErrors && this.opts.summaryLine !== false) {
      const parts: string[] = [];
      for (const [label, list] of [
        ['uploaded', s.uploaded],
        ['downloaded', s.downloaded],
        ['copied', s.copied],
        ['moved', s.moved],
        ['deleted', s.deleted],
      ] as const) {
        if (list.length) parts.push(`${list.length} ${label}`);
      }
      if (!parts.length) parts.push('nothing to do');
      if (this.opts.showUnchanged !== false) parts.push(`${s.unchanged} unchanged`);
      if (s.failed.length) parts.push(`${s.failed.length} failed`);
      const verb = s.dryrun ? 'would transfer' : 'transferred';
      process.stdout.write(`${s.dryrun ? '(dryrun) ' : ''}Summary: ${parts.join(', ')}; ${verb} ${humanSize(s.bytes)} in ${(s.durationMs / 1000).toFixed(2)} s\n`);
    }
    return s;
  }
}
