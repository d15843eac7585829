/**
 * The young-generation cap must hold on the Node it runs on: once capped, V8 reports the cap and
 * survivors do not grow it; a semi-space setting of the user is left alone. Each case runs in a
 * child process, since V8 flags are process-wide.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { YOUNG_GENERATION_CAP_BYTES } from './young-generation.js';

const MODULE = fileURLToPath(new URL('./young-generation.ts', import.meta.url));

/** The young generation's size (bytes) at start, once capped, and after 32 MiB of survivors. */
function youngGenerationSizes(nodeOptions = ''): { start: number; capped: number; afterSurvivors: number } {
  const script = `
    const { capYoungGeneration, youngGenerationBytes } = await import(${JSON.stringify(MODULE)});
    const start = youngGenerationBytes();
    capYoungGeneration();
    const capped = youngGenerationBytes();
    const kept = [];
    for (let i = 0; i < 32 * 1024; i++) kept.push({ i, s: 'y'.repeat(900) + i });
    console.log(JSON.stringify({ start, capped, afterSurvivors: youngGenerationBytes() }));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: nodeOptions },
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as { start: number; capped: number; afterSurvivors: number };
}

describe('the young-generation cap of the servers', () => {
  it('grows the young generation to the cap, and survivors do not grow it further', () => {
    const { start, capped, afterSurvivors } = youngGenerationSizes();
    expect(start).toBeLessThan(YOUNG_GENERATION_CAP_BYTES);
    expect(capped).toBe(YOUNG_GENERATION_CAP_BYTES);
    expect(afterSurvivors).toBe(YOUNG_GENERATION_CAP_BYTES);
  });

  it('leaves a semi-space setting of the user alone', () => {
    const { capped, afterSurvivors } = youngGenerationSizes('--max-semi-space-size=16');
    expect(afterSurvivors).toBeGreaterThan(capped);
    expect(afterSurvivors).toBeGreaterThan(YOUNG_GENERATION_CAP_BYTES);
  });
});
