import { backgroundClock, type Clock, type Disposable } from '../common/lifecycle.js';

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
  private pending: Disposable | null = null;

  constructor(o: BackoffOptions = {}) {
    this.initialMs = o.initialMs ?? BACKOFF.initialMs;
    this.factor = o.factor ?? BACKOFF.factor;
    this.maxMs = o.maxMs ?? BACKOFF.maxMs;
    this.clock = o.clock ?? backgroundClock;
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
    this.pending?.dispose();
    this.pending = null;
  }
}
