// A Clock whose time moves only when a test says so: timers run in due order inside advance(), so a
// debounce or a poll is tested without waiting on the wall clock (and without depending on today's date).
import { toDisposable, type Clock, type Disposable } from '../../common/lifecycle.js';

export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  /** Every delay ever scheduled, in order (backoff tests assert the sequence). */
  readonly delays: number[] = [];

  /** Default start: a fixed instant, never today. */
  constructor(start = Date.UTC(2030, 0, 2, 3, 4, 5)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): Disposable {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    this.delays.push(ms);
    return toDisposable(() => this.timers.delete(id));
  }

  /** Timers not yet run nor cancelled. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by ms, running every timer that falls due (including ones set meanwhile). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | null = null;
      for (const e of this.timers) if (e[1].at <= end && (!next || e[1].at < next[1].at)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = end;
  }
}
