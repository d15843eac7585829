/**
 * Keys with an expiry: the hit-for-miss ("uncollapsible") and "too big" marks of engine.ts
 * (Varnish's hit-for-miss objects). A key is the viewer's URL and keyed values, up to ~20 KB, so
 * the set is bounded in bytes as well as in count; past either bound it starts over (a lost mark
 * costs one collapsed or buffered fetch, never a wrong answer).
 */
export class MarkSet {
  private readonly marks = new Map<string, number>();
  private heldBytes = 0;

  constructor(
    private readonly clock: () => number,
    private readonly ttlMs: number,
    private readonly maxMarks = 10_000,
    /** Key bytes held at most (strings counted at 2 bytes a character). */
    private readonly maxBytes = 4 * 1024 * 1024,
  ) {}

  has(key: string): boolean {
    const until = this.marks.get(key);
    return until !== undefined && until > this.clock();
  }

  set(key: string, on: boolean): void {
    if (!on) {
      if (this.marks.delete(key)) this.heldBytes -= 2 * key.length;
      return;
    }
    if (!this.marks.has(key)) {
      if (this.marks.size >= this.maxMarks || this.heldBytes + 2 * key.length > this.maxBytes) this.clear();
      this.heldBytes += 2 * key.length;
    }
    this.marks.set(key, this.clock() + this.ttlMs);
  }

  get size(): { marks: number; bytes: number } {
    return { marks: this.marks.size, bytes: this.heldBytes };
  }

  private clear(): void {
    this.marks.clear();
    this.heldBytes = 0;
  }
}
