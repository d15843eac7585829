/**
 * A server's V8 young generation, capped at 4 MiB per semi-space (what `node
 * --max-semi-space-size=4` does, for every way the CLI is started). V8 doubles the young generation,
 * up to 16 MiB per semi-space on Node 20, whenever more bytes survived its scavenges than it holds,
 * and keeps it. At start-up nearly everything survives (the modules, the fs store's index), so an
 * origin kept ~20 MiB more than it needed: on the sse bench's 6,000 objects, RSS after start-up
 * 111 MiB against 88-90, and the peak of a 256 MiB SSE PUT 145-175 MiB against 137-143, with GET
 * and PUT throughput unchanged within the box's noise (README, Memory). A young generation left at
 * its initial 1 MiB is not enough: streamed Buffers then get promoted, and the mark-compacts that
 * free them halved 256 MiB GETs.
 *
 * The size cannot be set once Node runs (`--max-semi-space-size` is read when the heap is made), but
 * `--semi-space-growth-factor` (default 2, `node --v8-options`) is read each time V8 grows the young
 * generation: a few MiB of short-lived survivors grow it to the cap, then a factor of 1 holds it
 * there. A semi-space setting given on the command line or in NODE_OPTIONS is left alone.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

const MiB = 1024 * 1024;
/** V8's `new_space` size (both semi-spaces) under --max-semi-space-size=4. */
export const YOUNG_GENERATION_CAP_BYTES = 8 * MiB;

const userChose = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => /semi[-_]space/.test(a));

/** The young generation's size in bytes, as V8 reports it. */
export function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

/** Grows the young generation to the cap and holds it there (call before the server's modules load). */
export function capYoungGeneration(): void {
  if (userChose) return;
  setFlagsFromString('--semi-space-growth-factor=2');
  let survivors: object[] = [];
  // Each round keeps ~1 MiB alive across the scavenges its allocation triggers (~10 ms in all).
  for (let round = 0; round < 64 && youngGenerationBytes() < YOUNG_GENERATION_CAP_BYTES; round++) {
    for (let i = 0; i < 1024; i++) survivors.push({ i, filler: 'x'.repeat(1000) + i });
  }
  survivors = [];
  setFlagsFromString('--semi-space-growth-factor=1');
}
