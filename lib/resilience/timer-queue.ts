/**
 * Due times of many items behind one timer: a binary min-heap ordered by due
 * time, and a single setTimeout for the earliest. 10,000 pending retries are
 * one timer, not 10,000. `clear()` leaves no timer behind.
 */
export class TimerQueue<T> {
  private heap: Array<{ at: number; seq: number; item: T }> = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private stopped = false;

  constructor(private readonly onDue: (items: T[]) => void, private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.heap.length;
  }

  push(at: number, item: T): void {
    if (this.stopped) return;
    const h = this.heap;
    h.push({ at, seq: this.seq++, item });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
    this.arm();
  }

  /** Earliest due time, or undefined when empty. */
  peek(): number | undefined {
    return this.heap[0]?.at;
  }

  clear(): void {
    this.stopped = true;
    this.heap = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a] as { at: number; seq: number };
    const y = this.heap[b] as { at: number; seq: number };
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }

  private swap(a: number, b: number): void {
    const t = this.heap[a] as { at: number; seq: number; item: T };
    this.heap[a] = this.heap[b] as { at: number; seq: number; item: T };
    this.heap[b] = t;
  }

  private pop(): T {
    const h = this.heap;
    const top = h[0] as { item: T };
    const last = h.pop() as { at: number; seq: number; item: T };
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(l, m)) m = l;
        if (r < h.length && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top.item;
  }

  private arm(): void {
    const first = this.heap[0];
    if (!first || this.stopped) return;
    if (this.timer && this.timerAt <= first.at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = first.at;
    // setTimeout caps at 2^31-1 ms; a later due time re-arms when that fires
    const wait = Math.min(Math.max(0, first.at - this.now()), 2_147_483_647);
    this.timer = setTimeout(() => this.fire(), wait);
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.now();
    const due: T[] = [];
    while (this.heap.length && (this.heap[0] as { at: number }).at <= now) due.push(this.pop());
    if (due.length) this.onDue(due);
    this.arm();
  }
}
