// One lane per configured notifier: sends one message at a time, and turns a burst into one digest.
// The first change after a quiet spell goes out at once; changes that arrive within the window after
// a send are held and leave together when the window closes. A dead channel stalls only its own
// lane, and what piles up behind it leaves as one digest when it answers again.
import type { Clock, Disposable } from '../../common/lifecycle.js';
import type { NotifyMessage } from '../../common/notify.js';

export const BURST = {
  // 1 s: a tmux server restart, a `kill` of a session, or a catch-up after sleep reports its changes
  // within a few hundred milliseconds of each other; a second is long enough to catch them and short
  // enough that the digest still reads as "now". It also caps every channel at about one message per second, which keeps
  // Slack (1 msg/s per webhook) and Telegram (~1 msg/s per chat) from rate-limiting us in a storm.
  windowMs: 1_000,
} as const;

export class ChannelLane<T extends { msg: NotifyMessage }> {
  private held: T[] = [];
  private windowEnd = -Infinity;
  private timer: Disposable | null = null;
  private busy: Promise<void> | null = null;
  private waiters: Array<() => void> = [];
  /** Set by close: hold nothing, send what comes at once. */
  private draining = false;

  constructor(
    private readonly windowMs: number,
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
    this.timer?.dispose();
    this.timer = null;
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
    if (this.draining || now >= this.windowEnd) {
      this.timer?.dispose();
      this.timer = null;
      const batch = this.held.splice(0);
      this.windowEnd = now + this.windowMs;
      this.busy = this.send(batch).finally(() => {
        this.busy = null;
        this.pump();
      });
      return;
    }
    if (this.timer === null) {
      this.timer = this.timers.setTimeout(() => {
        this.timer = null;
        this.pump();
      }, this.windowEnd - now);
    }
  }

  private settleWaiters(): void {
    if (!this.isIdle()) return;
    const w = this.waiters.splice(0);
    for (const resolve of w) resolve();
  }
}
