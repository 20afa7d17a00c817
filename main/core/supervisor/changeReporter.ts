// Change reporting (one job): decide which observed changes the user hears about, exactly once across
// restarts (state/seen.json), and hand each to the dispatcher with the truth it needs. A completion
// (done, failed, or the end of an interactive turn) is held until its verify.sh result is known, at
// most VERIFY_WAIT.ms, so the user gets ONE message that says "verified" or "claimed done, not
// verified", instead of "done" now and the verdict never.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TURN_END, changeId, type StateChange } from '../../common/notify.js';
import { Emitter } from '../../common/lifecycle.js';
import { isEnded, type WorkcellState, type WorkcellSummary } from '../../common/workcell.js';
import { readTail } from '../fsutil.js';
import type { NotificationDispatcher } from '../notify/index.js';
import { RUN_FILES } from '../paths.js';
import type { VerifyAt } from '../../common/settings.js';
import type { SeenLedger } from './seenLedger.js';

/** States worth telling the user about when first seen by a supervisor that was not running. */
const ATTENTION: readonly WorkcellState[] = ['waiting', 'stalled', 'rate_limited', 'auth_failed', 'orphaned'];
// Lines of a dead pane's screen kept as the notification excerpt and read for the end reason.
const EXCERPT_SCREEN_LINES = 40;
// More exits than this in one report: excerpts from agent.log, not from tmux (see flush).
const BURST_CAPTURE_MAX = 20;
export const REPORT_TIMING = {
  // An exit this recent that no supervisor has reported is reported on start; older ones are history.
  catchUpWindowMs: 24 * 3_600_000,
  // A done/failed waits this long for verify.sh (the finisher runs it in the pane right after the exit)
  // before it goes out as "verify still running"; the verdict follows when it lands. 2 min covers a
  // typical test suite; a longer one still gets its follow-up.
  verifyWaitMs: 120_000,
} as const;

export interface SupervisorChange extends StateChange {
  summary: WorkcellSummary;
}

interface Held {
  w: WorkcellSummary;
  from: WorkcellState | null;
  seq: number;
  at: string;
  since: number;
  /** Sent already as "verify still running": only the verdict is left to send. */
  followUp: boolean;
}

export interface ReporterDeps {
  /** Screens of the named panes (see ServerWatch.capture). */
  capture: (names: string[], lines: number) => Promise<Map<string, string>>;
  seen: SeenLedger;
  dispatcher: NotificationDispatcher;
  log: (line: string) => void;
  /** Why an ended workcell ended, read from its last screen (see Detector.endReason). */
  endReason: (w: WorkcellSummary, excerpt: string) => WorkcellSummary;
  verifyWaitMs?: number;
  /** settings.verifyAt: "turn" means the finisher does not verify at the exit (nothing to wait for). */
  verifyAt: () => VerifyAt;
}

export class ChangeReporter {
  readonly onChange = new Emitter<SupervisorChange>();
  private readonly ended: (Omit<Held, 'since' | 'followUp'> & { id?: string; pending?: boolean })[] = [];
  private readonly held = new Map<string, Held>();
  /** Reported in this process, the dispatcher's intent not yet on disk. */
  private readonly telling = new Set<string>();
  /** Intents handed to the dispatcher and not yet on disk: a stop waits for them (flushSeen). */
  private readonly intents = new Set<Promise<void>>();
  private readonly verifyWaitMs: number;

  constructor(private readonly d: ReporterDeps) {
    this.verifyWaitMs = d.verifyWaitMs ?? REPORT_TIMING.verifyWaitMs;
  }

  /** Notices the state of one workcell after a reconcile. `screen`: its current screen when live. */
  notice(w: WorkcellSummary, now: number, screen: string, turnEnd = false): void {
    const prev = this.d.seen.get(w.name);
    if (prev && prev.state === w.state && prev.pass === w.pass) {
      // Seen already. `held` on disk means a supervisor noticed it but stopped (or was killed) before
      // the dispatcher had the intent on disk: tell it again with the SAME change id (same persisted
      // seq), so the dispatcher's ledger drops it if it did get that far. Nothing lost, nothing twice.
      if (prev.held && !this.held.has(w.name) && !this.telling.has(w.name)) {
        if ((w.state === 'done' || w.state === 'failed') && this.awaitsVerify(w))
          this.held.set(w.name, { w, from: null, seq: prev.seq, at: prev.at, since: now, followUp: false });
        else if (screen && !isEnded(w.state)) this.dispatch(w, null, prev.seq, prev.at, screen);
        else this.ended.push({ w, from: null, seq: prev.seq, at: prev.at });
        this.telling.add(w.name);
      }
      return;
    }
    // A live state after an ended one in the same pass is a stale read (a listing taken before the
    // exit): never report it, or the exit would be told again after it.
    // (vanished is the exception: its session or processes can turn up again.)
    if (prev && prev.pass === w.pass && isEnded(prev.state) && prev.state !== 'vanished' && !isEnded(w.state))
      return;
    let report: boolean;
    if (prev) report = true;
    else if (isEnded(w.state))
      report = w.endedAt !== null && now - Date.parse(w.endedAt) < REPORT_TIMING.catchUpWindowMs;
    else report = ATTENTION.includes(w.state);
    const at = new Date(now).toISOString();
    const completion = report && (w.state === 'done' || w.state === 'failed') && this.awaitsVerify(w);
    const seq = this.d.seen.record(w.name, w.state, w.pass, at, report);
    const from = prev?.state ?? null;
    this.held.delete(w.name);
    if (!report) return;
    this.telling.add(w.name);
    if (completion) {
      this.held.set(w.name, { w, from, seq, at, since: now, followUp: false });
      return;
    }
    if (turnEnd) w = { ...w, reason: TURN_END };
    // A live pane's last look is its current screen. An ended one's is stale: its dead pane is
    // captured after this pass, together with every other exit of the pass, in ONE tmux call.
    if (screen && !isEnded(w.state)) return this.dispatch(w, from, seq, at, screen);
    this.ended.push({ w, from, seq, at });
  }

  /** Not yet noticed in this state and pass (by this supervisor or a predecessor). */
  isNew(w: WorkcellSummary): boolean {
    const prev = this.d.seen.get(w.name);
    return !prev || prev.state !== w.state || prev.pass !== w.pass;
  }

  /** verify.sh exists and has not yet reported for this pass's exit. */
  private awaitsVerify(w: WorkcellSummary): boolean {
    if (this.d.verifyAt() === 'turn' || !existsSync(join(w.runDir, RUN_FILES.verify))) return false;
    return !(w.verify.ran && w.verify.trigger === 'exit');
  }

  /** Releases held completions whose verify landed (or whose wait ran out), given the fresh list. */
  releaseHeld(fleet: WorkcellSummary[], now: number): void {
    for (const [name, h] of this.held) {
      const w = fleet.find((x) => x.name === name);
      if (!w || w.pass !== h.w.pass) {
        this.held.delete(name);
        this.telling.delete(name);
        this.d.seen.release(name);
        continue;
      }
      const verdict = w.verify.ran && w.verify.trigger === 'exit';
      if (verdict) {
        this.held.delete(name);
        const id = h.followUp ? `${changeId(name, w.pass, h.seq, w.state)}:verify` : undefined;
        this.ended.push({ w, from: h.from, seq: h.seq, at: h.at, ...(id ? { id } : {}) });
      } else if (!h.followUp && now - h.since >= this.verifyWaitMs) {
        h.followUp = true;
        this.ended.push({ w: { ...w, verified: null }, from: h.from, seq: h.seq, at: h.at, pending: true });
      }
    }
  }

  /** When the earliest held completion times out (for the supervisor's timer), or null. */
  nextDue(): number | null {
    let due: number | null = null;
    for (const h of this.held.values())
      if (!h.followUp && (due === null || h.since + this.verifyWaitMs < due))
        due = h.since + this.verifyWaitMs;
    return due;
  }

  get holding(): number {
    return this.held.size;
  }

  /** The excerpt of each workcell that just ended is its dead pane's screen (a TUI's log is
   * cursor-motion soup), read for all of them with one tmux call: spawning a process per exit blocked
   * the loop ~100 ms each when 50 agents ended at once. Falls back to the log's end. */
  async flush(): Promise<void> {
    const reports = this.ended.splice(0);
    if (reports.length === 0) return;
    // In a burst the tmux server is the busiest process on the machine (200 exits: captures took 3 s):
    // then each excerpt comes from the end of the agent's own log instead.
    const withPane =
      reports.length > BURST_CAPTURE_MAX ? [] : reports.filter((r) => r.w.pane).map((r) => r.w.name);
    const screens = withPane.length
      ? await this.d.capture(withPane, EXCERPT_SCREEN_LINES)
      : new Map<string, string>();
    for (const r of reports) {
      const text =
        screens.get(r.w.name) ?? (await readTail(`${r.w.runDir}/agent.log`, 4_096).catch(() => '')); // run dir removed meanwhile
      this.dispatch(r.w, r.from, r.seq, r.at, text, r);
    }
    // Let the sends leave before the caller goes on to list and look at the whole fleet: that work is
    // synchronous file reads and tmux calls, and it held a single exit's notification back ~50 ms.
    // One turn of the loop is enough for them to start; waiting for each intent's fsync as well held a
    // burst's later exits back ~800 ms (traced at load 30). Nothing depends on that wait: each change's
    // `telling` mark and seen-ledger release follow its own intent write (dispatch).
    await new Promise((r) => setImmediate(r));
  }

  private dispatch(
    w: WorkcellSummary,
    from: WorkcellState | null,
    seq: number,
    at: string,
    excerpt: string,
    extra: { id?: string; pending?: boolean } = {},
  ): void {
    if ((w.state === 'failed' || w.state === 'done') && !w.reason) w = this.d.endReason(w, excerpt);
    const completion = w.state === 'done' || w.state === 'failed' || w.reason === TURN_END;
    const verify = !completion
      ? null
      : w.verify.ran || extra.pending
        ? {
            ran: w.verify.ran && !extra.pending,
            exitCode: extra.pending ? null : w.verify.exitCode,
            ...(w.verify.outputTail ? { tail: w.verify.outputTail } : {}),
            ...(extra.pending ? { pending: true } : {}),
          }
        : null;
    const change: SupervisorChange = {
      id: extra.id ?? changeId(w.name, w.pass, seq, w.state),
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
      verified: extra.pending ? null : w.verified,
      verify,
      runDir: w.runDir,
      repo: w.repo,
      startedAt: w.startedAt,
      excerpt,
      summary: w,
    };
    this.d.log(
      `${w.name}: ${from ?? 'new'} -> ${w.state}${w.reason ? ` [${w.reason}]` : ''}${
        w.evidence ? ` (${w.evidence.source}: ${w.evidence.detail})` : ''
      }${verify ? ` verify: ${verify.pending ? 'still running' : verify.exitCode === 0 ? 'passed' : `failed (${verify.exitCode})`}` : ''}`,
    );
    this.onChange.fire(change);
    // `held` is cleared once the dispatcher has the intent on disk (notify resolves then).
    const told = this.d.dispatcher.notify(change);
    this.intents.add(told);
    void told.finally(() => this.intents.delete(told)).catch(() => undefined);
    void told.then(() => {
      if (extra.pending) return; // the verdict is still owed
      this.telling.delete(w.name);
      this.d.seen.release(w.name);
    });
  }

  forget(present: Set<string>): void {
    this.d.seen.forget(present);
    for (const name of this.held.keys()) if (!present.has(name)) this.held.delete(name);
    for (const name of this.telling) if (!present.has(name)) this.telling.delete(name);
  }

  /** Waits for the intents in flight (their seen-ledger releases follow them), then writes the ledger. */
  async flushSeen(): Promise<void> {
    await Promise.allSettled([...this.intents]);
    await new Promise((r) => setImmediate(r)); // the releases chained on each intent run first
    return this.d.seen.flush();
  }

  dispose(): void {
    this.onChange.dispose();
  }
}
