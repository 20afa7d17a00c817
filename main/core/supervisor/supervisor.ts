import { EventEmitter } from 'node:events';
import { isEnded, type WorkcellState, type WorkcellSummary } from '../../common/workcell.js';
import { changeId, type StateChange } from '../../common/notify.js';
import type { Settings } from '../../common/settings.js';
import { Engine } from '../engine.js';
import { readTail } from '../fsutil.js';
import { ensureHome } from '../home.js';
import { NotificationDispatcher, type NotifierFactories } from '../notify/index.js';
import type { ControlDir } from '../paths.js';
import { err, ok, type Result } from '../result.js';
import { loadSettings } from '../settings.js';
import { Tmux } from '../tmux.js';
import { ControlClient, ExitWaiter, HOME_SESSION } from './controlClient.js';
import { PaneWatch } from './paneWatch.js';
import { detect } from '../detect/detect.js';
import { loadPatterns } from '../agents/patterns.js';
import { cleanTerminalText } from '../notify/format.js';
import { SeenLedger } from './seenLedger.js';

/** States worth telling the user about when first seen by a watcher that was not running. */
const ATTENTION: readonly WorkcellState[] = ['waiting', 'stalled', 'rate_limited', 'auth_failed'];
// Live panes looked at in parallel per reconcile: enough to hide tmux round trips, few enough for 2 cores.
const LOOK_CONCURRENCY = 6;
// Lines of a dead pane's screen kept as the notification excerpt and read for the end reason.
const EXCERPT_SCREEN_LINES = 40;
const TIMING = {
  // An exit this recent that no watcher has reported is reported on start; older ones are history.
  catchUpWindowMs: 24 * 3_600_000,
  // The wall clock jumping this much past the monotonic clock between heartbeats means the machine slept.
  sleepJumpMs: 20_000,
  heartbeatMs: 30_000,
  reconnectMs: [250, 1_000, 2_000, 5_000],
} as const;

export interface SupervisorOptions {
  dir: ControlDir;
  tmux?: Tmux;
  /** The desktop app replaces `desktop` with Electron's Notification. */
  factories?: Partial<NotifierFactories>;
  log?: (line: string) => void;
  settings?: Settings;
}

export interface SupervisorChange extends StateChange {
  summary: WorkcellSummary;
}

/**
 * The one supervisor, used by the desktop app and `workcell watch`. Event-driven (DESIGN.md §4): a
 * control-mode client, a whole-fleet subscription and the `wait-for` exit fast path say "something
 * changed"; timers exist only for settle looks and idle/stall thresholds. Every trigger reconciles from
 * disk + one tmux call. Disposable: state lives in the control directory, so a restart catches up.
 *
 * Events: 'change' (WorkcellSummary[]) after any reconcile that changed the fleet; 'state'
 * (SupervisorChange) per state change; 'log' (line).
 */
export class Supervisor extends EventEmitter {
  readonly engine: Engine;
  private readonly control: ControlClient;
  private readonly waiter: ExitWaiter;
  private readonly watch: PaneWatch;
  private readonly seen: SeenLedger;
  private readonly dispatcher: NotificationDispatcher;
  private snapshotList: WorkcellSummary[] = [];
  private readonly endedReports: {
    w: WorkcellSummary;
    from: WorkcellState | null;
    seq: number;
    at: string;
  }[] = [];
  private snapshotKey = '';
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private dueTimer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private reconnects = 0;
  private readonly log: (line: string) => void;

  private constructor(
    readonly dir: ControlDir,
    tmux: Tmux,
    private settings: Settings,
    o: SupervisorOptions,
  ) {
    super();
    this.log = (line) => {
      o.log?.(line);
      this.emit('log', line);
    };
    this.engine = new Engine(dir, tmux);
    this.control = new ControlClient(tmux);
    this.waiter = new ExitWaiter(tmux);
    this.seen = new SeenLedger(dir);
    this.watch = new PaneWatch(
      tmux,
      dir.patterns,
      () => this.settings.thresholds.stallSeconds * 1000,
      this.log,
    );
    this.dispatcher = new NotificationDispatcher({
      dir,
      settings,
      factories: o.factories,
      log: this.log,
      isMuted: (name) => this.snapshotList.find((w) => w.name === name)?.muted ?? false,
      appendEvent: (name, event) => {
        void this.engine.store.appendEvent(name, event as never).catch(() => {
          // the run dir was removed (gc --remove) while a delivery was in flight: nothing to record into
        });
      },
    });
  }

  static async start(o: SupervisorOptions): Promise<Result<Supervisor>> {
    const tmux = o.tmux ?? new Tmux(o.dir.socket, o.dir.tmuxConf);
    const v = await tmux.checkVersion();
    if (!v.ok) return v;
    const home = await ensureHome(o.dir);
    if (!home.ok) return home;
    let settings = o.settings;
    if (!settings) {
      const s = loadSettings(o.dir);
      if (!s.ok) return s;
      settings = s.value;
    }
    const sup = new Supervisor(o.dir, tmux, settings, o);
    const connected = await sup.connect();
    if (!connected)
      return err(
        'TMUX_FAILED',
        `could not start or attach to the supervisor's tmux server on ${o.dir.socket}`,
      );
    sup.waiter.on('exit', () => sup.request());
    sup.waiter.start();
    sup.startHeartbeat();
    await sup.request();
    return ok(sup);
  }

  private async connect(): Promise<boolean> {
    const okConnect = await this.control.connect();
    if (!okConnect) return false;
    if (this.control.listenerCount('changed') === 0) {
      this.control.on('changed', () => this.request());
      this.control.on('fleet', () => this.request());
      this.control.on('closed', () => this.onControlClosed());
    }
    return true;
  }

  /** The server died (or our client did): reconcile (panes are gone), then bring the server back. */
  private onControlClosed(): void {
    if (this.stopped) return;
    void this.hangUpOrphans().then(() => this.request());
    const delay = TIMING.reconnectMs[Math.min(this.reconnects, TIMING.reconnectMs.length - 1)]!;
    this.reconnects += 1;
    setTimeout(() => {
      if (this.stopped) return;
      this.log('tmux server went away: reconnecting');
      void this.connect().then((c) => {
        if (c) {
          this.reconnects = 0;
          void this.request();
        } else this.onControlClosed();
      });
    }, delay).unref();
  }

  /** When the tmux server dies, its panes' wrappers survive (they trap SIGHUP so they can record the
   * exit) and so do the agents, which the kernel only hangs up once the session leader exits: headless
   * orphans nobody can reach. Hang them up like a closing terminal would; each wrapper then records
   * the agent's exit (SIGHUP), so no exit status is lost. Only the pane groups we listed are touched. */
  private async hangUpOrphans(): Promise<void> {
    if (await this.engine.tmux.hasSession(HOME_SESSION)) return; // only our client went away
    let n = 0;
    for (const w of this.snapshotList) {
      if (!w.pane || w.pane.dead || isEnded(w.state)) continue;
      try {
        process.kill(-w.pane.pid, 'SIGHUP');
        n += 1;
      } catch {
        // ESRCH: that group already ended
      }
    }
    if (n)
      this.log(
        `tmux server died: hung up ${n} orphaned agent(s); their exits are recorded by their wrappers`,
      );
  }

  /** Clock jump detection: system sleep stops the monotonic clock but not the wall clock. */
  private startHeartbeat(): void {
    let wall = Date.now();
    let mono = performance.now();
    this.heartbeat = setInterval(() => {
      const dWall = Date.now() - wall;
      const dMono = performance.now() - mono;
      wall = Date.now();
      mono = performance.now();
      if (dWall - dMono > TIMING.sleepJumpMs) {
        this.watch.wokeAt = wall;
        this.log(
          `woke after ~${Math.round((dWall - dMono) / 1000)}s asleep: idle and stall thresholds restart now`,
        );
        void this.request();
      }
    }, TIMING.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Coalescing: at most one reconcile runs; triggers during it cause exactly one more. */
  request(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.reconcile();
        } catch (e) {
          // a bug or a vanished run dir mid-read: log it and keep supervising
          this.log(`reconcile failed: ${(e as Error).stack ?? String(e)}`);
        }
      } while (this.again && !this.stopped);
      this.running = null;
    })();
    return this.running;
  }

  private async reconcile(): Promise<void> {
    const r = await this.engine.list();
    if (!r.ok) {
      this.log(`tmux: ${r.error.message}`);
      return;
    }
    const now = Date.now();
    const out: WorkcellSummary[] = [...r.value];
    const live: number[] = [];
    // Pass 1, no tmux calls: exits, kills, vanished. Reported before any screen is looked at, so an
    // exit's notification never waits behind 50 captures.
    for (let i = 0; i < out.length; i++) {
      const w = out[i]!;
      if (!isEnded(w.state) && w.pane && !w.pane.dead) {
        live.push(i);
        continue;
      }
      this.watch.forget(w.name);
      if (w.state === 'vanished' || w.evidence?.source === 'tmux') await this.persistDerived(w);
      this.noticeChange(w, now);
    }
    await this.flushEndedReports();
    // Pass 2: looks at live panes, a few at a time (each may be one capture-pane call).
    let next = 0;
    const worker = async () => {
      while (next < live.length) {
        const i = live[next++]!;
        out[i] = await this.lookAt(out[i]!, now);
        this.noticeChange(out[i]!, now);
      }
    };
    await Promise.all(Array.from({ length: Math.min(LOOK_CONCURRENCY, live.length) }, worker));
    this.seen.forget(new Set(out.map((w) => w.name)));
    this.scheduleDue(now);
    const key = JSON.stringify(out);
    if (key !== this.snapshotKey) {
      this.snapshotKey = key;
      this.snapshotList = out;
      this.emit('change', out);
    }
  }

  private async lookAt(w: WorkcellSummary, now: number): Promise<WorkcellSummary> {
    const look = await this.watch.look(w, now, false);
    const d = look.detection;
    if (look.state === w.state && (!d || d.resetAt === (w.resetAt ?? undefined))) return w;
    const saved = await this.engine.store.updateStatus(w.name, (s) =>
      isEnded(s.state)
        ? null // the exit won the race: never overwrite it with a live state
        : {
            ...s,
            state: look.state,
            evidence: d?.evidence ?? {
              source: 'pane',
              detail: 'output, no state pattern matched',
              at: new Date(now).toISOString(),
            },
            resetAt: d?.resetAt ?? null,
            reason: d?.reason ?? null,
          },
    );
    if (!saved || isEnded(saved.state)) return w;
    return {
      ...w,
      state: saved.state,
      evidence: saved.evidence,
      resetAt: saved.resetAt,
      reason: saved.reason,
    };
  }

  /** Why an agent ended, when its last screen says (not logged in, usage limit, no network): the exit
   * code alone reads "failed (1)"; the notification should say what to do. Also persisted. */
  private withEndReason(w: WorkcellSummary, excerpt: string): WorkcellSummary {
    const text = cleanTerminalText(excerpt);
    if (!text.trim()) return w;
    const d = detect({
      agent: w.agent,
      screen: text,
      now: new Date(),
      patterns: loadPatterns(w.agent, this.dir.patterns).patterns,
    });
    const reason =
      d?.state === 'auth_failed' || d?.state === 'rate_limited'
        ? d.state
        : d?.reason === 'network'
          ? 'network'
          : null;
    if (!d || !reason) return w;
    const detail = `${w.evidence?.detail ?? w.state}; last screen: ${d.evidence.detail}`;
    const evidence = { ...(w.evidence ?? d.evidence), detail };
    void this.engine.store
      .updateStatus(w.name, (s) =>
        s.reason ? null : { ...s, reason, resetAt: d.resetAt ?? s.resetAt, evidence },
      )
      .catch(() => {
        // run dir removed meanwhile (gc --remove): the notification still carries the reason
      });
    return { ...w, reason, resetAt: d.resetAt ?? w.resetAt, evidence };
  }

  /** States only a reader can derive (vanished; a pane that died without an exit record). */
  private async persistDerived(w: WorkcellSummary): Promise<void> {
    await this.engine.store.updateStatus(w.name, (s) =>
      s.state === w.state
        ? null
        : {
            ...s,
            state: w.state,
            evidence: w.evidence,
            endedAt: w.endedAt,
            exitCode: w.exitCode,
            signal: w.signal,
          },
    );
  }

  /** Synchronous up to the dispatch: the ledger and the timeline are written behind it (the change id
   * is derived from the persisted seq, so a crash before the write yields the same id and the
   * dispatcher's own ledger still refuses a repeat). */
  private noticeChange(w: WorkcellSummary, now: number): void {
    const prev = this.seen.get(w.name);
    if (prev && prev.state === w.state && prev.pass === w.pass) return;
    let report: boolean;
    if (prev) report = true;
    else if (isEnded(w.state))
      report = w.endedAt !== null && now - Date.parse(w.endedAt) < TIMING.catchUpWindowMs;
    else report = ATTENTION.includes(w.state);
    const at = new Date(now).toISOString();
    const seq = this.seen.record(w.name, w.state, w.pass, at);
    const from = prev?.state ?? null;
    if (prev && (w.state !== 'starting' || from !== null)) {
      void this.engine.store
        .appendEvent(w.name, {
          type: 'state',
          from: from ?? undefined,
          state: w.state,
          evidence: w.evidence ?? undefined,
          resetAt: w.resetAt ?? undefined,
        })
        .catch(() => {
          // run dir removed between list and here (gc --remove): nothing to append to
        });
    }
    if (!report) return;
    // A live pane's last look is its current screen. An ended one's is stale: its dead pane is
    // captured after this pass, together with every other exit of the pass, in ONE tmux call.
    const screen = isEnded(w.state) ? '' : this.watch.screenOf(w.name);
    if (screen) return this.dispatch(w, from, seq, at, screen);
    this.endedReports.push({ w, from, seq, at });
  }

  /** The excerpt of each workcell that just ended is its dead pane's screen (a TUI's log is
   * cursor-motion soup), read for all of them with one tmux call: spawning a process per exit blocked
   * the loop ~100 ms each when 50 agents ended at once. Falls back to the log's end. */
  private async flushEndedReports(): Promise<void> {
    const reports = this.endedReports.splice(0);
    if (reports.length === 0) return;
    const withPane = reports.filter((r) => r.w.pane).map((r) => r.w.name);
    const screens = withPane.length
      ? await this.engine.tmux.captureDead(withPane, EXCERPT_SCREEN_LINES)
      : new Map<string, string>();
    for (const r of reports) {
      const text =
        screens.get(r.w.name) ?? (await readTail(`${r.w.runDir}/agent.log`, 4_096).catch(() => '')); // run dir removed meanwhile
      this.dispatch(r.w, r.from, r.seq, r.at, text);
    }
  }

  private dispatch(
    w: WorkcellSummary,
    from: WorkcellState | null,
    seq: number,
    at: string,
    excerpt: string,
  ): void {
    if ((w.state === 'failed' || w.state === 'done') && !w.reason) w = this.withEndReason(w, excerpt);
    const change: SupervisorChange = {
      id: changeId(w.name, w.pass, seq, w.state),
      name: w.name,
      state: w.state,
      from,
      at,
      pass: w.pass,
      agent: w.agent,
      reason: w.reason,
      exitCode: w.exitCode,
      signal: w.signal,
      resetAt: w.resetAt,
      evidence: w.evidence,
      verified: w.verified,
      runDir: w.runDir,
      excerpt,
      summary: w,
    };
    this.log(
      `${w.name}: ${from ?? 'new'} -> ${w.state}${w.evidence ? ` (${w.evidence.source}: ${w.evidence.detail})` : ''}`,
    );
    this.emit('state', change);
    void this.dispatcher.notify(change);
  }

  private scheduleDue(now: number): void {
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueTimer = null;
    const due = this.watch.nextDue(now);
    if (due === null || this.stopped) return;
    this.dueTimer = setTimeout(() => void this.request(), Math.max(50, due - now));
    this.dueTimer.unref();
  }

  /** FleetSource for the bridge. */
  async list(): Promise<Result<WorkcellSummary[]>> {
    if (this.snapshotKey === '') await this.request();
    return ok(this.snapshotList);
  }

  snapshot(): WorkcellSummary[] {
    return this.snapshotList;
  }

  subscribe(onChange: () => void): () => void {
    this.on('change', onChange);
    return () => this.off('change', onChange);
  }

  updateSettings(settings: Settings): void {
    this.settings = settings;
    this.dispatcher.setSettings(settings);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.dueTimer) clearTimeout(this.dueTimer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.control.close();
    this.waiter.stop();
    await this.running;
    await this.seen.flush();
    await this.dispatcher.close();
  }
}
