/**
 * The replication soak script (src/replication-soak.ts, `npm run soak:replication`) at a small
 * scale, so the script that reports the full-scale figures (2,000 objects up to 64 MiB, a 60 s
 * outage) is itself kept working: two origin processes, the destination stopped while the source
 * writes, the source SIGKILLed with records queued, then every version checked byte for byte.
 */
import { expect, it } from 'vitest';
import { runReplicationSoak } from '../src/run-replication-soak.js';

it('120 objects up to 20 MiB, a 3 s outage and a SIGKILLed source: every version arrives, nothing is lost', async () => {
  const { code, output, report } = await runReplicationSoak(['--objects', '120', '--max-mib', '20', '--outage', '3', '--writers', '4', '--drain-timeout', '240']);
  expect(code, output).toBe(0);
  expect(report?.problems, output).toBe(0);
  expect(report!.destinationStore).toBe('fs');
  expect(report!.objects).toBe(120);
  expect(report!.verified.versions).toBe(120);
  expect(report!.multipartObjects).toBeGreaterThan(0);
  expect(report!.outage.writtenMeanwhile).toBeGreaterThan(0);
  expect(report!.outage.pendingWhileDown).toBe(report!.outage.writtenMeanwhile);
  expect(report!.sourceKilled).toHaveLength(2);
  expect(report!.sourceKilled[0]!.records).toBeGreaterThanOrEqual(report!.outage.writtenMeanwhile);
  expect(report!.deleteMarkers).toBeGreaterThan(0);
}, 300_000);
