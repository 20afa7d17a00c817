// Watching the tmux server (one job): the control-mode client and the exit waiter say "something
// changed", reconnects back off when the server is gone (capped, so a server gone for good costs
// nothing), a heartbeat notices a machine that slept, and a home that was removed ends supervision.
import { existsSync, readdirSync, rmSync, watch } from 'node:fs';
import { join } from 'node:path';
import { DisposableStore, Emitter, toDisposable } from '../../common/lifecycle.js';
import type { ControlDir } from '../paths.js';
import { textLines, type Tmux } from '../tmux.js';
import { Backoff } from '../backoff.js';
import type { Result } from '../result.js';
import { ControlClient, ExitWaiter, HOME_SESSION, homeGone } from './controlClient.js';
import { trace } from '../trace.js';

export const SERVER_TIMING = {
  // The wall clock jumping this much past the monotonic clock between heartbeats means the machine slept.
  sleepJumpMs: 20_000,
  heartbeatMs: 30_000,
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
  // Reconnects to a dead server: fast at first (a tmux restart takes milliseconds), then capped at 30 s
  // so a server gone for good costs nothing (it used to retry five times a second forever).
  private readonly reconnect = new Backoff();
  private stopped = false;

  constructor(
    private readonly dir: ControlDir,
    private readonly tmux: Tmux,
    private readonly log: (line: string) => void,
  ) {
    this.control = new ControlClient(tmux);
    this.waiter = new ExitWaiter(tmux, { homeGone: () => homeGone(dir) });
    this.waiter.on('gone', () => this.homeGone());
    this.control.on('changed', (why: string) => this.onPoke.fire(why));
    this.control.on('fleet', () => this.onPoke.fire('fleet'));
    this.control.on('closed', () => this.onClosed());
    this.waiter.on('exit', () => this.onPoke.fire('exit'));
  }

  /** Connects (the subscription confirmed by tmux) or says why not, in tmux's words. */
  async start(): Promise<Result<void>> {
    const r = await this.control.connect();
    if (!r.ok) return r;
    this.watchExits();
    this.waiter.start();
    this.startHeartbeat();
    return r;
  }

  private gone = false;
  private homeGone(): boolean {
    if (this.gone) return true;
    if (!homeGone(this.dir)) return false;
    this.gone = true;
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
    if (this.homeGone()) return;
    const delay = this.reconnect.schedule(() => {
      if (this.stopped || this.homeGone()) return;
      void this.control.connect().then((c) => {
        if (this.stopped) return;
        if (c.ok) {
          this.reconnect.reset();
          this.onPoke.fire('reconnected');
        } else {
          this.log(`tmux: ${c.error.message}`);
          this.onClosed();
        }
      });
    });
    this.log(`tmux server went away: reconnecting in ${delay} ms`);
  }

  /** The wrapper drops a marker in exits/ the moment an agent ends: an inotify event, no tmux round
   * trip (the tmux signal arrived 1.5 s late when 50 agents ended at once). Where watching fails, the
   * tmux signal (ExitWaiter) still wakes us. */
  private watchExits(): void {
    // Markers left while no supervisor ran: the first full reconcile catches those exits up.
    for (const f of readdirSafe(this.dir.exits)) rmSync(join(this.dir.exits, f), { force: true });
    try {
      const w = watch(this.dir.exits, { persistent: false }, (_event, file) => {
        // Removing a marker once its exit is told is an event too: nothing new, so no wake (it used to
        // cost a second pass and a full reconcile of every workcell per exit).
        if (file && !existsSync(join(this.dir.exits, file))) return;
        trace(this.log, 'marker', String(file));
        this.onPoke.fire('exit');
      });
      w.on('error', () => w.close()); // the folder removed (home gone): the heartbeat notices
      this.store.add(toDisposable(() => w.close()));
    } catch {
      // ENOENT (a home from an older version: ensureHome creates it on the next start) or no inotify
    }
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

  /** One tmux command over the attached control client (no process start); an error when detached. */
  command(args: string[]): Promise<Result<string>> {
    return this.control.command(args);
  }

  /** The last `lines` lines of each pane's screen (joined wrapped lines), through the control client
   * when it is attached (no process start), else with one tmux call for all of them. A dead pane's
   * "Pane is dead" line scrolls the screen, so some history is included before the tail is cut. */
  async capture(names: string[], lines: number): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const rest: string[] = [];
    await Promise.all(
      names.map(async (n) => {
        const r = await this.control.command([
          'capture-pane',
          '-p',
          '-J',
          '-S',
          `-${lines * 2}`,
          '-t',
          `=${n}:`,
        ]);
        // The last `lines` lines that carry text: on a tall pane a one-line error at the top, above 40
        // blank rows, is the end reason (issue 9).
        if (r.ok) out.set(n, textLines(r.value, lines));
        else rest.push(n);
      }),
    );
    if (rest.length) for (const [n, t] of await this.tmux.captureDead(rest, lines)) out.set(n, t);
    return out;
  }

  dispose(): void {
    this.stopped = true;
    this.store.dispose();
    this.reconnect.cancel();
    this.control.close();
    this.waiter.stop();
    for (const e of [this.onPoke, this.onServerDied, this.onWoke, this.onHomeGone]) e.dispose();
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    // ENOENT: no exits folder yet
    return [];
  }
}
