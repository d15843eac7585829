/**
 * The replication soak script (src/replication-soak.ts, `npm run soak:replication`) at a small
 * scale, so the script that reports the full-scale figures (2,000 objects up to 64 MiB, a 60 s
 * outage) is itself kept working: two origin processes, the destination stopped while the source
 * writes, the source SIGKILLed with records queued, then every version checked byte for byte.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from '@bucketfront/test-support';
import { expect, it } from 'vitest';
import { repoRoot } from '../src/cli-process.js';

it('120 objects up to 20 MiB, a 3 s outage and a SIGKILLed source: every version arrives, nothing is lost', async () => {
  const dir = await makeTempDir('bucketfront-replication-soak-test-');
  try {
    const out = join(dir.path, 'report.json');
    const script = join(repoRoot, 'tests/system/src/replication-soak.ts');
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', script, '--objects', '120', '--max-mib', '20', '--outage', '3', '--writers', '4', '--drain-timeout', '240', '--out', out],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code, output).toBe(0);
    const report = JSON.parse(await readFile(out, 'utf8'));
    expect(report.problems, output).toBe(0);
    expect(report.objects).toBe(120);
    expect(report.verified.versions).toBe(120);
    expect(report.multipartObjects).toBeGreaterThan(0);
    expect(report.outage.writtenMeanwhile).toBeGreaterThan(0);
    expect(report.outage.pendingWhileDown).toBe(report.outage.writtenMeanwhile);
    expect(report.sourceKilled).toHaveLength(2);
    expect(report.sourceKilled[0].records).toBeGreaterThanOrEqual(report.outage.writtenMeanwhile);
    expect(report.deleteMarkers).toBeGreaterThan(0);
  } finally {
    await dir.cleanup();
  }
}, 300_000);
