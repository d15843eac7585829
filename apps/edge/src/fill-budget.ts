/**
 * The worker-wide budget for bodies buffered by fills in flight (cache.fillBudgetBytes). A fill
 * reserves what it buffers; when the budget is spent, the response streams to its viewer without
 * buffering and is not cached (issue 18 item 4). Without it, N concurrent misses of objects just
 * under cache.maxObjectBytes held N × maxObjectBytes.
 */
export class FillBudget {
  private used = 0;

  constructor(readonly limitBytes: number) {}

  /** Take `bytes` from the budget; false (nothing taken) when it would exceed the limit. */
  reserve(bytes: number): boolean {
    if (this.used + bytes > this.limitBytes) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  get usedBytes(): number {
    return this.used;
  }
}
