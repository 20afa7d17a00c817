// Watching the tmux server (one job): the control-mode client and the exit waiter say "something
// changed", reconnects back off when the server is gone (capped, so a server gone for good costs
// nothing), a heartbeat notices a machine that slept, and a home that was removed ends supervision.
import { existsSync } from 'node:fs';
import { DisposableStore, Emitter, toDisposable } from '../../common/lifecycle.js';
import type { ControlDir } from '../paths.js';
import type { Tmux } from '../tmux.js';
import { ControlClient, ExitWaiter, HOME_SESSION } from './controlClient.js';

export const SERVER_TIMING = {
  // The wall clock jumping this much past the monotonic clock between heartbeats means the machine slept.
  sleepJumpMs: 20_000,
  heartbeatMs: 30_000,
  // Reconnects to a dead server: fast at first (a tmux restart takes milliseconds), then capped at 30 s
  // so a server gone for good costs nothing (it used to retry five times a second forever).
  reconnectFirstMs: 250,
  reconnectMaxMs: 30_000,
} as const;

export class ServerWatch {
  /** Something about the fleet may have changed: reconcile. */
  readonly onPoke = new Emitter<string>();
  /** The server (not just our client) died: panes are gone. */
  readonly onServerDied = new Emitter<void>();
  /** The machine slept this many ms: idle and stall thresholds restart now. */
  readonly onWoke = new Emitter<number>();
  /** The control directory was removed: nothing left to supervise. */
  readonly onHomeGone = new Emitter<void>();

  private readonly control: ControlClient;
  private readonly waiter: ExitWaiter;
  private readonly store = new DisposableStore();
  private reconnectDelay: number = SERVER_TIMING.reconnectFirstMs;
  private stopped = false;

  constructor(
    private readonly dir: ControlDir,
    private readonly tmux: Tmux,
    private readonly log: (line: string) => void,
  ) {
    this.control = new ControlClient(tmux);
    this.waiter = new ExitWaiter(tmux);
    this.control.on('changed', (why: string) => this.onPoke.fire(why));
    this.control.on('fleet', () => this.onPoke.fire('fleet'));
    this.control.on('closed', () => this.onClosed());
    this.waiter.on('exit', () => this.onPoke.fire('exit'));
  }

  async start(): Promise<boolean> {
    if (!(await this.control.connect())) return false;
    this.waiter.start();
    this.startHeartbeat();
    return true;
  }

  private homeGone(): boolean {
    if (existsSync(this.dir.root)) return false;
    this.log(`the control directory ${this.dir.root} is gone: nothing left to supervise`);
    this.onHomeGone.fire();
    return true;
  }

  /** Our client went away: if the server died, say so (panes are gone), then bring it back. */
  private onClosed(): void {
    if (this.stopped) return;
    void this.tmux.hasSession(HOME_SESSION).then((alive) => {
      if (!alive) this.onServerDied.fire();
      this.onPoke.fire('closed');
    });
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, SERVER_TIMING.reconnectMaxMs);
    const timer = setTimeout(() => {
      if (this.stopped || this.homeGone()) return;
      this.log(`tmux server went away: reconnecting (next try in up to ${delay / 1000}s)`);
      void this.control.connect().then((c) => {
        if (this.stopped) return;
        if (c) {
          this.reconnectDelay = SERVER_TIMING.reconnectFirstMs;
          this.onPoke.fire('reconnected');
        } else this.onClosed();
      });
    }, delay);
    timer.unref();
    this.store.add(toDisposable(() => clearTimeout(timer)));
  }

  /** Clock jump detection: system sleep stops the monotonic clock but not the wall clock. */
  private startHeartbeat(): void {
    let wall = Date.now();
    let mono = performance.now();
    const timer = setInterval(() => {
      if (this.homeGone()) return;
      const dWall = Date.now() - wall;
      const dMono = performance.now() - mono;
      wall = Date.now();
      mono = performance.now();
      if (dWall - dMono > SERVER_TIMING.sleepJumpMs) this.onWoke.fire(dWall - dMono);
    }, SERVER_TIMING.heartbeatMs);
    timer.unref();
    this.store.add(toDisposable(() => clearInterval(timer)));
  }

  dispose(): void {
    this.stopped = true;
    this.store.dispose();
    this.control.close();
    this.waiter.stop();
    for (const e of [this.onPoke, this.onServerDied, this.onWoke, this.onHomeGone]) e.dispose();
  }
}
