import { ContinuityKeeper } from '../continuity/keeper.js';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isEnded, type WorkcellSummary } from '../../common/workcell.js';
import { Emitter } from '../../common/lifecycle.js';
import type { Settings } from '../../common/settings.js';
import { acquireLeader } from '../daemon/leaderLock.js';
import { Engine } from '../engine.js';
import { isDiskFull } from '../fsutil.js';
import { ensureHome } from '../home.js';
import { NotificationDispatcher, type NotifierFactories } from '../notify/index.js';
import type { Keychain } from '../notify/secrets.js';
import { RUN_FILES, type ControlDir } from '../paths.js';
import { err, ok, type Result } from '../result.js';
import type { SettingsProblem } from '../settingsProblem.js';
import { SettingsWatcher, type SettingsChange } from '../settingsWatcher.js';
import { Tmux } from '../tmux.js';
import { lazyTable, liveIn, readProcRecord } from '../processes.js';
import { Transitions } from '../transition.js';
import { ChangeReporter, type SupervisorChange } from './changeReporter.js';
import { Clocks } from './clocks.js';
import { Detector } from './detector.js';
import { LogRotation } from './logRotation.js';
import { PaneWatch } from './paneWatch.js';
import { SeenLedger } from './seenLedger.js';
import { ServerWatch } from './serverWatch.js';
import { verifyTurn } from './turnVerify.js';
import { notifiedInTimeline } from './timelineNotified.js';
import type { Clock } from '../../common/lifecycle.js';
import { Recoverer } from '../recovery/recoverer.js';
import { StaleWatch } from '../housekeeping/stale.js';
import { ResourceSampler } from '../housekeeping/resourceSampler.js';
import { hasLimits, ResourceAlarm } from '../housekeeping/resourceAlarm.js';
import { trace } from '../trace.js';
import { RunnerNoticeWatch } from '../loop/runnerNotice.js';

export type { SupervisorChange } from './changeReporter.js';

// Live panes looked at in parallel per reconcile: enough to hide tmux round trips, few enough for 2 cores.
const LOOK_CONCURRENCY = 6;
// A session gone with no exit record (vanished, orphaned) is told only once it has stayed so this long:
// a killed tmux server hangs up every wrapper, which records the agent's exit within a moment, and the
// user heard "vanished" then "failed" for each workcell (issue 8, N6). 5 s covers a loaded machine.
const GONE_SETTLE_MS = 5_000;
// Orphaned: its processes still run, so its wrapper (hung up with the server) is about to record how
// the agent ended; on a loaded machine that took longer than 5 s. An agent that ignores the hangup
// is told orphaned after this.
const ORPHAN_SETTLE_MS = 15_000;

export interface SupervisorOptions {
  dir: ControlDir;
  tmux?: Tmux;
  /** The desktop app replaces `desktop` with Electron's Notification. */
  factories?: Partial<NotifierFactories>;
  log?: (line: string) => void;
  settings?: Settings;
  /** How long a done/failed waits for its verify.sh result before it is sent (tests shorten it). */
  verifyWaitMs?: number;
  /** Secrets the desktop app handed over from its keychain (see daemon.ts). */
  keychain?: Keychain;
  /** The keeper process that restarts the daemon, recorded with the lead. */
  keeperPid?: number | null;
  /** The recovery playbook's clock and jitter (tests drive a ManualClock); `false` turns it off. */
  recovery?: { clock?: Clock; rand?: () => number } | false;
  /** The resource sampler's timers (tests drive a ManualClock). */
  resourceClock?: Clock;
}

/**
 * The supervisor: reconciles the fleet from disk + one tmux call whenever ServerWatch says something
 * changed (DESIGN.md §4), persists what it detects (Detector, through Transitions) and reports changes
 * (ChangeReporter). Timers exist only for settle looks, stall thresholds and verify waits. Disposable:
 * state lives in the control directory, so a restart catches up. The daemon runs exactly one per home.
 */
export class Supervisor {
  readonly engine: Engine;
  /** After any reconcile that changed the fleet. */
  readonly onFleet = new Emitter<WorkcellSummary[]>();
  /** Per reported state change. */
  readonly onState: Emitter<SupervisorChange>['event'];
  readonly onLog = new Emitter<string>();
  /** The control directory was removed: the owner should stop. */
  readonly onHomeGone: Emitter<void>['event'];

  private readonly server: ServerWatch;
  private readonly watch: PaneWatch;
  private readonly clocks: Clocks;
  private readonly detector: Detector;
  private readonly reporter: ChangeReporter;
  private readonly dispatcher: NotificationDispatcher;
  private readonly transitions: Transitions;
  private readonly turnVerifying = new Set<string>();
  private exitWake = false;
  private snapshotList: WorkcellSummary[] = [];
  private snapshotKey = '';
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private dueTimer: NodeJS.Timeout | null = null;
  private readonly log: (line: string) => void;
  private releaseLead: () => void = () => {};
  private readonly tmux: Tmux;
  private readonly logs: LogRotation;
  /** Checkpoints and vendor session records, fed by every reconcile (continuity/keeper.ts). */
  private readonly keeper: ContinuityKeeper;
  private readonly stale: StaleWatch;
  /** Loop and pipeline runners' notices (runner-notices/), handed to the dispatcher on each reconcile. */
  private readonly runnerNotices: RunnerNoticeWatch;
  /** The recovery playbook (issue 11): parks limited workcells, resumes them, holds lost logins. */
  readonly recovery: Recoverer | null;
  /** Per-workcell CPU and memory, sampled only while a viewer shows them (housekeeping/resourceSampler.ts). */
  readonly resources: ResourceSampler;

  private constructor(
    readonly dir: ControlDir,
    tmux: Tmux,
    private settings: Settings,
    o: SupervisorOptions,
  ) {
    this.log = (line) => {
      o.log?.(line);
      this.onLog.fire(line);
    };
    this.engine = new Engine(dir, tmux);
    this.transitions = new Transitions(this.engine.store);
    this.server = new ServerWatch(dir, tmux, this.log);
    tmux.fast = (args) => this.server.command(args);
    this.tmux = tmux;
    this.clocks = new Clocks(dir);
    this.logs = new LogRotation(tmux, () => this.settings.agentLogMaxMB * 1048576, this.log);
    // What reset times are read against, on a live pane (PaneWatch) and on an ended one's last screen
    // (Detector): the recovery playbook's clock, which computes the due times (a test's ManualClock).
    const resetClock = o.recovery ? o.recovery.clock : undefined;
    const resetNow = resetClock && (() => resetClock.now());
    this.watch = new PaneWatch(
      tmux,
      dir.patterns,
      () => this.settings.thresholds.stallSeconds * 1000,
      this.log,
      undefined,
      this.clocks,
      () => this.settings.thresholds.idleSeconds * 1000,
      resetNow,
    );
    this.detector = new Detector(dir, this.transitions, this.watch, resetNow);
    this.keeper = new ContinuityKeeper(this.engine.store, this.transitions);
    this.dispatcher = new NotificationDispatcher({
      dir,
      settings,
      factories: o.factories,
      keychain: o.keychain,
      log: this.log,
      isMuted: (name) => this.snapshotList.find((w) => w.name === name)?.muted ?? false,
      reported: (change, notifier) =>
        change.runDir ? notifiedInTimeline(change.runDir, change.id, notifier) : null,
      appendEvent: (name, event) => {
        void this.engine.store.appendEvent(name, event as never).catch(() => {
          // the run dir was removed (gc --remove) while a delivery was in flight: nothing to record into
        });
      },
    });
    this.stale = new StaleWatch(
      dir,
      () => this.settings.thresholds,
      (c) => void this.dispatcher.notify(c),
    );
    this.runnerNotices = new RunnerNoticeWatch(dir, (c) => this.dispatcher.notify(c));
    this.resources = new ResourceSampler({
      workcells: () => this.snapshotList.filter((w) => !isEnded(w.state)),
      clock: o.resourceClock,
      log: this.log,
    });
    const alarm = new ResourceAlarm(
      () => this.settings.resources,
      (c) => void this.dispatcher.notify(c),
    );
    this.resources.onSample.event(
      (s) =>
        void alarm
          .observe(s.samples, this.snapshotList, Date.parse(s.at!))
          .catch((e: Error) => this.log(`resource threshold: ${e.message}`)),
    );
    this.reporter = new ChangeReporter({
      capture: (names, lines) => this.server.capture(names, lines),
      seen: new SeenLedger(dir),
      dispatcher: this.dispatcher,
      log: this.log,
      endReason: (w, excerpt) => this.detector.endReason(w, excerpt),
      verifyWaitMs: o.verifyWaitMs,
      verifyAt: () => this.settings.verifyAt,
    });
    this.recovery =
      o.recovery === false
        ? null
        : new Recoverer({
            dir,
            engine: this.engine,
            tmux,
            settings: () => this.settings,
            log: this.log,
            clock: o.recovery?.clock,
            rand: o.recovery?.rand,
            notify: (c) => void this.dispatcher.notify(c),
          });
    if (this.recovery) this.onFleet.event((list) => this.recovery!.onFleet(list));
    this.onState = this.reporter.onChange.event;
    this.onHomeGone = this.server.onHomeGone.event;
    this.server.onPoke.event((why) => {
      // An exit is told by the fast path alone; the full reconcile follows it (see request).
      if (why === 'exit') this.exitFastPath();
      void this.request();
    });
    this.server.onServerDied.event(() => void this.hangUpOrphans().then(() => this.request()));
    this.server.onWoke.event((ms) => {
      this.watch.wokeAt = Date.now();
      this.log(`woke after ~${Math.round(ms / 1000)}s asleep: idle and stall thresholds restart now`);
      void this.request();
      void this.recovery?.kick(); // a reset that passed while asleep resumes now
    });
  }

  static async start(o: SupervisorOptions): Promise<Result<Supervisor>> {
    const tmux = o.tmux ?? new Tmux(o.dir.socket, o.dir.tmuxConf);
    const v = await tmux.checkVersion();
    if (!v.ok) return v;
    const home = await ensureHome(o.dir);
    if (!home.ok) return home;
    // Settings never stop supervision: a broken settings.json keeps the last good settings (or the
    // defaults), says what is wrong, and a fixed file is picked up on save.
    const watcher = o.settings ? null : new SettingsWatcher({ dir: o.dir });
    const settings = o.settings ?? watcher!.current();
    // Exactly one supervisor per home: one writer of state, one sender of notifications.
    const lead = await acquireLeader(o.dir, o.keeperPid ?? null);
    if (!lead.ok) {
      watcher?.dispose();
      return err(
        'STILL_RUNNING',
        `a supervisor already watches ${o.dir.root} (pid ${lead.holder.pid} on ${lead.holder.host}): view it with \`workcell watch\` or stop it with \`workcell daemon stop\``,
      );
    }
    const sup = new Supervisor(o.dir, tmux, settings, o);
    sup.releaseLead = lead.release;
    if (watcher) sup.watchSettings(watcher);
    const connected = await sup.server.start();
    if (!connected.ok) {
      await sup.stop();
      return err(
        connected.error.code,
        `could not start or attach to the supervisor's tmux server on ${o.dir.socket}: ${connected.error.message}`,
      );
    }
    await sup.recovery?.start();
    await sup.request();
    // After the first listing, so the first background sample has the fleet to look at.
    sup.resources.setBackground(hasLimits(sup.settings.resources));
    return ok(sup);
  }

  /** When the tmux server dies, its panes' wrappers survive (they trap SIGHUP so they can record the
   * exit) and so do the agents, which the kernel only hangs up once the session leader exits: headless
   * orphans nobody can reach. Hang them up like a closing terminal would; each wrapper then records
   * the agent's exit (SIGHUP), so no exit status is lost. Only the pane groups we listed are touched;
   * an agent that ignores SIGHUP stays and is shown as orphaned until `kill` or `gc` ends it. */
  private async hangUpOrphans(): Promise<void> {
    let n = 0;
    const table = lazyTable();
    for (const w of this.snapshotList) {
      if (isEnded(w.state)) continue;
      // By the recorded identity (proc.json): the next list may already show it orphaned, paneless.
      const rec = await readProcRecord(w.runDir);
      const pids = rec
        ? liveIn(await table(), rec).map((p) => p.pid)
        : w.pane && !w.pane.dead
          ? [-w.pane.pid]
          : [];
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGHUP');
        } catch {
          // ESRCH: already ended
        }
      }
      if (pids.length) n += 1;
    }
    if (n) this.log(`tmux server died: hung up ${n} agent group(s); their wrappers record how each ended`);
  }

  /** Coalescing: at most one reconcile runs; triggers during it cause exactly one more. */
  request(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    // While the exit fast path tells an exit, a full reconcile (every status file and a tmux call)
    // waits for it: run beside it, it held a single exit's notification back (its reads and its tmux
    // call shared the one event loop and libuv's 4 threads with the exit's).
    if (this.exitRunning) return this.exitRunning.then(() => this.request());
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

  /** The exit fast path: the wrapper wakes us right after writing exit.json. Before listing the whole
   * fleet (100 status files and a tmux call), look only for new exit records among the workcells we
   * know are live, and report those at once. Runs inside the serialized reconcile, so it never races a
   * listing taken before the exit. */
  private async reportNewExits(): Promise<void> {
    const marked = new Set(this.clearFinishedMarkers());
    const now = Date.now();
    // Only the workcells whose wrapper left a marker: one readdir, not a stat per live workcell (500).
    // An exit whose marker could not be written is found by the full reconcile that follows. Read
    // together: one after the other, a burst's 50 reads queued behind each other's file round trips.
    const exits = this.snapshotList.filter(
      (w) => marked.has(w.name) && !isEnded(w.state) && existsSync(join(w.runDir, RUN_FILES.exit)),
    );
    const ended = (
      await Promise.all(
        exits.map(async (w) => {
          // pane null: the exit record outranks anything tmux could say; keep the pane for the excerpt.
          trace(this.log, 'fast', w.name);
          const s = await this.engine.summarize(w.name, null, new Date(now));
          trace(this.log, 'read', w.name);
          return s && isEnded(s.state) ? { ...s, pane: w.pane } : null;
        }),
      )
    ).filter((s): s is WorkcellSummary => s !== null);
    const fresh = ended.filter((w) => this.reporter.isNew(w));
    for (const w of ended) this.reporter.notice(w, now, '');
    await this.reporter.flush();
    for (const w of ended) trace(this.log, 'told', w.name);
    this.exitsTold(ended);
    // The status writes (locked, one per exit) go on behind: the next pass of a burst (its stragglers)
    // and the full reconcile do not wait for them. stop() does.
    const saving = this.persistAll(fresh).catch((e: Error) =>
      this.log(`exit record failed: ${e.stack ?? e}`),
    );
    this.saving.add(saving);
    void saving.finally(() => this.saving.delete(saving));
  }
  private readonly saving = new Set<Promise<void>>();

  /** A finisher wakes us with the same marker once verify and the git summary are done (a held
   * completion is released by the reconcile that follows); for an exit already told it is only that.
   * Returns the markers left: exits not yet told. */
  private clearFinishedMarkers(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir.exits);
    } catch {
      return []; // ENOENT: the home is going away; ServerWatch reports that
    }
    const byName = new Map(this.snapshotList.map((x) => [x.name, x]));
    return names.filter((n) => {
      const w = byName.get(n);
      if (!w || !isEnded(w.state)) return true;
      rmSync(join(this.dir.exits, n), { force: true });
      return false;
    });
  }

  /** Removes the markers of exits now told: each one's finisher waits for that (see home.ts), so the
   * heavy work of a burst starts only once the burst has been reported. */
  private exitsTold(list: readonly WorkcellSummary[]): void {
    for (const w of list) rmSync(join(this.dir.exits, w.name), { force: true });
  }

  /** Told first, written after: a locked status write per exit (each contending with that run's own
   * finisher) held 200 simultaneous exits back for most of a minute when they came first. The change is
   * already in seen.json, so a crash in between is told again, never lost. A few at a time. */
  private async persistAll(list: WorkcellSummary[]): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (next < list.length) {
        const w = list[next++]!;
        await this.detector
          .persistDerived(w)
          .then(() => this.unsaved.delete(w.name))
          .catch((e) => {
            this.diskFull(e, w.name);
            this.unsaved.set(w.name, w);
          });
      }
    };
    await Promise.all(Array.from({ length: Math.min(LOOK_CONCURRENCY, list.length) }, worker));
  }
  /** Ends told while the disk was full and not yet in their status.json: written again on every
   * reconcile until there is room, so the record says done once the disk frees (not running, then
   * vanished when the tmux server is gone). */
  private readonly unsaved = new Map<string, WorkcellSummary>();

  /** Runs reportNewExits now, beside a full reconcile that may be listing 500 workcells under load for
   * seconds: safe, because a listing taken before an exit can no longer undo it (the reporter ignores a
   * live state after an ended one in the same pass, and live detections are not written over an end).
   * One at a time; wakes during one cause exactly one more. */
  private exitFastPath(): void {
    if (this.stopped) return;
    if (this.exitRunning) {
      this.exitWake = true;
      return;
    }
    this.exitRunning = (async () => {
      do {
        this.exitWake = false;
        await this.reportNewExits().catch((e: Error) => this.log(`exit report failed: ${e.stack ?? e}`));
      } while (this.exitWake && !this.stopped);
    })().finally(() => (this.exitRunning = null));
  }
  private exitRunning: Promise<void> | null = null;

  private async reconcile(): Promise<void> {
    trace(this.log, 'reconcile', 'start');
    const r = await this.engine.listing();
    trace(this.log, 'reconcile', 'listed');
    if (!r.ok) {
      this.log(`tmux: ${r.error.message}`);
      return;
    }
    const now = Date.now();
    const out: WorkcellSummary[] = [...r.value.workcells];
    const live: number[] = [];
    const fresh: WorkcellSummary[] = [];
    // Pass 1, no tmux calls: exits, kills, vanished, orphaned. Reported before any screen is looked
    // at, so an exit's notification never waits behind 50 captures.
    for (let i = 0; i < out.length; i++) {
      const w = out[i]!;
      if (!isEnded(w.state) && w.pane && !w.pane.dead) {
        live.push(i);
        continue;
      }
      this.watch.forget(w.name);
      if (this.settlingGone(w, now)) continue;
      // Written once, when first noticed (a locked write per ended workcell per reconcile would not be).
      if (this.reporter.isNew(w)) fresh.push(w);
      this.reporter.notice(w, now, '');
    }
    this.reporter.releaseHeld(out, now);
    await this.reporter.flush();
    this.exitsTold(fresh);
    const listed = new Set(out.map((w) => w.name));
    const retry = [...this.unsaved.values()].filter(
      (w) => listed.has(w.name) && !fresh.some((f) => f.name === w.name),
    );
    await this.persistAll([...fresh, ...retry]);
    // Pass 2: looks at live panes, a few at a time (each may be one capture-pane call).
    let next = 0;
    const worker = async () => {
      while (next < live.length) {
        const i = live[next++]!;
        await this.logs.check(out[i]!, now);
        const looked = await this.detector.look(out[i]!, now).catch((e) => {
          this.diskFull(e, out[i]!.name);
          return { w: out[i]!, turnEnd: false };
        });
        out[i] = looked.w;
        if (this.turnVerifying.has(looked.w.name)) continue;
        if (looked.turnEnd) this.completeTurn(looked.w);
        else this.reporter.notice(looked.w, now, this.watch.screenOf(looked.w.name));
      }
    };
    await Promise.all(Array.from({ length: Math.min(LOOK_CONCURRENCY, live.length) }, worker));
    // A broken run dir is skipped (engine.listing), not forgotten: fixed, it is not told again.
    const present = new Set([...out, ...r.value.problems].map((w) => w.name));
    this.reporter.forget(present);
    this.clocks.forget(present);
    this.logs.forget(present);
    for (const name of this.goneSince.keys()) if (!present.has(name)) this.goneSince.delete(name);
    for (const name of this.goneDue.keys()) if (!this.goneSince.has(name)) this.goneDue.delete(name);
    for (const name of this.unsaved.keys()) if (!present.has(name)) this.unsaved.delete(name);
    void this.keeper.observe(out, now);
    // Workcells and loops past their stale threshold: flagged once (a marker, then a notification).
    await Promise.all([this.stale.observe(out, now), this.stale.observeLoops(now)]).catch((e: Error) =>
      this.log(`stale check: ${e.message}`),
    );
    await this.runnerNotices.observe().catch((e: Error) => this.log(`runner notices: ${e.message}`));
    this.scheduleDue(now);
    trace(this.log, 'reconcile', 'done');
    const key = JSON.stringify(out);
    if (key !== this.snapshotKey) {
      this.snapshotKey = key;
      this.snapshotList = out;
      this.onFleet.fire(out);
    }
  }

  /** A status write that failed for lack of room: what was told stays told (the reporter and the
   * notification ledger remember it in memory) and the user learns why status.json lags, once a
   * minute at most. Anything else is rethrown (a bug). */
  private diskFull(e: unknown, name: string): void {
    if (!isDiskFull(e)) throw e;
    const now = Date.now();
    if (now - this.diskFullSaid < 60_000) return;
    this.diskFullSaid = now;
    this.log(
      `disk full: cannot write ${name}'s status under ${this.dir.root}; notifications go on from memory, status.json catches up once there is room (free some disk space)`,
    );
  }
  private diskFullSaid = 0;

  /** True while a newly gone session (vanished, orphaned) waits for its wrapper's exit record. */
  private settlingGone(w: WorkcellSummary, now: number): boolean {
    if ((w.state !== 'vanished' && w.state !== 'orphaned') || !this.reporter.isNew(w)) {
      this.goneSince.delete(w.name);
      return false;
    }
    const since = this.goneSince.get(w.name) ?? now;
    if (now >= since + settleOf(w)) {
      this.goneSince.delete(w.name);
      return false;
    }
    this.goneSince.set(w.name, since);
    this.goneDue.set(w.name, since + settleOf(w));
    return true;
  }
  private readonly goneSince = new Map<string, number>();
  private readonly goneDue = new Map<string, number>();

  /** A finished turn: verify.sh runs now (in the background: other panes are not held up), and the
   * turn is reported once with its result. */
  private completeTurn(w: WorkcellSummary): void {
    this.turnVerifying.add(w.name);
    void verifyTurn(this.transitions, w, this.settings.verifyAt !== 'exit')
      .then((verified) => {
        this.turnVerifying.delete(w.name);
        if (!this.stopped) this.reporter.notice(verified, Date.now(), this.watch.screenOf(w.name), true);
      })
      .catch((e: unknown) => {
        this.turnVerifying.delete(w.name);
        this.log(`turn verify of ${w.name} failed: ${(e as Error).message}`);
      });
  }

  private scheduleDue(now: number): void {
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueTimer = null;
    const gone = [...this.goneSince.keys()].map((n) => this.goneDue.get(n) ?? now + GONE_SETTLE_MS);
    const dues = [this.watch.nextDue(now), this.reporter.nextDue(), ...gone].filter(
      (d): d is number => d !== null,
    );
    if (dues.length === 0 || this.stopped) return;
    this.dueTimer = setTimeout(() => void this.request(), Math.max(50, Math.min(...dues) - now));
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
    const d = this.onFleet.event(onChange);
    return () => d.dispose();
  }

  /** Anything still owed to the user: a completion waiting for verify, a turn being verified. */
  get busy(): boolean {
    return this.reporter.holding > 0 || this.turnVerifying.size > 0 || (this.recovery?.pending ?? false);
  }

  private settingsWatch: SettingsWatcher | null = null;
  private watchSettings(w: SettingsWatcher): void {
    this.settingsWatch = w;
    const p = w.problem();
    if (p) this.log(`settings: ${p.message}`);
    w.onDidChange((c: SettingsChange) => {
      if (c.kind === 'broken') this.log(`settings: ${c.problem!.message}`);
      else {
        if (c.kind === 'fixed') this.log(`settings: ${this.dir.settings} is valid again; using it`);
        this.updateSettings(c.settings);
      }
    });
  }

  /** What is wrong with settings.json right now (the last good settings are in use meanwhile). */
  settingsProblem(): SettingsProblem | null {
    return this.settingsWatch?.problem() ?? null;
  }

  updateSettings(settings: Settings): void {
    this.settings = settings;
    this.dispatcher.setSettings(settings);
    this.resources.setBackground(hasLimits(settings.resources));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.tmux.fast = null;
    if (this.dueTimer) clearTimeout(this.dueTimer);
    await this.resources.dispose();
    this.server.dispose();
    this.settingsWatch?.dispose();
    await this.settingsWatch?.settled();
    await this.running;
    await this.exitRunning;
    await Promise.all(this.saving);
    await this.keeper.observe([]);
    await this.recovery?.stop();
    await this.clocks.flush();
    await this.reporter.flushSeen();
    await this.dispatcher.close();
    this.reporter.dispose();
    this.onFleet.dispose();
    this.onLog.dispose();
    this.releaseLead();
  }
}

const settleOf = (w: WorkcellSummary): number => (w.state === 'orphaned' ? ORPHAN_SETTLE_MS : GONE_SETTLE_MS);
