// The loop driver: picks the next open item, runs an iteration, records the verdict, applies the
// guardrails (max iterations, per-item retry cap, circuit breaker, usage-limit waits that cost
// nothing). It holds the loop's lock (ownerLock.ts) and writes state.json after every step, so a
// runner killed anywhere resumes at the right item: an iteration in flight is adopted (its workcell
// waited for and judged), never started a second time.
import { readFile } from 'node:fs/promises';
import { exists, writeTextAtomic } from '../fsutil.js';
import type { Engine } from '../engine.js';
import { snapshotTree, headOf } from './evidence.js';
import { buildBrief, gather, judge, repoRules, waitForEnd, type Ended } from './iteration.js';
import {
  LOOP_DEFAULTS,
  isSuccess,
  type IterationRecord,
  type LoopFiles,
  type LoopState,
  type Outcome,
} from './loopState.js';
import { limitedAtEnd } from './endScreen.js';
import { killPoint } from './killPoint.js';
import { limitPark } from './limitPark.js';
import { noteWorkcell, stillOwned } from './ownerLock.js';
import { parsePrd, setBox } from './prd.js';

export interface RunnerOptions {
  pollMs?: number;
  now?: () => Date;
  /** Called when the breaker opens, with why (runnerNotice.ts hands it to the daemon's notifiers). */
  notify?: (detail: string, s: LoopState) => void | Promise<void>;
  sleep?: (ms: number) => Promise<void>;
  /** [0,1) for the reset's jitter (recovery/plan.ts dueOf); injected in tests. */
  rand?: () => number;
  /** Called with the loop's final state just before it is written (runnerNotice.ts: the end notice
   * goes to disk first, so a runner killed between the two loses no notice). */
  onEnd?: (s: LoopState) => void | Promise<void>;
}

// Status polls while an iteration runs: short, so the loop adds little to each iteration's time
// (one status.json read per poll; a tmux call only every 20th).
const POLL_MS = 100;
// The same error this many times among the last SAME_ERROR_WINDOW iterations opens the breaker even
// with successes in between (a flaky environment); consecutive failures are the noProgress rule.
const SAME_ERROR_WINDOW = 10;

export class LoopRunner {
  private readonly now: () => Date;
  private readonly pollMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly rand: () => number;

  constructor(
    private readonly engine: Engine,
    private readonly files: LoopFiles,
    private readonly o: RunnerOptions = {},
  ) {
    this.now = o.now ?? (() => new Date());
    this.pollMs = o.pollMs ?? POLL_MS;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.rand = o.rand ?? Math.random;
  }

  /** Runs until the loop is done, stopped, out of iterations, or its breaker opens. */
  async run(): Promise<LoopState> {
    let s = (await this.files.readState())!;
    for (;;) {
      if (!stillOwned(this.engine.dir, 'loop', s.name)) {
        await this.files.event('lock_lost', {
          detail: 'another runner took this loop over (--force): stopping',
        });
        return s;
      }
      const control = (await this.files.readControl()) ?? {};
      if (control.max !== undefined && control.max !== s.max) {
        await this.files.event('max_changed', { from: s.max, to: control.max });
        s.max = control.max;
      }
      if (s.current) {
        const next = await this.finishIteration(s);
        if (!next) continue; // the lock was taken over meanwhile: the check above ends this runner
        s = next;
        continue;
      }
      if (control.stop) return this.settle(s, 'stopped', 'stopped by the user');
      if (s.breaker.open) return this.settle(s, 'breaker_open', s.breaker.reason);
      if (s.iteration >= s.max)
        return this.settle(s, 'max_reached', `${s.iteration} iterations (the maximum)`);
      const next = await this.nextItem(s);
      if (next === null) return this.settle(s, 'done', 'every item of the checklist is closed');
      s = await this.startIteration(s, next);
    }
  }

  /** The first open item: not ticked in the PRD, not closed by an earlier iteration; an item past the
   * retry cap is skipped (recorded, with its reason) on the way. */
  private async nextItem(s: LoopState): Promise<string | null> {
    const items = parsePrd(await readFile(s.prd, 'utf8'));
    for (const it of items) {
      if (it.done) continue;
      const st = (s.items[it.text] ??= { text: it.text, attempts: 0, outcome: null, reason: null });
      if (isSuccess(st.outcome) || st.outcome === 'skipped') continue;
      if (st.attempts >= s.retryCap) {
        st.outcome = 'skipped';
        st.reason = `${st.attempts} attempts without success (last: ${st.reason ?? 'unknown'})`;
        this.record(s, { item: it.text, outcome: 'skipped', reason: st.reason });
        await this.files.event('skipped', { item: it.text, reason: st.reason });
        await this.save(s);
        continue;
      }
      return it.text;
    }
    return null;
  }

  private async startIteration(s: LoopState, itemText: string): Promise<LoopState> {
    const n = s.iteration + 1;
    const workcell = s.waits > 0 ? `${s.name}-${n}w${s.waits}` : `${s.name}-${n}`;
    const [tree, head] = await Promise.all([snapshotTree(s.repo), headOf(s.repo)]);
    s.current = { item: itemText, itemText, workcell, startedAt: this.now().toISOString(), tree, head };
    await this.save(s);
    return this.launch(s);
  }

  /** Starts the current iteration's workcell (again, when a runner died before it got going). */
  private async launch(s: LoopState): Promise<LoopState> {
    const cur = s.current!;
    const n = s.iteration + 1;
    await noteWorkcell(this.engine.dir, 'loop', s.name, cur.workcell);
    const r = await this.engine.start({
      name: cur.workcell,
      repo: s.repo,
      agent: s.agent,
      objective: buildBrief(s, cur.itemText, await repoRules(s.repo), n),
      verify: s.verify ?? undefined,
      args: s.args,
      headless: s.headless,
    });
    await this.files.event('iteration_started', { n, item: cur.itemText, workcell: cur.workcell, ok: r.ok });
    if (!r.ok) {
      // Nothing ran: a failed iteration with the engine's message (an agent missing, a name in use).
      return this.conclude(s, { outcome: 'failed', reason: r.error.message, untick: false }, null, [], 0);
    }
    return s;
  }

  private async relaunchAs(s: LoopState, workcell: string): Promise<LoopState> {
    s.current!.workcell = workcell;
    await this.files.event('relaunch', { workcell, item: s.current!.itemText });
    await this.save(s);
    return this.launch(s);
  }

  /** Waits for the iteration in flight (started now or before a restart) and records its verdict. */
  private async finishIteration(s: LoopState): Promise<LoopState | null> {
    const cur = s.current!;
    if (!(await this.engine.store.readStatus(cur.workcell))) {
      // A runner killed between choosing the item and the workcell's creation: start it now. A run
      // dir with no status.json is a start cut short by that kill; its name stays taken, so the
      // relaunch gets a suffix.
      const taken = await exists(this.engine.dir.runDir(cur.workcell));
      return this.relaunchAs(s, taken ? `${cur.workcell}b` : cur.workcell);
    }
    const ended = await waitForEnd(this.engine, cur.workcell, {
      pollMs: this.pollMs,
      timeoutMs: Math.max(0, Date.parse(cur.startedAt) + s.timeoutMs - this.now().getTime()),
      now: () => this.now().getTime(),
      stopRequested: async () => (await this.files.readControl())?.stop === true,
    });
    // Taken over (--force) while we waited: the new owner judges this iteration, not us.
    if (!stillOwned(this.engine.dir, 'loop', s.name)) return null;
    if (!ended) {
      // The run dir went away before the iteration could be judged (a start cut short by a kill
      // removes its half-made run dir, or a user removed it): nothing to judge, so it is started
      // again from the same snapshot (the change is still measured from before the first try).
      return this.relaunchAs(s, `${cur.workcell}b`);
    }
    const { judged, notes, change } = await gather(this.engine, s, ended, cur);
    const verdict = judge(judged);
    const limit = await limitedAtEnd(this.engine, ended, verdict.outcome, this.now());
    if (limit.sawLimit && !isSuccess(verdict.outcome) && verdict.outcome !== 'cancelled') {
      return this.limitWait(s, limit);
    }
    if (verdict.untick) await this.untick(s, cur.itemText, verdict.reason);
    if (notes) {
      for (const m of notes.matchAll(/^PATTERN:\s*(.+)$/gm))
        if (!s.patterns.includes(m[1]!.trim())) s.patterns.push(m[1]!.trim());
    }
    return this.conclude(s, verdict, ended, change.files, change.commits, notes, judged.verify);
  }

  /** A usage limit: no iteration and no retry consumed; the same item again when the recovery
   * playbook says the limit has reset (limitPark.ts). */
  private async limitWait(s: LoopState, ended: Ended): Promise<LoopState> {
    const now = this.now().getTime();
    const park = await limitPark(this.engine.dir, ended.status, now, this.rand());
    await this.files.event('usage_limit_wait', {
      workcell: s.current!.workcell,
      waitMs: park.until - now,
      resetAt: ended.status.resetAt,
      why: park.why,
    });
    s.current = null;
    s.waits += 1;
    await this.save(s);
    await this.sleep(park.until - now);
    return s;
  }

  private async untick(s: LoopState, itemText: string, reason: string | null): Promise<void> {
    const text = await readFile(s.prd, 'utf8');
    const next = setBox(text, itemText, false);
    if (next !== null && next !== text) await writeTextAtomic(s.prd, next, 0o644);
    await this.files.event('unticked', { item: itemText, reason });
  }

  private async conclude(
    s: LoopState,
    verdict: { outcome: Outcome; reason: string | null; untick: boolean },
    ended: Ended | null,
    files: string[],
    commits: number,
    notes: string | null = null,
    verify: IterationRecord['verify'] = 'none',
  ): Promise<LoopState> {
    const cur = s.current!;
    s.iteration += 1;
    const item = (s.items[cur.itemText] ??= { text: cur.itemText, attempts: 0, outcome: null, reason: null });
    item.attempts += 1;
    item.outcome = verdict.outcome;
    item.reason = verdict.reason;
    const exit = ended ? await this.engine.store.readExit(ended.status.name) : null;
    const agentMs = exit ? Date.parse(exit.endedAt) - Date.parse(ended!.status.startedAt) : null;
    // The finisher's share (the wrapper's wait for the daemon, verify.sh, the git summary): its own
    // figure, so the loop's overhead is told apart from the check the user asked for.
    const finished = ended
      ? (await this.engine.store.readEvents(ended.status.name)).find((e) => e.type === 'finished')
      : undefined;
    const finishMs = exit && finished ? Date.parse(finished.at) - Date.parse(exit.endedAt) : null;
    this.record(s, {
      item: cur.itemText,
      outcome: verdict.outcome,
      reason: verdict.reason,
      workcell: cur.workcell,
      startedAt: cur.startedAt,
      files,
      commits,
      verify,
      agentMs,
      finishMs,
      notes,
    });
    this.updateBreaker(s, verdict);
    s.current = null;
    await this.files.event('iteration_ended', {
      n: s.iteration,
      item: cur.itemText,
      outcome: verdict.outcome,
      reason: verdict.reason,
      files,
    });
    // The breaker's notice before the state that opens it: a runner killed between the two judges the
    // same iteration again on resume and re-posts the same notice id (deduped), instead of losing it.
    if (s.breaker.open) {
      await this.files.event('breaker_open', { reason: s.breaker.reason });
      await this.o.notify?.(s.breaker.reason ?? 'circuit breaker open', s);
    }
    await this.save(s);
    await noteWorkcell(this.engine.dir, 'loop', s.name, null);
    return s;
  }

  private updateBreaker(s: LoopState, v: { outcome: Outcome; reason: string | null }): void {
    const b = s.breaker;
    if (isSuccess(v.outcome)) {
      b.noProgress = 0;
    } else {
      b.noProgress += 1;
    }
    b.lastError = isSuccess(v.outcome) ? null : v.reason;
    const window = s.iterations.slice(-SAME_ERROR_WINDOW).filter((i) => i.outcome !== 'skipped');
    b.sameError = b.lastError ? window.filter((i) => i.reason === b.lastError).length : 0;
    if (b.noProgress >= LOOP_DEFAULTS.breaker.noProgress) {
      b.open = true;
      b.reason = `${b.noProgress} iterations in a row closed no item (last: ${v.outcome}${v.reason ? `, ${v.reason}` : ''})`;
    } else if (b.sameError >= LOOP_DEFAULTS.breaker.sameError) {
      b.open = true;
      b.reason = `the same error ${b.sameError} times in the last ${window.length} iterations: ${b.lastError}`;
    }
  }

  private record(
    s: LoopState,
    r: Partial<IterationRecord> & { item: string; outcome: Outcome; reason: string | null },
  ): void {
    const start = r.startedAt ?? this.now().toISOString();
    const end = this.now().toISOString();
    s.iterations.push({
      n: s.iteration,
      item: r.item,
      itemText: r.item,
      workcell: r.workcell ?? '',
      startedAt: start,
      endedAt: end,
      outcome: r.outcome,
      reason: r.reason,
      files: r.files ?? [],
      commits: r.commits ?? 0,
      verify: r.verify ?? 'none',
      ms: Date.parse(end) - Date.parse(start),
      agentMs: r.agentMs ?? null,
      finishMs: r.finishMs ?? null,
      notes: r.notes ?? null,
    });
  }

  private async settle(s: LoopState, status: LoopState['status'], reason: string | null): Promise<LoopState> {
    s.status = status;
    s.statusReason = reason;
    await this.o.onEnd?.(s);
    await this.files.event('loop_' + status, { reason });
    await this.save(s);
    killPoint('final-state');
    return s;
  }

  private async save(s: LoopState): Promise<void> {
    s.updatedAt = this.now().toISOString();
    await this.files.writeState(s);
  }
}
