import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import {
  isEnded,
  validateName,
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
import { deriveState } from './reconcile.js';
import { err, ok, type Result } from './result.js';
import { RunStore } from './runStore.js';
import { Transitions } from './transition.js';
import type { StartOptions } from './start.js';
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

  /** Every workcell, with ONE tmux call for all panes. */
  async list(): Promise<Result<WorkcellSummary[]>> {
    const [names, panes] = await Promise.all([this.store.listNames(), this.tmux.listPanes()]);
    if (!panes.ok) return panes;
    const bySession = new Map<string, PaneInfo>();
    for (const p of panes.value) if (!bySession.has(p.session)) bySession.set(p.session, p);
    const now = new Date();
    const table = lazyTable(); // one process scan per list, and none while every pane is alive
    const out = await Promise.all(names.map((n) => this.summarize(n, bySession.get(n) ?? null, now, table)));
    return ok(out.filter((s): s is WorkcellSummary => s !== null));
  }

  async status(name: string): Promise<Result<WorkcellSummary>> {
    const bad = validateName(name);
    if (bad) return { ok: false, error: bad };
    const panes = await this.tmux.listPanes();
    if (!panes.ok) return panes;
    const s = await this.summarize(name, panes.value.find((p) => p.session === name) ?? null, new Date());
    return s ? ok(s) : notFound(name);
  }

  /** Reads disk + the pane, derives the state (pure), never writes: readers do not race the writers.
   * Processes are looked at only for a dead or gone pane with no exit and no kill recorded. */
  async summarize(
    name: string,
    pane: PaneInfo | null,
    now: Date,
    table: () => Promise<ProcTable> = lazyTable(),
  ): Promise<WorkcellSummary | null> {
    const [status, exit, killed, tail] = await Promise.all([
      this.store.readStatus(name),
      this.store.readExit(name),
      this.store.readKilled(name),
      readTail(this.store.path(name, 'log'), LAST_LINE_BYTES),
    ]);
    if (!status) return null;
    let live: number[] = [];
    const settled = isEnded(status.state) && status.state !== 'vanished';
    if ((!pane || pane.dead) && !exit && !killed && !settled) {
      const rec = await readProcRecord(this.dir.runDir(name));
      if (rec) live = liveIn(await table(), rec).map((p) => p.pid);
    }
    const d = deriveState(status, exit, killed, pane, now, live);
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
      runDir: this.dir.runDir(name),
      lastLine: lastLineOf(tail),
      reason: status.reason,
      resetAt: status.resetAt,
      evidence: d.evidence,
      muted: status.muted ?? false,
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
    if (!(await this.store.readStatus(name))) return notFound(name);
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
    const recorded = await readProcRecord(this.dir.runDir(name));
    if (recorded) records.push(recorded);
    // The live pane's pid is ours right now whatever proc.json says (a workcell started before it
    // existed has none): identify it as it is.
    const pane = st.value.pane;
    if (pane && !pane.dead && pane.pid !== recorded?.pid) records.push(await identify(pane.pid));
    // A verify.sh started at a turn end by the supervisor is not in the pane's session.
    const verifying = await readVerifyRecord(this.dir.runDir(name));
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
    for (const r of [await readProcRecord(runDir), await readVerifyRecord(runDir)]) if (r) records.push(r);
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
  async resume(name: string): Promise<Result<WorkcellStatus>> {
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
      return resumeWorkcell(this.dir, this.tmux, this.store, st.value);
    });
  }

  /** Reaps orphaned workcells (their processes run with no pane), closes dead sessions whose exit is
   * on disk, and removes run dirs only when asked: never one whose pane or processes still live. */
  async gc(o: { olderThanMs?: number; remove?: boolean } = {}): Promise<Result<GcOutcome>> {
    const list = await this.list();
    if (!list.ok) return list;
    const out: GcOutcome = { closed: [], removed: [], reaped: [], keptLive: [], busy: [] };
    const now = Date.now();
    const table = lazyTable();
    for (const listed of list.value) {
      // Only a workcell gc may act on takes its lock, and it is looked at again under the lock: a
      // resume that finished meanwhile made it running, and its run dir must not be removed.
      const candidate = listed.state === 'orphaned' || (isEnded(listed.state) && (listed.pane || o.remove));
      if (!candidate) continue;
      const done = await withNameLock(this.dir, listed.name, async (): Promise<Result<void>> => {
        const st = await this.status(listed.name);
        if (!st.ok) return ok(undefined); // removed meanwhile: nothing left to collect
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
          const rec = await readProcRecord(w.runDir);
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
}

function notFound(name: string) {
  return err('NOT_FOUND', `no workcell named ${name}: see \`workcell ls\``);
}
