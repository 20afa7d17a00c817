// `--parallel K`: up to K items at once, each in its own git worktree and branch
// (workcell/<loop>/<item>) made from the loop's base commit, started at least `staggerMs` apart
// (vendors rate-limit bursts of new sessions). An item that succeeds (signal + change + verify, judged
// in its worktree) is merged back into the repo one at a time; a clean merge removes the worktree and
// ticks the item in the repo's PRD, a conflict aborts the merge and keeps the worktree and branch for
// the user, and says so, as does a failed verify. Each worktree holds its own lock (ownerLock.ts).
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { readFile } from 'node:fs/promises';
import { writeTextAtomic } from '../fsutil.js';
import type { Engine } from '../engine.js';
import { git, headOf, snapshotTree } from './evidence.js';
import { buildBrief, gather, judge, repoRules, waitForEnd, type Ended } from './iteration.js';
import { limitedAtEnd } from './endScreen.js';
import { killPoint } from './killPoint.js';
import { limitPark } from './limitPark.js';
import {
  LOOP_DEFAULTS,
  isSuccess,
  type IterationRecord,
  type LoopFiles,
  type LoopState,
  type Outcome,
} from './loopState.js';
import { acquireOwner, releaseOwner, stillOwned, worktreeKey } from './ownerLock.js';
import { itemSlug, parsePrd, setBox } from './prd.js';

export interface Inflight {
  n: number;
  itemText: string;
  workcell: string;
  worktree: string;
  branch: string;
  startedAt: string;
  tree: string | null;
  head: string | null;
}

export interface ParallelOptions {
  k: number;
  staggerMs: number;
  pollMs: number;
  /** [0,1) for a usage limit's reset jitter (recovery/plan.ts dueOf); injected in tests. */
  rand?: () => number;
  /** The clock (ms since epoch) for start times, limit resets and parking; injected in tests. The
   * stagger between starts is real time (it paces the vendor, not the loop's record). */
  now?: () => number;
  /** Called with the final state just before it is written (as LoopRunner's onEnd). */
  onEnd?: (s: LoopState) => void | Promise<void>;
}

type Verdict = { outcome: Outcome; reason: string | null };

// While items are parked on a usage limit and nothing runs, the control file (a stop) is looked at
// this often.
const PARK_POLL_MS = 1_000;

export class ParallelRunner {
  private chain: Promise<unknown> = Promise.resolve(); // merges and state writes, one at a time
  private lastStart = 0;
  private readonly now: () => number;

  constructor(
    private readonly engine: Engine,
    private readonly files: LoopFiles,
    private readonly o: ParallelOptions,
  ) {
    this.now = o.now ?? Date.now;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  async run(): Promise<LoopState> {
    const s = (await this.files.readState())!;
    s.base ??= await this.base(s.repo);
    s.inflight ??= {};
    const running = new Map<string, Promise<void>>();
    // Adopt what a killed runner left in flight.
    for (const f of Object.values(s.inflight)) running.set(f.itemText, this.follow(s, f));
    for (;;) {
      if (!stillOwned(this.engine.dir, 'loop', s.name)) break;
      const control = (await this.files.readControl()) ?? {};
      if (control.max !== undefined) s.max = control.max;
      const reserved = s.iteration + running.size;
      const open =
        control.stop || s.breaker.open || reserved >= s.max ? null : await this.nextItem(s, running);
      if (open !== null && running.size < this.o.k) {
        const f = await this.prepare(s, open, reserved + 1);
        running.set(
          open,
          this.follow(s, f).finally(() => running.delete(open)),
        );
        continue;
      }
      // Items waiting out a usage limit: wake when the first may start again (or a stop is asked).
      const parkedDue = control.stop || s.breaker.open || reserved >= s.max ? null : this.firstParked(s);
      if (running.size === 0 && parkedDue === null) break;
      const waits: Promise<unknown>[] = [...running.values()];
      if (parkedDue !== null)
        waits.push(
          new Promise((r) => setTimeout(r, Math.min(PARK_POLL_MS, Math.max(0, parkedDue - this.now())))),
        );
      await Promise.race(waits);
    }
    await this.chain;
    const left = (await this.files.readControl()) ?? {};
    const status = s.breaker.open
      ? 'breaker_open'
      : s.iteration >= s.max
        ? 'max_reached'
        : (await this.nextItem(s, running)) === null && this.firstParked(s) === null
          ? 'done'
          : 'stopped';
    s.status = status;
    s.statusReason =
      status === 'breaker_open'
        ? s.breaker.reason
        : status === 'stopped' && left.stop
          ? 'stopped by the user'
          : null;
    await this.o.onEnd?.(s);
    await this.serial(() => this.files.writeState(s));
    killPoint('final-state');
    await this.files.event(`loop_${status}`, {});
    return s;
  }

  /** The earliest time a parked item may start again (ms), or null when none is parked. */
  private firstParked(s: LoopState): number | null {
    const times = Object.values(s.parked ?? {}).map((t) => Date.parse(t));
    return times.length ? Math.min(...times) : null;
  }

  private async base(repo: string): Promise<{ branch: string; head: string }> {
    const branch = (await git(repo, ['symbolic-ref', '--short', 'HEAD'])).stdout;
    return { branch, head: (await headOf(repo))! };
  }

  private async nextItem(s: LoopState, running: Map<string, unknown>): Promise<string | null> {
    for (const it of parsePrd(await readFile(s.prd, 'utf8'))) {
      if (it.done || running.has(it.text)) continue;
      const st = s.items[it.text];
      if (st && (isSuccess(st.outcome) || st.outcome === 'skipped' || st.attempts >= s.retryCap)) continue;
      const parked = s.parked?.[it.text];
      if (parked && Date.parse(parked) > this.now()) continue;
      return it.text;
    }
    return null;
  }

  /** The item's worktree and branch from the base commit, its lock, and its workcell. */
  private async prepare(s: LoopState, itemText: string, n: number): Promise<Inflight> {
    const item = parsePrd(await readFile(s.prd, 'utf8')).find((i) => i.text === itemText)!;
    const slug = itemSlug(item);
    const attempt = s.items[itemText]?.attempts ?? 0;
    // After a usage-limit wait the item starts afresh under new names: the interrupted attempt's
    // worktree and branch are kept (its partial work is the user's to look at or remove with gc).
    const tag = `${attempt ? `-${attempt + 1}` : ''}${s.waits ? `-w${s.waits}` : ''}`;
    const branch = `workcell/${s.name}/${slug}${tag}`;
    const worktree = join(this.engine.dir.root, 'worktrees', s.name, `${slug}${tag}`);
    await mkdir(join(this.engine.dir.root, 'worktrees', s.name), { recursive: true, mode: 0o700 });
    const add = await git(s.repo, ['worktree', 'add', '-q', '-b', branch, worktree, s.base!.head]);
    // n repeats after a park (a parked item gives its iteration back while a later one may hold the
    // same number): a name already used gets a suffix, never a NAME_IN_USE that costs the item.
    const base = s.waits ? `${s.name}-${n}w${s.waits}` : `${s.name}-${n}`;
    let workcell = base;
    for (let k = 2; existsSync(this.engine.dir.runDir(workcell)); k++) workcell = `${base}r${k}`;
    if (s.parked) delete s.parked[itemText];
    // The stagger paces the agents' starts (what a vendor sees), so it is waited out here, after the
    // worktree is made: before it, a slow `git worktree add` then a fast one let starts come closer.
    const wait = this.lastStart + this.o.staggerMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    this.lastStart = Date.now();
    const f: Inflight = {
      n,
      itemText,
      workcell,
      worktree,
      branch,
      startedAt: new Date(this.now()).toISOString(),
      tree: null,
      head: null,
    };
    s.inflight![itemText] = f;
    await this.serial(() => this.files.writeState(s));
    if (add.code !== 0) return f; // follow() records it as failed: the worktree could not be made
    await acquireOwner(this.engine.dir, 'worktree', worktreeKey(worktree), {
      workcell,
      worktree,
      force: true,
    });
    [f.tree, f.head] = await Promise.all([snapshotTree(worktree), headOf(worktree)]);
    const view = this.view(s, f);
    const r = await this.engine.start({
      name: workcell,
      repo: worktree,
      agent: s.agent,
      objective: buildBrief(view, itemText, await repoRules(s.repo), n),
      verify: s.verify ?? undefined,
      args: s.args,
      headless: s.headless,
    });
    await this.files.event('iteration_started', { n, item: itemText, workcell, worktree, branch, ok: r.ok });
    return f;
  }

  /** The loop's state as seen from one worktree: its repo and PRD are the worktree's. */
  private view(s: LoopState, f: Inflight): LoopState {
    const prd = join(f.worktree, relative(s.repo, s.prd));
    return {
      ...s,
      repo: f.worktree,
      prd,
      current: {
        item: f.itemText,
        itemText: f.itemText,
        workcell: f.workcell,
        startedAt: f.startedAt,
        tree: f.tree,
        head: f.head,
      },
    };
  }

  private async follow(s: LoopState, f: Inflight): Promise<void> {
    const ended = await waitForEnd(this.engine, f.workcell, {
      pollMs: this.o.pollMs,
      timeoutMs: Math.max(0, Date.parse(f.startedAt) + s.timeoutMs - this.now()),
      now: this.now,
      stopRequested: async () => (await this.files.readControl())?.stop === true,
    });
    let v: Verdict;
    let files: string[] = [];
    let commits = 0;
    let verify: IterationRecord['verify'] = 'none';
    if (!ended)
      v = { outcome: 'failed', reason: `workcell ${f.workcell} did not start (worktree ${f.worktree})` };
    else {
      const view = this.view(s, f);
      const g = await gather(this.engine, view, ended, f);
      ({ files, commits } = g.change);
      verify = g.judged.verify;
      const j = judge(g.judged);
      const limit = await limitedAtEnd(this.engine, ended, j.outcome, new Date(this.now()));
      if (limit.sawLimit && !isSuccess(j.outcome) && j.outcome !== 'cancelled') return this.park(s, f, limit);
      v = j;
      if (j.untick) {
        const t = await readFile(view.prd, 'utf8');
        const next = setBox(t, f.itemText, false);
        if (next !== null) await writeTextAtomic(view.prd, next, 0o644);
      }
      if (isSuccess(j.outcome)) v = await this.serial(() => this.merge(s, f, j));
      else v = { ...j, reason: `${j.reason}; kept worktree ${f.worktree} and branch ${f.branch}` };
    }
    await this.serial(async () => {
      this.conclude(s, f, v, files, commits, verify);
      delete s.inflight![f.itemText];
      await this.files.writeState(s);
    });
    await this.files.event('iteration_ended', {
      n: f.n,
      item: f.itemText,
      outcome: v.outcome,
      reason: v.reason,
      branch: f.branch,
    });
  }

  /** A usage limit ended this item's attempt: it waits (no iteration, no retry consumed) until the
   * recovery playbook's time for the reset, while the other items go on. */
  private async park(s: LoopState, f: Inflight, ended: Ended): Promise<void> {
    const now = this.now();
    const p = await limitPark(this.engine.dir, ended.status, now, (this.o.rand ?? Math.random)());
    await this.serial(async () => {
      delete s.inflight![f.itemText];
      (s.parked ??= {})[f.itemText] = new Date(p.until).toISOString();
      s.waits += 1;
      await this.files.writeState(s);
    });
    releaseOwner(this.engine.dir, 'worktree', worktreeKey(f.worktree));
    await this.files.event('usage_limit_wait', {
      item: f.itemText,
      workcell: f.workcell,
      waitMs: p.until - now,
      resetAt: ended.status.resetAt,
      why: p.why,
      kept: { worktree: f.worktree, branch: f.branch },
    });
  }

  /** Merges the item's branch into the repo's base branch; a conflict is aborted and kept. */
  private async merge(s: LoopState, f: Inflight, j: Verdict): Promise<Verdict> {
    const on = (await git(s.repo, ['symbolic-ref', '--short', 'HEAD'])).stdout;
    if (on !== s.base!.branch)
      return {
        outcome: 'failed',
        reason: `not merged: the repo is on ${on}, not the loop's base ${s.base!.branch}; kept worktree ${f.worktree} and branch ${f.branch}`,
      };
    const m = await git(s.repo, [
      '-c',
      'user.name=workcell loop',
      '-c',
      'user.email=loop@workcell.invalid',
      'merge',
      '--no-ff',
      '--no-edit',
      '-m',
      `loop ${s.name}: ${f.itemText}`,
      f.branch,
    ]);
    if (m.code !== 0) {
      await git(s.repo, ['merge', '--abort']);
      return {
        outcome: 'failed',
        reason: `merge conflict: kept worktree ${f.worktree} and branch ${f.branch} for you (${m.stdout.split('\n').find((l) => l.startsWith('CONFLICT')) ?? m.stderr})`,
      };
    }
    const prd = await readFile(s.prd, 'utf8');
    const ticked = setBox(prd, f.itemText, true);
    if (ticked !== null) await writeTextAtomic(s.prd, ticked, 0o644);
    await git(s.repo, ['worktree', 'remove', '--force', f.worktree]);
    releaseOwner(this.engine.dir, 'worktree', worktreeKey(f.worktree));
    return { outcome: j.outcome, reason: `merged ${f.branch} into ${s.base!.branch}` };
  }

  private conclude(
    s: LoopState,
    f: Inflight,
    v: Verdict,
    files: string[],
    commits: number,
    verify: IterationRecord['verify'],
  ): void {
    s.iteration += 1;
    const item = (s.items[f.itemText] ??= { text: f.itemText, attempts: 0, outcome: null, reason: null });
    item.attempts += 1;
    item.outcome = v.outcome;
    item.reason = v.reason;
    const end = new Date(this.now()).toISOString();
    s.iterations.push({
      n: f.n,
      item: f.itemText,
      itemText: f.itemText,
      workcell: f.workcell,
      startedAt: f.startedAt,
      endedAt: end,
      outcome: v.outcome,
      reason: v.reason,
      files,
      commits,
      verify,
      ms: Date.parse(end) - Date.parse(f.startedAt),
      agentMs: null,
      finishMs: null,
      notes: null,
    });
    const b = s.breaker;
    b.noProgress = isSuccess(v.outcome) ? 0 : b.noProgress + 1;
    if (b.noProgress >= LOOP_DEFAULTS.breaker.noProgress && !b.open) {
      b.open = true;
      b.reason = `${b.noProgress} iterations in a row closed no item (last: ${v.reason})`;
    }
  }
}
