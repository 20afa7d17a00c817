/** The clock and timer seam (STYLE.md): tests drive a fake clock instead of waiting. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // A retry alone must never keep the process alive (`workcell watch` exits when told to).
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export const BACKOFF = {
  // First retry quickly: a tmux server that was restarted is usually back within a few hundred ms.
  initialMs: 250,
  factor: 2,
  // A server gone for good costs one tmux spawn per 30 s, not five a second (8% of a core, measured).
  maxMs: 30_000,
} as const;

export interface BackoffOptions {
  initialMs?: number;
  factor?: number;
  maxMs?: number;
  clock?: Clock;
}

/**
 * Exponential retry delays (250 ms doubling, capped at 30 s), reset on success. At most one retry is
 * pending: scheduling again replaces it, so two failure paths reporting the same outage cannot double
 * the retry rate.
 */
export class Backoff {
  private readonly initialMs: number;
  private readonly factor: number;
  private readonly maxMs: number;
  private readonly clock: Clock;
  private failures = 0;
  private pending: unknown = null;

  constructor(o: BackoffOptions = {}) {
    this.initialMs = o.initialMs ?? BACKOFF.initialMs;
    this.factor = o.factor ?? BACKOFF.factor;
    this.maxMs = o.maxMs ?? BACKOFF.maxMs;
    this.clock = o.clock ?? realClock;
  }

  /** Failures since the last success. */
  get attempts(): number {
    return this.failures;
  }

  /** The delay before the next retry; counts one more failure. */
  next(): number {
    const d = Math.min(this.maxMs, this.initialMs * this.factor ** this.failures);
    this.failures += 1;
    return d;
  }

  /** The last attempt worked: the next failure retries after `initialMs` again. */
  reset(): void {
    this.failures = 0;
  }

  /** Runs `fn` after the next delay, replacing any retry still pending. Returns the delay. */
  schedule(fn: () => void): number {
    this.cancel();
    const d = this.next();
    this.pending = this.clock.setTimeout(() => {
      this.pending = null;
      fn();
    }, d);
    return d;
  }

  cancel(): void {
    if (this.pending !== null) this.clock.clearTimeout(this.pending);
    this.pending = null;
  }
}
