/**
 * Finer-grained interrupt checks for QuickJS.
 *
 * QuickJS calls the interrupt handler when a per-context counter (`JSContext.interrupt_counter`),
 * decremented at every function call and backward jump, reaches zero, then resets it to 10,000.
 * With cheap ticks that is about every 0.1 ms, but a tick can be expensive: a loop whose body is
 * one builtin call (`'x'.repeat(1e6)`, `new Array(1e5).fill(1)`) runs 10,000 of those calls,
 * seconds, before the handler gets a say. The budget would then be enforced far too late.
 *
 * The counter lives in WebAssembly memory, so the host can lower it: before each slice and after
 * each handler call it is set so the next check comes after roughly a tenth of the budget, judged
 * from the time the last ticks took. Its offset inside JSContext is not part of any API, so it is
 * found by observation once per process: run a known loop, see which 32-bit field of the context
 * went down by about the loop's length, then confirm that writing 1 to it makes QuickJS call the
 * handler at once. If no field passes, interrupts keep QuickJS's own cadence (reported by
 * `interruptGranularity()`, and the limits test would fail).
 */
import type { QuickJSContext, QuickJSRuntime, QuickJSWASMModule } from 'quickjs-emscripten-core';

interface EmscriptenHeap {
  HEAPU8: Uint8Array;
}

let offset: number | undefined | null = null; // null: not probed yet; undefined: not found

function heapOf(module: QuickJSWASMModule): EmscriptenHeap {
  return (module as unknown as { module: EmscriptenHeap }).module;
}

export function contextPointer(ctx: QuickJSContext): number {
  return (ctx as unknown as { ctx: { value: number } }).ctx.value;
}

/** Reads/writes the interrupt counter of contexts of one module. */
export class InterruptCounter {
  private view: Int32Array;

  constructor(
    private readonly heap: EmscriptenHeap,
    private readonly offset: number,
  ) {
    this.view = new Int32Array(heap.HEAPU8.buffer);
  }

  private i32(): Int32Array {
    // the WebAssembly memory may have grown (and the old buffer been detached)
    if (this.view.buffer !== this.heap.HEAPU8.buffer) this.view = new Int32Array(this.heap.HEAPU8.buffer);
    return this.view;
  }

  set(ctxPtr: number, ticks: number): void {
    this.i32()[(ctxPtr + this.offset) >> 2] = ticks;
  }

  get(ctxPtr: number): number {
    return this.i32()[(ctxPtr + this.offset) >> 2]!;
  }
}

/** Finds the counter (once per process); undefined when it cannot be located. */
export function interruptCounter(module: QuickJSWASMModule): InterruptCounter | undefined {
  if (offset === null) offset = probe(module);
  return offset === undefined ? undefined : new InterruptCounter(heapOf(module), offset);
}

/** "fine" when the counter was found, "quickjs-default" otherwise. */
export function interruptGranularity(): 'fine' | 'quickjs-default' | 'not-probed' {
  return offset === null ? 'not-probed' : offset === undefined ? 'quickjs-default' : 'fine';
}

function probe(module: QuickJSWASMModule): number | undefined {
  const heap = heapOf(module);
  if (heap === undefined || !(heap.HEAPU8 instanceof Uint8Array)) return undefined;
  let rt: QuickJSRuntime | undefined;
  let ctx: QuickJSContext | undefined;
  try {
    rt = module.newRuntime();
    let calls = 0;
    let active: InterruptCounter | undefined;
    let base = 0;
    rt.setInterruptHandler(() => {
      calls++;
      active?.set(base, 2);
      return false;
    });
    ctx = rt.newContext();
    const c = ctx;
    const run = (code: string): void => {
      const r = c.evalCode(code);
      if (r.error) {
        r.error.dispose();
        throw new Error('probe code failed');
      }
      r.value.dispose();
    };
    run('0'); // settle lazily initialised state
    base = contextPointer(c);
    const span = 1024;
    const before = new Int32Array(heap.HEAPU8.buffer.slice(base, base + span));
    run('for (var i = 0; i < 300; i++) {}');
    const after = new Int32Array(heap.HEAPU8.buffer.slice(base, base + span));
    const candidates: number[] = [];
    for (let k = 0; k < before.length; k++) {
      const drop = before[k]! - after[k]!;
      if (before[k]! <= 10000 && after[k]! > 0 && drop >= 250 && drop <= 1000) candidates.push(k * 4);
    }
    for (const off of candidates) {
      const counter = new InterruptCounter(heap, off);
      const saved = counter.get(base);
      counter.set(base, 1);
      calls = 0;
      run('for (var i = 0; i < 3; i++) {}');
      const fired = calls;
      // the handler now keeps re-arming this field to 2: a 20-step loop must call it often
      active = counter;
      counter.set(base, 2);
      calls = 0;
      run('for (var i = 0; i < 20; i++) {}');
      active = undefined;
      const firedOften = calls;
      counter.set(base, saved);
      if (fired >= 1 && firedOften >= 5) return off;
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    ctx?.dispose();
    rt?.dispose();
  }
}
