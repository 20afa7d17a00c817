import { existsSync, promises as fs, statSync } from 'node:fs';
import { staleMarker } from './housekeeping/stale.js';
import { join } from 'node:path';
import {
  NAME_PATTERN,
  isEnded,
  validateName,
  type ListingProblem,
  verifiedOf,
  type WorkcellStatus,
  type WorkcellSummary,
} from '../common/workcell.js';
import { lastLineOf, readTail, stripAnsi, writeJsonAtomic } from './fsutil.js';
import { ControlDir, RUN_FILES } from './paths.js';
import {
  lazyTable,
  liveIn,
  identify,
  readProcRecord,
  readVerifyRecord,
  terminate,
  type Ended,
  type ProcRecord,
  type ProcTable,
} from './processes.js';
import { withNameLock } from './nameLock.js';
import { LAUNCH_GRACE_MS, deriveState } from './reconcile.js';
import { err, ok, type Result } from './result.js';
import { BrokenRunError, brokenRun, ghostSession, unreadable } from './runCheck.js';
import { RunStore } from './runStore.js';
import { recoverySummaryOf } from './recovery/summary.js';
import { recoverySettings } from './recovery/guard.js';
import { Transitions } from './transition.js';
import type { Reply, ReplyOutcome, ReplySource } from './reply.js';
import type { StartOptions } from './start.js';
import type { ResumeOptions } from './resume.js';
import { Tmux, type PaneInfo } from './tmux.js';

// How much of agent.log is read for the last line: enough for a TUI redraw, small enough for 100 cells.
const LAST_LINE_BYTES = 8_192;
// kill: TERM the workcell's processes, then KILL after this grace (gemini-cli ignores SIGHUP).
const KILL_GRACE_MS = 3_000;

/** What gc did: sessions closed, run dirs removed, orphans reaped, run dirs kept because
 * processes of theirs still run, and workcells skipped because another command was working on them. */
export interface GcOutcome {
  closed: string[];
  removed: string[];
  reaped: { name: string; ended: Ended[] }[];
  keptLive: { name: string; pids: number[] }[];
  busy: string[];
  /** Sessions closed whose run dir was gone. */
  ghosts: string[];
  /** Run dirs that cannot be read, left alone (see `workcell ls` for each one's fix). */
  broken: string[];
}

/** What kill did. `finisherStopped`: the agent had already exited and kill stopped its finisher
 * (a verify.sh still running, the git summary). */
export interface Reaped {
  status: WorkcellStatus;
  ended: Ended[];
  finisherStopped?: boolean;
}

export type Artifact = 'brief' | 'handoff' | 'verifyLog' | 'events' | 'status' | 'log';

/** The workcell engine: start, list, peek, kill, gc. Every method returns expected failures as values. */
export class Engine {
  readonly store: RunStore;

  constructor(
    readonly dir: ControlDir,
    readonly tmux: Tmux,
  ) {
    this.store = new RunStore(dir);
  }

  async start(o: StartOptions): Promise<Result<WorkcellStatus>> {
    const bad = validateName(o.name);
    if (bad) return { ok: false, error: bad };
    // start, resume and finish (and their agent/hook modules) load on first use: `ls` never pays.
    const { startWorkcell } = await import('./start.js');
    return withNameLock(this.dir, o.name, () => startWorkcell(this.dir, this.tmux, this.store, o));
  }

  /** Every workcell that can be read, with ONE tmux call for all panes. Broken run dirs and ghost
   * sessions are left out (see `listing`): the supervisor, the tray and the dashboard skip them. */
  async list(): Promise<Result<WorkcellSummary[]>> {
    const r = await this.listing();
    return r.ok ? ok(r.value.workcells) : r;
  }

  /** The fleet and what is wrong beside it: run dirs that cannot be read (`broken`, each with its
   * reason, never taking the others down) and sessions of ours whose run dir is gone (`ghost`). */
  async listing(): Promise<Result<Listing>> {
    const [names, panes] = await Promise.all([this.store.listNames(), this.tmux.listPanes()]);
    if (!names.ok) return names;
    if (!panes.ok) return panes;
    const bySession = new Map<string, PaneInfo>();
    for (const p of panes.value) if (!bySession.has(p.session)) bySession.set(p.session, p);
    const now = new Date();
    const table = lazyTable(); // one process scan per list, and none while every pane is alive
    const out = await Promise.all(
      names.value.map((n) => this.inspect(n, bySession.get(n) ?? null, now, table)),
    );
    const workcells: WorkcellSummary[] = [];
    const problems: ListingProblem[] = [];
    for (const s of out) {
      if (s && isProblem(s)) problems.push(s);
      else if (s) workcells.push(s);
    }
    // Sessions with a workcell's name (ours start with `_`) and no run dir: deleted under a running
    // workcell, they block the name until closed (`gc` does).
    const dirs = new Set(names.value);
    for (const session of bySession.keys())
      if (NAME_PATTERN.test(session) && !dirs.has(session))
        problems.push(ghostSession(session, this.dir.runDir(session)));
    return ok({ workcells, problems });
  }

  async status(name: string): Promise<Result<WorkcellSummary>> {
    const bad = validateName(name);
    if (bad) return { ok: false, error: bad };
    const panes = await this.tmux.listPanes();
    if (!panes.ok) return panes;
    const pane = panes.value.find((p) => p.session === name) ?? null;
    const s = await this.inspect(name, pane, new Date());
    if (s && isProblem(s)) return err('BROKEN_RUN', `workcell ${name} is broken: ${s.reason}; ${s.fix}`);
    if (!s && pane && !existsSync(this.dir.runDir(name))) {
      const g = ghostSession(name, this.dir.runDir(name));
      return err('NOT_FOUND', `${g.reason}: ${g.fix}`);
    }
    return s ? ok(s) : notFound(name);
  }

  /** `inspect` for callers that only want readable workcells (the supervisor's exit fast path). */
  async summarize(
    name: string,
    pane: PaneInfo | null,
    now: Date,
    table: () => Promise<ProcTable> = lazyTable(),
  ): Promise<WorkcellSummary | null> {
    const s = await this.inspect(name, pane, now, table);
    return s && !isProblem(s) ? s : null;
  }

  /** Reads disk + the pane, derives the state (pure), never writes: readers do not race the writers.
   * Processes are looked at only for a dead or gone pane with no exit and no kill recorded. A run dir
   * whose records cannot be read is a `broken` entry with the reason; null when it has no status yet. */
  async inspect(
    name: string,
    pane: PaneInfo | null,
    now: Date,
    table: () => Promise<ProcTable> = lazyTable(),
    recheck = true,
  ): Promise<WorkcellSummary | ListingProblem | null> {
    const runDir = this.dir.runDir(name);
    let records: ReturnType<RunStore['readChecked']>;
    try {
      records = this.store.readChecked(name);
    } catch (e) {
      // Any failure to read this one run dir (a bad file, EACCES, EIO) is its own problem, not the fleet's.
      const reason = e instanceof BrokenRunError ? e.message : `its run dir ${unreadable(e)}`;
      return brokenRun(name, runDir, reason, pane !== null && !pane.dead);
    }
    const { status, exit, killed } = records;
    if (!status) return missingStatus(name, runDir, now, pane);
    // agent.log only feeds the last line: an unreadable one is said there, the state is still right.
    const tail = await readTail(this.store.path(name, 'log'), LAST_LINE_BYTES).catch(
      (e: unknown) => `(agent.log ${unreadable(e)})`,
    );
    let live: number[] = [];
    const settled = isEnded(status.state) && status.state !== 'vanished';
    if ((!pane || pane.dead) && !exit && !killed && !settled) {
      const rec = await procRecordOf(runDir);
      if (rec) live = liveIn(await table(), rec).map((p) => p.pid);
    }
    const d = deriveState(status, exit, killed, pane, now, live);
    // The pane listing was taken before status.json was read: a pass launched in between (a resume, a
    // loop's next iteration) is `running` on disk with a session the listing cannot show yet. Called
    // lost on that, it was told as vanished and stayed so (CI: modes.test k1). So before a live workcell
    // is ended or lost on tmux's word, ask tmux again, once; it costs a call only at such a change.
    if (recheck && d.changed && !exit && !killed && (!pane || pane.dead) && !isEnded(status.state)) {
      const again = await this.tmux.listPanes();
      const fresh = again.ok ? (again.value.find((p) => p.session === name) ?? null) : null;
      if (fresh && !fresh.dead) return this.inspect(name, fresh, now, table, false);
    }
    return {
      name,
      state: d.state,
      agent: status.agent,
      repo: status.repo,
      pass: status.pass,
      startedAt: status.startedAt,
      endedAt: d.endedAt,
      exitCode: d.exitCode,
      signal: d.signal,
      verify: status.verify,
      verified: verifiedOf(d.state, status.verify),
      runDir,
      lastLine: lastLineOf(tail),
      reason: status.reason,
      resetAt: status.resetAt,
      evidence: d.evidence,
      muted: status.muted ?? false,
      stale: !isEnded(d.state) && existsSync(staleMarker(runDir, status.pass)),
      recovery: await recoverySummaryOf(
        this.dir,
        status,
        !isEnded(d.state) && !!pane && !pane.dead,
        async () => {
          // Loaded when first needed: settings.js brings zod, ~0.5 s of every CLI command's start-up.
          const { loadSettings } = await import('./settings.js');
          const st = loadSettings(this.dir);
          return recoverySettings(st.ok ? st.value : null).policy;
        },
      ),
      stateSince:
        d.state === status.state ? (status.stateSince ?? d.evidence?.at ?? null) : (d.evidence?.at ?? null),
      pane: pane
        ? {
            pid: pane.pid,
            dead: pane.dead,
            width: pane.width,
            height: pane.height,
            title: pane.title,
            activity: pane.activity,
          }
        : null,
    };
  }

  /** The current screen, or the last N lines, without attaching. A gone session falls back to agent.log. */
  async peek(name: string, o: { lines?: number; ansi?: boolean } = {}): Promise<Result<string>> {
    const st = await this.status(name);
    if (!st.ok) return st;
    const pane = st.value.pane;
    if (pane) {
      const r = await this.tmux.capture(name, { ansi: o.ansi, lines: o.lines, dead: pane.dead });
      if (r.ok) {
        let text = r.value.replace(/\n+$/, '');
        if (pane.dead || o.lines)
          text = text
            .split('\n')
            .slice(-(o.lines ?? pane.height))
            .join('\n');
        return ok(`${text}\n`);
      }
      // The session ended between list and capture: fall through to the log.
    }
    const raw = await readTail(this.store.path(name, 'log'), 256 * 1024);
    const lines = (o.ansi ? raw : stripAnsi(raw.replace(/\r(?!\n)/g, '\n'))).split('\n');
    return ok(
      `${lines
        .slice(-(o.lines ?? 50))
        .join('\n')
        .replace(/\n+$/, '')}\n`,
    );
  }

  attachArgv(name: string, o: { readOnly: boolean }): string[] {
    return [
      this.tmux.bin,
      '-S',
      this.dir.socket,
      'attach-session',
      ...(o.readOnly ? ['-r'] : []),
      '-t',
      `=${name}`,
    ];
  }

  async readArtifact(name: string, which: Artifact): Promise<Result<string>> {
    const bad = validateName(name);
    if (bad) return { ok: false, error: bad };
    // A broken run dir's files are still worth reading: only a missing one is not found.
    if (!existsSync(this.dir.runDir(name))) return notFound(name);
    const file = {
      brief: 'brief',
      handoff: 'handoff',
      verifyLog: 'verifyLog',
      events: 'events',
      status: 'status',
      log: 'log',
    } as const;
    try {
      return ok(await fs.readFile(this.store.path(name, file[which]), 'utf8'));
    } catch {
      // ENOENT: not written yet (no handoff before the end, no verify.log without verify.sh)
      return ok('');
    }
  }

  async setMuted(name: string, muted: boolean): Promise<Result<void>> {
    const bad = validateName(name);
    if (bad) return { ok: false, error: bad };
    const r = await new Transitions(this.store).transition(name, {
      patch: { muted },
      event: { type: muted ? 'muted' : 'unmuted' },
    });
    if (!r.status) return notFound(name);
    return ok(undefined);
  }

  /** Types a reply (literal text or one named key) into a live workcell's pane (reply.ts). */
  async reply(name: string, reply: Reply, by: ReplySource): Promise<Result<ReplyOutcome>> {
    const { sendReply } = await import('./reply.js');
    return sendReply({ tmux: this.tmux, store: this.store, status: (n) => this.status(n) }, name, reply, by);
  }

  /** Stops the agent and its children, records `killed`, keeps every artifact. */
  async kill(name: string, by = 'user'): Promise<Result<WorkcellStatus>> {
    const r = await this.reap(name, by);
    return r.ok ? ok(r.value.status) : r;
  }

  /** `kill`, and which processes it ended: every process of the workcell by session, group and
   * parent link (processes.ts), whether its pane is alive or it was orphaned when the pane, session
   * or tmux server went away. */
  async reap(name: string, by = 'user'): Promise<Result<Reaped>> {
    const bad = validateName(name);
    if (bad) return { ok: false, error: bad };
    return withNameLock(this.dir, name, () => this.reapLocked(name, by));
  }

  private async reapLocked(name: string, by: string): Promise<Result<Reaped>> {
    const st = await this.status(name);
    if (!st.ok) return st;
    if (isEnded(st.value.state)) {
      // A live pane of an ended workcell is its finisher (verify.sh, the git summary): stop it.
      if (st.value.pane && !st.value.pane.dead) {
        const r = await this.stopFinisher(name, 'the workcell was killed');
        return r.ok ? ok({ ...r.value, finisherStopped: true }) : r;
      }
      if (st.value.pane?.dead) await this.tmux.killSession(name); // already gone is fine
      return err('STILL_RUNNING', `workcell ${name} has already ended (${st.value.state}); nothing to kill`);
    }
    await writeJsonAtomic(join(this.dir.runDir(name), RUN_FILES.killed), {
      at: new Date().toISOString(),
      by,
    });
    const records: ProcRecord[] = [];
    const recorded = await procRecordOf(this.dir.runDir(name));
    if (recorded) records.push(recorded);
    // The live pane's pid is ours right now whatever proc.json says (a workcell started before it
    // existed has none): identify it as it is.
    const pane = st.value.pane;
    if (pane && !pane.dead && pane.pid !== recorded?.pid) records.push(await identify(pane.pid));
    // A verify.sh started at a turn end by the supervisor is not in the pane's session.
    const verifying = await verifyRecordOf(this.dir.runDir(name));
    if (verifying) records.push(verifying);
    // Killed processes linger until reaped; terminate reports only once none of them runs.
    const ended = records.length ? await terminate(records, { graceMs: KILL_GRACE_MS }) : [];
    await this.tmux.killSession(name); // gone already is fine: the kill is recorded on disk either way
    const { finalize } = await import('./finish.js');
    const status = await finalize(this.dir, this.store, name);
    if (!status) return notFound(name);
    if (ended.length)
      await this.store.appendEvent(name, { type: 'reaped', by, pids: ended.map((e) => e.pid) });
    return ok({ status, ended });
  }

  /** An ended workcell whose finisher still runs (its pane alive): end the finisher and its
   * verify.sh (a hung check must not hold the workcell for the whole verify timeout), close the
   * session, and finish the pass without the check, saying why. Caller holds the name lock. */
  private async stopFinisher(name: string, why: string): Promise<Result<Reaped>> {
    const runDir = this.dir.runDir(name);
    const records: ProcRecord[] = [];
    for (const r of [await procRecordOf(runDir), await verifyRecordOf(runDir)]) if (r) records.push(r);
    const ended = records.length ? await terminate(records, { graceMs: KILL_GRACE_MS }) : [];
    await this.tmux.killSession(name); // gone already is fine
    const { finalize } = await import('./finish.js');
    const status = await finalize(this.dir, this.store, name, undefined, { verifyStopped: why });
    if (!status) return notFound(name);
    if (ended.length)
      await this.store.appendEvent(name, { type: 'reaped', by: 'finisher', pids: ended.map((e) => e.pid) });
    return ok({ status, ended });
  }

  /** The next pass of an ended workcell: vendor resume by session id where the CLI has one. */
  async resume(name: string, o: ResumeOptions = {}): Promise<Result<WorkcellStatus>> {
    const bad = validateName(name);
    if (bad) return { ok: false, error: bad };
    return withNameLock(this.dir, name, async () => {
      let st = await this.status(name);
      if (!st.ok) return st;
      if (isEnded(st.value.state) && st.value.pane && !st.value.pane.dead) {
        const stopped = await this.stopFinisher(name, 'the workcell was resumed');
        if (!stopped.ok) return stopped;
        st = await this.status(name);
        if (!st.ok) return st;
      }
      const { resumeWorkcell } = await import('./resume.js');
      return resumeWorkcell(this.dir, this.tmux, this.store, st.value, o);
    });
  }

  /** Reaps orphaned workcells (their processes run with no pane), closes dead sessions whose exit is
   * on disk, and removes run dirs only when asked: never one whose pane or processes still live. */
  async gc(o: { olderThanMs?: number; remove?: boolean } = {}): Promise<Result<GcOutcome>> {
    const list = await this.listing();
    if (!list.ok) return list;
    const { workcells, problems } = list.value;
    const out: GcOutcome = {
      closed: [],
      removed: [],
      reaped: [],
      keptLive: [],
      busy: [],
      ghosts: [],
      broken: problems.filter((p) => p.state === 'broken').map((p) => p.name),
    };
    await this.closeGhosts(
      problems.filter((p) => p.state === 'ghost').map((p) => p.name),
      out,
    );
    const now = Date.now();
    const table = lazyTable();
    for (const listed of workcells) {
      // Only a workcell gc may act on takes its lock, and it is looked at again under the lock: a
      // resume that finished meanwhile made it running, and its run dir must not be removed.
      const candidate = listed.state === 'orphaned' || (isEnded(listed.state) && (listed.pane || o.remove));
      if (!candidate) continue;
      const done = await withNameLock(this.dir, listed.name, async (): Promise<Result<void>> => {
        const st = await this.status(listed.name);
        if (!st.ok) return ok(undefined); // removed (or broken) meanwhile: nothing gc may collect
        const w = st.value;
        if (w.state === 'orphaned') {
          // Whatever its age: an orphan edits its repo unseen. Its run dir stays for this round, so the
          // user can read what it did before a later `gc --remove`.
          const r = await this.reapLocked(w.name, 'gc');
          if (r.ok) out.reaped.push({ name: w.name, ended: r.value.ended });
          return ok(undefined);
        }
        if (!isEnded(w.state)) return ok(undefined);
        const endedAt = w.endedAt ? Date.parse(w.endedAt) : Date.parse(w.startedAt);
        if (o.olderThanMs !== undefined && now - endedAt < o.olderThanMs) return ok(undefined);
        if (w.pane) {
          if (!w.pane.dead && w.state !== 'vanished') return ok(undefined); // a live process: never
          const r = await this.tmux.killSession(w.name);
          if (r.ok) out.closed.push(w.name);
        }
        if (o.remove) {
          // Ended is not enough: a child the agent left behind (or a kill that could not end one) still
          // works in the repo and writes into this run dir.
          const rec = await procRecordOf(w.runDir);
          const live = rec ? liveIn(await table(), rec).map((p) => p.pid) : [];
          if (live.length > 0) {
            out.keptLive.push({ name: w.name, pids: live });
            return ok(undefined);
          }
          await fs.rm(w.runDir, { recursive: true, force: true });
          out.removed.push(w.name);
        }
        return ok(undefined);
      });
      if (!done.ok && done.error.code === 'BUSY') out.busy.push(listed.name);
    }
    return ok(out);
  }

  /** Ends ghost sessions (run dir deleted under them), whatever their age: with no run dir nothing of
   * theirs is kept and nothing supervises them. Their processes are ended like a kill's (TERM, then
   * KILL), since one that ignores the session's hangup would run on with no trace at all. */
  /** Closes sessions of ours whose run dir is gone, ending their processes. Each under its name's
   * lock: a start of that name may be racing (its session exists before its run dir is complete). */
  private async closeGhosts(names: string[], out: GcOutcome): Promise<void> {
    if (names.length === 0) return;
    for (const name of names) {
      const r = await withNameLock(this.dir, name, async (): Promise<Result<boolean>> => {
        // Looked at again under the lock: a start of this name may have claimed it since the listing.
        const panes = await this.tmux.listPanes();
        const pane = panes.ok ? panes.value.find((p) => p.session === name) : undefined;
        if (!pane || existsSync(this.dir.runDir(name))) return ok(false);
        if (!pane.dead) await terminate([await identify(pane.pid)], { graceMs: KILL_GRACE_MS });
        return ok((await this.tmux.killSession(name)).ok || !(await this.tmux.hasSession(name)));
      });
      if (r.ok && r.value) out.ghosts.push(name);
      else if (!r.ok && r.error.code === 'BUSY') out.busy.push(name);
    }
  }
}

/** A listing of the fleet: readable workcells, and what could not be read. */
export interface Listing {
  workcells: WorkcellSummary[];
  problems: ListingProblem[];
}

export function isProblem(s: WorkcellSummary | ListingProblem): s is ListingProblem {
  return s.state === 'broken' || s.state === 'ghost';
}

/** A run dir without status.json: a start between its mkdir and its first status write (milliseconds),
 * or a file deleted by hand, which leaves a name nobody can use or see: broken once it is old. */
function missingStatus(
  name: string,
  runDir: string,
  now: Date,
  pane: PaneInfo | null,
): ListingProblem | null {
  let mtime: number;
  try {
    mtime = statSync(runDir).mtimeMs;
  } catch {
    // ENOENT: removed meanwhile (gc --remove, a failed start cleaning up): nothing to list
    return null;
  }
  if (now.getTime() - mtime < LAUNCH_GRACE_MS) return null; // a start in progress
  return brokenRun(name, runDir, 'status.json is missing', pane !== null && !pane.dead);
}

/** proc.json for the orphan checks; one that cannot be read is no record (the workcell is then shown
 * vanished rather than orphaned, and `kill` still ends its pane's process group). */
function procRecordOf(runDir: string): Promise<ProcRecord | null> {
  return readProcRecord(runDir).catch(() => null);
}

/** verify.proc.json the same way: a bad one must not stop `kill` from ending the rest. */
function verifyRecordOf(runDir: string): Promise<ProcRecord | null> {
  return readVerifyRecord(runDir).catch(() => null);
}

function notFound(name: string) {
  return err('NOT_FOUND', `no workcell named ${name}: see \`workcell ls\``);
}
