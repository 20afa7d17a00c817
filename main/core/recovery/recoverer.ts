// The recovery loop the supervisor runs (issue 11): after every fleet change it diagnoses the workcells
// that need it (diagnose.ts), parks usage-limited ones with a resume scheduled on disk (record.ts),
// fires due resumes one vendor at a time (the first is the canary; the rest follow only once it
// worked), confirms each, holds a vendor whose login failed, and relaunches lost or partial workcells
// under the policy, budgets and breakers (guard.ts). Timers come from an injected Clock, so the limit
// tests run in seconds; every due time lives in recovery.json, so a restart or a sleep loses none.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, type Clock, type Disposable } from '../../common/lifecycle.js';
import type { StateChange } from '../../common/notify.js';
import type { Settings } from '../../common/settings.js';
import { isEnded, type AgentName, type WorkcellSummary } from '../../common/workcell.js';
import type { Engine } from '../engine.js';
import { exists } from '../fsutil.js';
import { RUN_FILES, type ControlDir } from '../paths.js';
import type { Tmux } from '../tmux.js';
import { audit, fireLimit, relaunch, type ActDeps } from './act.js';
import { partialReason } from './brief.js';
import { checkLimitGone } from './confirm.js';
import { diagnose, isLost } from './diagnose.js';
import { readGate, writeGate, type Gate } from './gate.js';
import {
  budgetAllows,
  budgetFreeAt,
  errorKeyOf,
  policyOf,
  progressKeyOf,
  readHome,
  recoverySettings,
  writeHome,
  type HomeRecovery,
  type RecoverySettings,
} from './guard.js';
import { AUTH_FIX, RECOVERY, dueOf, resetSourceOf, stateMark } from './plan.js';
import {
  readRecovery,
  updateRecovery,
  RECOVERY_FILE,
  type LimitSchedule,
  type RecoveryRecord,
} from './record.js';
import { effectivePolicy } from './policy.js';

// A vanished workcell waits this long before it is relaunched: a killed tmux server hangs up every
// wrapper, which records the agent's exit (failed, SIGHUP) within a few seconds; relaunching before
// that would archive a pass whose exit record is still being written.
const LOST_SETTLE_MS = 8_000;
// Due times are re-checked at least this often: a Node timer does not run while the machine sleeps
// and fires late by the sleep, so a reset that passed while asleep is caught within a minute of waking.
const MAX_TIMER_MS = 60_000;

export interface RecovererOptions {
  dir: ControlDir;
  engine: Engine;
  tmux: Tmux;
  settings: () => Settings;
  log: (line: string) => void;
  clock?: Clock;
  /** In [0,1): the jitter after a reset. Injected for tests. */
  rand?: () => number;
  notify?: (change: StateChange) => void;
  /** How long a resumed agent must keep working before it counts (confirm.ts CONFIRM.holdMs). */
  confirmHoldMs?: number;
}

const OPEN: LimitSchedule['state'][] = ['scheduled', 'firing', 'confirming'];
/** A usage limit to wait out. A live throttle (`rate_limited` + `throttled`: the server limiting
 * requests for seconds, the CLI retrying by itself) is not one: a "continue" typed into a CLI that is
 * mid-retry would be a stray message, and the throttle lifts without us. */
const isLimited = (w: WorkcellSummary) =>
  (w.state === 'rate_limited' && w.reason !== 'throttled') ||
  (isEnded(w.state) && w.reason === 'rate_limited');
/** Ended, but its pane still runs the finisher (verify.sh, the git summary, the handoff): not decided
 * yet (the verify result may still come) and not resumable yet (resume refuses a finishing workcell). */
const finishing = (w: WorkcellSummary) => isEnded(w.state) && w.pane !== null && !w.pane.dead;
/** How long a due limit waits for its pass's finisher: the verify timeout's default (600 s) and a
 * margin for the git summary and the handoff. */
const FINISH_WAIT_MS = 15 * 60_000;
const authFailed = (w: WorkcellSummary) =>
  w.state === 'auth_failed' || (isEnded(w.state) && w.reason === 'auth_failed');

export class Recoverer {
  private fleet: WorkcellSummary[] = [];
  private timer: Disposable | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** vendor -> earliest time the next limited workcell of it may fire (after a canary worked); a
   * copy of state/recovery-gate.json, loaded at start and written on every change. */
  private gate: Gate = new Map();
  /** name -> the check of a fired resume running beside the step (confirm.ts). */
  private readonly checking = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  /** name -> the fleet facts last looked at: an unchanged ended workcell is not re-read every reconcile. */
  private readonly seen = new Map<string, string>();
  /** Names with an open limit schedule (read from disk at start, kept up to date after). */
  private readonly active = new Set<string>();
  private readonly lostSince = new Map<string, number>();
  /** name -> when (wall clock) a due limit was first held back for its finisher. */
  private readonly finishingSince = new Map<string, number>();
  /** name -> when the restart budgets let its held-back relaunch through (looked at again then). */
  private readonly budgetAt = new Map<string, number>();
  private readonly budgetTold = new Set<string>();
  private readonly clock: Clock;
  private readonly rand: () => number;
  private readonly d: ActDeps;

  constructor(private readonly o: RecovererOptions) {
    this.clock = o.clock ?? systemClock;
    this.rand = o.rand ?? Math.random;
    this.d = { dir: o.dir, engine: o.engine, tmux: o.tmux, now: () => this.clock.now(), log: o.log };
  }

  /** Something is scheduled or being confirmed: the daemon must not exit while it is. */
  get pending(): boolean {
    return this.active.size > 0;
  }

  /** Loads every open schedule from disk. A firing interrupted by a crash is not fired again blindly:
   * it is confirmed like any other (the action may have happened), so it never runs twice. */
  async start(): Promise<void> {
    let names: string[] = [];
    try {
      names = await readdir(this.o.dir.runs);
    } catch {
      // ENOENT: no workcell was ever started here
    }
    for (const n of names) {
      if (!(await exists(join(this.o.dir.runDir(n), RECOVERY_FILE)))) continue;
      const rec = await readRecovery(this.o.dir, n);
      if (!rec.limit || !OPEN.includes(rec.limit.state)) continue;
      this.active.add(n);
      if (rec.limit.state === 'firing')
        await updateRecovery(this.o.dir, n, (r) =>
          r.limit?.state === 'firing'
            ? {
                ...r,
                limit: {
                  ...r.limit,
                  state: 'confirming',
                  note: 'the daemon stopped mid-resume: confirming what happened',
                },
              }
            : null,
        );
    }
    this.gate = await readGate(this.o.dir);
    this.o.log(`recovery: ${this.active.size} scheduled resume(s) loaded`);
    void this.kick();
  }

  onFleet(list: WorkcellSummary[]): void {
    this.fleet = list;
    void this.kick();
  }

  /** Coalescing: one step at a time; triggers during it cause exactly one more. */
  kick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.step();
        } catch (e) {
          this.o.log(`recovery step failed: ${(e as Error).stack ?? String(e)}`);
        }
      } while (this.again && !this.stopped);
      this.running = null;
    })();
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.dispose();
    this.abort.abort();
    await this.running;
    await Promise.all(this.checking.values());
  }

  private async setGate(vendor: AgentName, at: number): Promise<void> {
    this.gate.set(vendor, at);
    await writeGate(this.o.dir, this.gate, this.clock.now());
  }

  /** Starts the check of a fired resume (once per workcell at a time); its verdict lands in the
   * record and the step after it acts on it. */
  private startCheck(name: string, l: LimitSchedule): void {
    if (this.checking.has(name) || this.stopped) return;
    const deps = {
      dir: this.o.dir,
      tmux: this.o.tmux,
      store: this.o.engine.store,
      signal: this.abort.signal,
      holdMs: this.o.confirmHoldMs,
      now: () => this.clock.now(),
    };
    this.o.log(`recovery: ${name}: checking that the resume worked`);
    const p = checkLimitGone(deps, name, l)
      .then(async (c) => {
        if (this.abort.signal.aborted) return; // stopped: the next daemon checks again from the start
        this.o.log(`recovery: ${name}: check: ${c.verdict}: ${c.detail}`);
        await updateRecovery(this.o.dir, name, (r) =>
          r.limit?.id === l.id && r.limit.state === 'confirming'
            ? { ...r, limit: { ...r.limit, check: c } }
            : null,
        );
      })
      .catch((e: Error) => this.o.log(`recovery: ${name}: check failed: ${e.message}`))
      .finally(() => {
        this.checking.delete(name);
        void this.kick();
      });
    this.checking.set(name, p);
  }

  private async step(): Promise<void> {
    const now = this.clock.now();
    const s = recoverySettings(this.o.settings());
    const home = await readHome(this.o.dir);
    const homeKey = JSON.stringify(home);
    for (const n of [...this.budgetAt.keys()])
      if (!this.fleet.some((w) => w.name === n && isEnded(w.state))) this.budgetAt.delete(n);
    for (const n of [...this.lostSince.keys()])
      if (!this.fleet.some((w) => w.name === n && isLost(w))) this.lostSince.delete(n);
    for (const w of this.fleet) {
      const interesting =
        this.active.has(w.name) ||
        isLimited(w) ||
        authFailed(w) ||
        isEnded(w.state) ||
        !!home.authHold[w.agent];
      if (!interesting) continue;
      // The verify result and the finisher's pane are in it: a pass is marked done before its verify.sh
      // reports (finish.ts), and only a finished pass (pane closed) can be resumed.
      const key = `${w.pass}|${w.state}|${stateMark(w)}|${w.reason}|${w.resetAt}|${w.verified}|${finishing(w)}`;
      const settling = this.lostSince.has(w.name) || this.budgetAt.has(w.name);
      if (this.seen.get(w.name) === key && !this.active.has(w.name) && !settling && !home.authHold[w.agent])
        continue;
      this.seen.set(w.name, key);
      const rec = await readRecovery(this.o.dir, w.name);
      await this.observe(
        w,
        rec,
        await effectivePolicy(this.o.dir, w.name, rec, () => policyOf(rec, s)),
        home,
        now,
        s,
      );
    }
    if (JSON.stringify(home) !== homeKey) await writeHome(this.o.dir, home);
    await this.fireDue(now, s, home);
    await this.arm(now);
  }

  /** When a schedule next needs a step; null when only something else can unblock it. One that was
   * due at the step's `now` and is still scheduled was held back by something other than time (another
   * of its vendor being confirmed, a login hold, policy suggest, not in the fleet): re-stepping at once
   * would spin (each step re-arms a timer that is already due) without ever firing it. The confirm
   * check of the blocking one (it kicks when done), a fleet change or the MAX_TIMER_MS poll steps it
   * instead. */
  private wakeOf(l: LimitSchedule, stepNow: number): number | null {
    // Being confirmed: the check beside the step kicks when it has its verdict (real time, not this clock).
    if (l.state !== 'scheduled') return null;
    const t = Math.max(Date.parse(l.dueAt), this.gate.get(l.vendor) ?? 0);
    return t <= stepNow ? null : t;
  }

  private async observe(
    w: WorkcellSummary,
    rec: RecoveryRecord,
    policy: RecoveryRecord['policy'] & string,
    home: HomeRecovery,
    now: number,
    s: RecoverySettings,
  ): Promise<void> {
    // Re-set below while a budget still holds its relaunch back (a stale entry would re-arm a due timer).
    this.budgetAt.delete(w.name);
    if (policy === 'off') return;
    const l = rec.limit;
    if (authFailed(w)) return this.hold(w, rec, home);
    const hold = home.authHold[w.agent];
    if (
      hold &&
      w.state === 'running' &&
      w.evidence?.source !== 'engine' &&
      (w.name !== hold.name || w.pass > hold.pass) &&
      (stateMark(w) ?? '') > hold.since
    ) {
      delete home.authHold[w.agent];
      await audit(
        this.d,
        w.name,
        'auth-released',
        `${w.agent} works again (${w.name} is running): automatic actions for ${w.agent} resume`,
      );
    }
    if (l && l.state === 'confirming') return this.confirm(w, l, now, s);
    if (isLimited(w)) {
      if (l && OPEN.includes(l.state)) return;
      const sameWindow = l && l.pass === w.pass && (!w.resetAt || l.resetAt === w.resetAt);
      if (l && (l.state === 'gave_up' || l.state === 'cancelled') && sameWindow) return;
      return this.park(w, now, s, 0, 0, w.resetAt ?? null);
    }
    if (l && l.state === 'scheduled' && l.pass === w.pass) {
      if (w.state === 'killed') return this.cancel(w, l, 'the workcell was killed');
      if (!isEnded(w.state))
        return this.cancel(
          w,
          l,
          `the workcell is ${w.state} again before its resume (user input or the vendor's own retry)`,
        );
    }
    if (isEnded(w.state)) await this.relaunchIfNeeded(w, rec, policy, home, now, s);
  }

  /** Parks a limited workcell: the resume is due at reset + jitter (or a capped backoff). */
  private async park(
    w: WorkcellSummary,
    now: number,
    s: RecoverySettings,
    attempts: number,
    step: number,
    resetAt: string | null,
    window?: string,
  ): Promise<void> {
    const due = dueOf(resetAt, now, step, this.rand(), s.jitterSeconds * 1000);
    const sched: LimitSchedule = {
      kind: 'limit',
      state: 'scheduled',
      id: `${w.pass}:${attempts}:${due.dueAt}`,
      pass: w.pass,
      vendor: w.agent,
      resetAt,
      resetSource: step === 0 ? resetSourceOf(w) : 'estimated',
      dueAt: new Date(due.dueAt).toISOString(),
      attempts,
      window: window ?? resetAt ?? new Date(now).toISOString(),
      note: due.text,
    };
    // Removed meanwhile (gc --remove): nothing left to park.
    if (!(await updateRecovery(this.o.dir, w.name, (r) => ({ ...r, limit: sched }))).ok) return;
    this.active.add(w.name);
    await audit(
      this.d,
      w.name,
      'park',
      `${due.text} (${sched.resetSource} reset${resetAt ? ` ${resetAt}` : ''}; a limit wait is not a failure)`,
      {
        resetAt,
        resetSource: sched.resetSource,
        dueAt: sched.dueAt,
      },
    );
  }

  private async cancel(w: WorkcellSummary, l: LimitSchedule, why: string): Promise<void> {
    await updateRecovery(this.o.dir, w.name, (r) =>
      r.limit?.id === l.id && r.limit.state === 'scheduled'
        ? { ...r, limit: { ...r.limit, state: 'cancelled', note: why } }
        : null,
    );
    this.active.delete(w.name);
    await audit(this.d, w.name, 'cancel', `scheduled resume cancelled: ${why}`);
  }

  /** Did the resume work? The check beside the step (confirm.ts) says: working again with the limit
   * gone confirms it; the limit back (or not working within the deadline) parks it again with backoff,
   * twice at most; a blank conversation or a blocking dialog waits for the user. */
  private async confirm(
    w: WorkcellSummary,
    l: LimitSchedule,
    now: number,
    s: RecoverySettings,
  ): Promise<void> {
    const c = l.check;
    if (!c) return this.startCheck(w.name, l);
    if (c.verdict === 'working') {
      await updateRecovery(this.o.dir, w.name, (r) =>
        r.limit?.id === l.id
          ? { ...r, limit: { ...r.limit, state: 'resumed', pass: w.pass, note: `confirmed: ${c.detail}` } }
          : null,
      );
      this.active.delete(w.name);
      await this.setGate(w.agent, now + s.staggerSeconds * 1000);
      await audit(this.d, w.name, 'resumed', `limit gone, agent working again: ${c.detail}`);
      return;
    }
    if (c.verdict === 'mismatch' || c.verdict === 'waiting') {
      const why =
        c.verdict === 'mismatch'
          ? `the relaunch opened another conversation, so it is not a resume (${c.detail}): \`workcell attach ${w.name}\` to see it`
          : `${c.detail}: answer it in the workcell (\`workcell attach ${w.name}\`)`;
      await this.giveUp(w, l, why);
      this.tell(w, `gave-up:${l.id}`, why);
      return;
    }
    if (c.verdict === 'ended') {
      // Not the limit: the agent failed on its own (a crash, a network error), which is no reason to
      // relaunch it again after a backoff. Its end is told like any end (with its reason), so recovery
      // adds no second message: audited only, for `explain` and the timeline.
      const why = `the agent ended at once after the resume, not on the limit (${c.detail}): not retried; \`workcell explain ${w.name}\`, then \`workcell resume ${w.name}\` once fixed`;
      await this.giveUp(w, l, why);
      return;
    }
    const why = c.verdict === 'limited' ? 'the limit is still there' : c.detail;
    if (l.attempts >= RECOVERY.attemptsPerWindow) {
      await this.giveUp(
        w,
        l,
        `${why} after ${l.attempts} attempts`,
        `${why} after ${l.attempts} automatic attempts in this window: waiting for you (\`workcell recover ${w.name}\`)`,
      );
      this.tell(
        w,
        `gave-up:${l.id}`,
        `usage limit still there after ${l.attempts} automatic resumes: \`workcell recover ${w.name}\` when it has reset`,
      );
      return;
    }
    // The reset the agent named this time: the check's own reading (the fleet's copy may not have it yet).
    const seen = c.resetAt ?? w.resetAt;
    const laterReset = seen && Date.parse(seen) > now && seen !== l.resetAt ? seen : null;
    await this.park(
      { ...w, resetAt: seen ?? null },
      now,
      s,
      l.attempts,
      laterReset ? 0 : l.attempts,
      laterReset ?? l.resetAt,
      l.window,
    );
    // The canary failed: the others of its vendor wait until after its next try.
    const parked = (await readRecovery(this.o.dir, w.name)).limit;
    if (!parked) return; // removed meanwhile (gc --remove)
    const next = Date.parse(parked.dueAt);
    let k = 1;
    for (const n of this.active) {
      if (n === w.name) continue;
      await updateRecovery(this.o.dir, n, (r) => {
        const o = r.limit;
        if (!o || o.state !== 'scheduled' || o.vendor !== w.agent || Date.parse(o.dueAt) > next) return null;
        return { ...r, limit: { ...o, dueAt: new Date(next + k++ * s.staggerSeconds * 1000).toISOString() } };
      });
    }
  }

  /** Closes the limit schedule as given up (it waits for the user) with its note; the audit line says
   * `audited` (the note, unless given). */
  private async giveUp(w: WorkcellSummary, l: LimitSchedule, note: string, audited = note): Promise<void> {
    await updateRecovery(this.o.dir, w.name, (r) =>
      r.limit?.id === l.id ? { ...r, limit: { ...r.limit, state: 'gave_up', pass: w.pass, note } } : null,
    );
    this.active.delete(w.name);
    await audit(this.d, w.name, 'gave-up', audited);
  }

  /** Fires due resumes: per vendor one at a time, the earliest first (the canary), none while another
   * of the vendor is being confirmed, none while the vendor's login is held. */
  private async fireDue(now: number, s: RecoverySettings, home: HomeRecovery): Promise<void> {
    const due: { rec: RecoveryRecord; l: LimitSchedule; name: string }[] = [];
    const confirming = new Set<AgentName>();
    for (const name of [...this.active]) {
      const rec = await readRecovery(this.o.dir, name);
      const l = rec.limit;
      if (!l || !OPEN.includes(l.state)) {
        this.active.delete(name);
        continue;
      }
      if (l.state !== 'scheduled') {
        confirming.add(l.vendor);
        const w = this.fleet.find((x) => x.name === name);
        if (l.state === 'confirming' && w) await this.confirm(w, l, now, s);
        continue;
      }
      if (Date.parse(l.dueAt) <= now) due.push({ rec, l, name });
    }
    due.sort((a, b) => Date.parse(a.l.dueAt) - Date.parse(b.l.dueAt));
    const fired = new Set<AgentName>();
    for (const { rec, l, name } of due) {
      const v = l.vendor;
      if (confirming.has(v) || fired.has(v) || (this.gate.get(v) ?? 0) > now || home.authHold[v]) continue;
      const w = this.fleet.find((x) => x.name === name);
      if (!w) continue;
      if (this.stillFinishing(w)) continue; // the pane's end (a fleet change) steps it again
      const policy = await effectivePolicy(this.o.dir, name, rec, () => policyOf(rec, s));
      if (policy !== 'auto') {
        if (l.note !== 'suggested') {
          await updateRecovery(this.o.dir, name, (r) =>
            r.limit?.id === l.id ? { ...r, limit: { ...r.limit, note: 'suggested' } } : null,
          );
          await audit(
            this.d,
            name,
            'suggest',
            `the usage limit has reset: \`workcell recover ${name}\` resumes it (policy ${policy})`,
          );
          this.tell(w, `suggest:${l.id}`, `usage limit reset: \`workcell recover ${name}\` resumes it`);
        }
        continue;
      }
      fired.add(v);
      const r = await fireLimit(this.d, w, l, 'auto');
      if (r.kind === 'gave_up') {
        this.active.delete(name);
        this.tell(w, `gave-up:${l.id}`, r.why);
      }
    }
  }

  /** A limit due while its pass's finisher still runs (verify.sh, the git summary) waits for it, as
   * every other recovery action does: a relaunch then would stop verify.sh and lose that pass's
   * result (engine.resume ends a finisher). Only a finisher past FINISH_WAIT_MS, in real time (the
   * finisher runs on the wall clock, whatever clock the schedule keeps), is stopped by the relaunch. */
  private stillFinishing(w: WorkcellSummary): boolean {
    if (!finishing(w)) {
      this.finishingSince.delete(w.name);
      return false;
    }
    const since = this.finishingSince.get(w.name) ?? Date.now();
    this.finishingSince.set(w.name, since);
    return Date.now() - since < FINISH_WAIT_MS;
  }

  /** Auth failure: hold the vendor (the breaker), tell the user the exact fix once, never restart. */
  private async hold(w: WorkcellSummary, rec: RecoveryRecord, home: HomeRecovery): Promise<void> {
    if (rec.limit && OPEN.includes(rec.limit.state)) await this.cancel(w, rec.limit, 'its login failed');
    const h = home.authHold[w.agent];
    if (h) return;
    home.authHold[w.agent] = { name: w.name, pass: w.pass, since: new Date().toISOString(), told: true };
    const fix = AUTH_FIX[w.agent];
    await audit(
      this.d,
      w.name,
      'hold',
      `login lost: ${fix}; automatic actions for every ${w.agent} workcell are held until a resume works (\`workcell recover ${w.name}\` once logged in)`,
      { fix },
    );
    this.tell(
      w,
      `auth:${w.agent}`,
      `${w.agent} is not logged in: ${fix}. Recovery of ${w.agent} workcells is held until one resume works.`,
    );
  }

  private async relaunchIfNeeded(
    w: WorkcellSummary,
    rec: RecoveryRecord,
    policy: string,
    home: HomeRecovery,
    now: number,
    s: RecoverySettings,
  ): Promise<void> {
    if (rec.actedPass === w.pass || finishing(w)) return;
    if (isLost(w)) {
      // Only once it has stayed lost a moment (its wrapper may still be writing the exit record).
      const since = this.lostSince.get(w.name) ?? now;
      this.lostSince.set(w.name, since);
      // Kept once settled (until it is resumed or no longer lost): a relaunch held back by a budget must
      // not wait out the settle delay again.
      if (now - since < LOST_SETTLE_MS) return;
    }
    const st = await this.o.engine.store.readStatus(w.name);
    if (!st) return;
    const briefPath = join(this.o.dir.runDir(w.name), RUN_FILES.brief);
    const brief = await readFile(briefPath, 'utf8').catch(() => null);
    const partial = w.state === 'done' ? partialReason(st, brief ?? '') : null;
    const withPass = (r: RecoveryRecord): RecoveryRecord => {
      const passes = (r.passes ?? []).filter((p) => p.pass !== w.pass);
      return {
        ...r,
        actedPass: w.pass,
        passes: [...passes, { pass: w.pass, key: progressKeyOf(st), error: errorKeyOf(st) }].slice(-10),
      };
    };
    const rec2 = withPass(rec);
    const plan = diagnose({ w, rec: rec2, home, policy: policy as never, partial, hasBrief: brief !== null });
    if (plan.action !== 'resume' && plan.action !== 'resume_rewritten' && plan.action !== 'wait') return;
    const over = plan.action === 'wait' || !plan.automatic ? null : budgetAllows(rec2, home, now, s);
    if (over) {
      // Held back by a budget: not decided for this pass yet (no actedPass), looked at again when the
      // budget frees, and said once.
      this.budgetAt.set(w.name, budgetFreeAt(rec2, home, now, s));
      const told = `${w.name}:${w.pass}`;
      if (!this.budgetTold.has(told) && this.budgetTold.add(told))
        await audit(
          this.d,
          w.name,
          'wait',
          `${plan.diagnosis}: ${over}; trying again when it allows, or \`workcell recover ${w.name}\` to do it now`,
        );
      return;
    }
    await updateRecovery(this.o.dir, w.name, withPass);
    if (plan.action === 'wait' || !plan.automatic) {
      const what = plan.action === 'wait' ? 'wait' : 'suggest';
      // Audited (explain, dashboard), not told again: the end it follows was just notified, with its
      // verify result and the next step, and one message per end is the promise (issue 7).
      await audit(this.d, w.name, what, `${plan.diagnosis}: ${plan.detail}`);
      return;
    }
    home.restarts = [...home.restarts.filter((t) => now - t < 60_000), now];
    await updateRecovery(this.o.dir, w.name, (r) => ({
      ...r,
      restarts: [...(r.restarts ?? []).filter((t) => now - t < 300_000), now],
    }));
    await writeHome(this.o.dir, home);
    await relaunch(this.d, w, plan.diagnosis === 'partial' ? 'partial' : 'lost', 'auto');
  }

  private tell(w: WorkcellSummary, what: string, text: string): void {
    this.o.notify?.({
      id: `${w.name}:${w.pass}:recovery:${what}`,
      name: w.name,
      state: w.state,
      from: null,
      at: new Date().toISOString(),
      pass: w.pass,
      agent: w.agent,
      reason: text,
      runDir: w.runDir,
    });
  }

  /** Arms the one timer for the next due time (inside the step, so a step that returned has armed it). */
  private async arm(now: number): Promise<void> {
    this.timer?.dispose();
    this.timer = null;
    if (this.stopped || (this.active.size === 0 && this.lostSince.size === 0 && this.budgetAt.size === 0))
      return;
    let next = now + MAX_TIMER_MS;
    for (const n of this.active) {
      const l = (await readRecovery(this.o.dir, n)).limit;
      const t = l ? this.wakeOf(l, now) : null;
      if (t !== null) next = Math.min(next, t);
    }
    for (const since of this.lostSince.values())
      if (since + LOST_SETTLE_MS > now) next = Math.min(next, since + LOST_SETTLE_MS);
    for (const at of this.budgetAt.values()) next = Math.min(next, at);
    if (this.stopped) return;
    // From the clock's time now, not the step's start: time may have moved while the step worked (a
    // fake clock advanced past several due times at once, or a real one during a slow relaunch).
    const delay = next - this.clock.now();
    if (delay <= 0) this.again = true;
    else this.timer = this.clock.setTimeout(() => void this.kick(), delay);
  }
}
