// A clock and timers whose time only moves when the test says so: burst windows without real waits.
import type { Timers } from '../lane.js';

export class FakeTimers implements Timers {
  private seq = 0;
  private readonly due = new Map<number, { at: number; fn: () => void }>();
  constructor(public now = 1_700_000_000_000) {}

  clock = (): number => this.now;

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.due.set(id, { at: this.now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }

  /** Moves time forward, running every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const next = [...this.due].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      this.due.delete(next[0]);
      this.now = next[1].at;
      next[1].fn();
    }
    this.now = end;
  }

  get pending(): number {
    return this.due.size;
  }
}
