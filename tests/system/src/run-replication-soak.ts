/**
 * Runs the replication soak script (replication-soak.ts) as a child process with `args`, its report
 * written to a temp file: what the system tests of it assert on.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './cli-process.js';

/** The fields of the script's report the tests read (the script writes more). */
export interface SoakReport {
  destinationStore: string;
  objects: number;
  multipartObjects: number;
  deleteMarkers: number;
  problems: number;
  verified: { versions: number };
  outage: { writtenMeanwhile: number; pendingWhileDown: number };
  sourceKilled: Array<{ records: number }>;
}

export interface SoakRun {
  /** The script's exit code. */
  code: number | null;
  /** Everything it printed (stdout and stderr), for a failing assertion's message. */
  output: string;
  /** Its JSON report; null when it wrote none. */
  report: SoakReport | null;
}

export async function runReplicationSoak(args: string[]): Promise<SoakRun> {
  const dir = await mkdtemp(join(tmpdir(), 'bucketfront-replication-soak-run-'));
  try {
    const out = join(dir, 'report.json');
    const script = join(repoRoot, 'tests/system/src/replication-soak.ts');
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', script, ...args, '--out', out], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    const report = await readFile(out, 'utf8').then(
      (text) => JSON.parse(text) as SoakReport,
      () => null,
    );
    return { code, output, report };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
