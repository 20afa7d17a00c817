// One lane per configured notifier: sends one message at a time, and turns a burst into one digest.
// The first change after a quiet spell goes out at once; changes that arrive within the window after
// a send are held and leave together as soon as the burst settles (no new change for a short quiet
// gap), at the latest when the window after the first held change closes. A dead channel stalls only
// its own lane, and what piles up behind it leaves as one digest when it answers again.
import type { Clock, Disposable } from '../../common/lifecycle.js';
import type { NotifyMessage } from '../../common/notify.js';

export const BURST = {
  // 1 s: a tmux server restart, a `kill` of a session, or a catch-up after sleep reports its changes
  // within a few hundred milliseconds of each other; a second is long enough to catch them and short
  // enough that the digest still reads as "now". Changes after a send are held at most this long.
  windowMs: 1_000,
  // 250 ms without a new change: the burst has settled and its digest leaves. 50 exits in one second
  // reach the dispatcher in waves tens of ms apart (one exit pass each); a fixed window after the
  // first send held the digest up to a second after the last of them.
  quietMs: 250,
  // Two sends on one channel are at least this far apart: with the quiet gap, a stream of changes
  // costs at most two messages a second, inside what Slack (1 msg/s per webhook, short bursts
  // allowed) and Telegram (~1 msg/s per chat) take without rate-limiting us.
  minGapMs: 500,
} as const;

export interface BurstTiming {
  windowMs: number;
  quietMs: number;
  minGapMs: number;
}

/** The timing for a window of `windowMs` (tests and the crash child shorten it): gaps never longer. */
export function burstTiming(windowMs: number = BURST.windowMs): BurstTiming {
  return {
    windowMs,
    quietMs: Math.min(BURST.quietMs, windowMs),
    minGapMs: Math.min(BURST.minGapMs, windowMs),
  };
}

export class ChannelLane<T extends { msg: NotifyMessage }> {
  private held: T[] = [];
  /** When the last send started, and when the first and the last held change arrived. */
  private lastSend = -Infinity;
  private firstHeld = Infinity;
  private lastHeld = -Infinity;
  private timer: Disposable | null = null;
  private timerDue = Infinity;
  private busy: Promise<void> | null = null;
  private waiters: Array<() => void> = [];
  /** Set by close: hold nothing, send what comes at once. */
  private draining = false;

  constructor(
    private readonly timing: BurstTiming,
    private readonly clock: () => number,
    /** Timers of the burst window (a ManualClock in tests). */
    private readonly timers: Clock,
    /** Sends one batch (one item: a plain message; more: a digest). Must not reject. */
    private readonly send: (batch: T[]) => Promise<void>,
  ) {}

  /** The pump runs on the next turn of the event loop: changes that arrive together (the ledger
   * claims a burst's changes in one write and hands them back in one go) leave as one digest, instead
   * of the first alone and the rest a window later. A single change waits only that one turn. */
  push(item: T): void {
    const now = this.clock();
    if (this.held.length === 0) this.firstHeld = now;
    this.lastHeld = now;
    this.held.push(item);
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }
  private pumpQueued = false;

  /** Sends whatever is held now, ignoring the window (shutdown). */
  drain(): void {
    this.draining = true;
    this.clearTimer();
    this.pump();
  }

  /** Resolves when nothing is held or in flight. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.held.length === 0 && this.busy === null && this.timer === null;
  }

  private pump(): void {
    if (this.busy !== null || this.held.length === 0) return this.settleWaiters();
    const now = this.clock();
    const due = this.dueAt();
    if (this.draining || now >= due) {
      this.clearTimer();
      const batch = this.held.splice(0);
      this.lastSend = now;
      this.busy = this.send(batch).finally(() => {
        this.busy = null;
        this.pump();
      });
      return;
    }
    // A later change moves the quiet gap on: the timer follows it.
    if (this.timer !== null && this.timerDue === due) return;
    this.clearTimer();
    this.timerDue = due;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.timerDue = Infinity;
      this.pump();
    }, due - now);
  }

  /** When what is held may leave: at once after a quiet spell; within the window after a send, once
   * the burst has settled (quiet gap) or the window after the first held change closed, whichever is
   * first, and never sooner than the minimum gap after the last send. */
  private dueAt(): number {
    const t = this.timing;
    if (this.firstHeld >= this.lastSend + t.windowMs) return this.firstHeld;
    const settled = Math.min(this.lastHeld + t.quietMs, this.firstHeld + t.windowMs);
    return Math.max(this.lastSend + t.minGapMs, settled);
  }

  private clearTimer(): void {
    this.timer?.dispose();
    this.timer = null;
    this.timerDue = Infinity;
  }

  private settleWaiters(): void {
    if (!this.isIdle()) return;
    const w = this.waiters.splice(0);
    for (const resolve of w) resolve();
  }
}
