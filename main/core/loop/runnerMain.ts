// What a detached runner's entry does, for loops (loopMain.ts) and pipelines (pipelineMain.ts) alike:
// take the lock the CLI hands over, say on the first stdout line whether it holds it (the CLI waits for
// that line, then goes), run, log the end to runner.log, and release the lock however it ends (SIGTERM
// included). Why runners of their own and not the daemon: loopMain.ts says.
import { appendFileSync } from 'node:fs';
import { Engine } from '../engine.js';
import { ControlDir } from '../paths.js';
import { Tmux } from '../tmux.js';
import { acquireOwner, describeOwner, releaseOwner, type LockKind } from './ownerLock.js';
import { runnerNotifier, type NoticeSender } from './runnerNotice.js';

export interface RunnerContext {
  dir: ControlDir;
  engine: Engine;
  log: (line: string) => void;
  notice: NoticeSender;
}

export interface DetachedRunner<T> {
  kind: Extract<LockKind, 'loop' | 'pipeline'>;
  /** runner.log of this loop or pipeline. */
  logFile: (dir: ControlDir) => string;
  /** What the run needs, or why it cannot start (said to the CLI). */
  load: (dir: ControlDir) => Promise<{ ok: true; value: T; repo: string } | { ok: false; message: string }>;
  run: (value: T, ctx: RunnerContext) => Promise<{ status: string; statusReason: string | null }>;
}

/** The whole life of a runner process for `name` (process.argv[2]). */
export async function runDetached<T>(r: DetachedRunner<T>): Promise<void> {
  const name = process.argv[2] ?? '';
  const dir = ControlDir.fromEnv();
  const logFile = r.logFile(dir);
  const log = (line: string) => {
    try {
      appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`, { mode: 0o600 });
    } catch {
      // the run dir is gone (removed under us): nowhere left to say it
    }
  };
  const say = (reply: object) => process.stdout.write(`${JSON.stringify(reply)}\n`);
  const loaded = await r.load(dir);
  if (!loaded.ok) {
    say({ ok: false, message: loaded.message });
    process.exitCode = 5;
    return;
  }
  const handover = Number(process.env.WORKCELL_LOOP_HANDOVER);
  const lock = await acquireOwner(dir, r.kind, name, {
    handoverFrom: Number.isFinite(handover) ? handover : undefined,
    worktree: loaded.repo,
  });
  if (!lock.ok) {
    say({ ok: false, message: `${r.kind} ${name} is already running (${describeOwner(lock.holder)})` });
    process.exitCode = 5;
    return;
  }
  say({ ok: true, pid: process.pid });
  log(`runner ${process.pid} holds ${r.kind} ${name}`);
  const engine = new Engine(dir, new Tmux(dir.socket, dir.tmuxConf));
  process.on('SIGTERM', () => {
    releaseOwner(dir, r.kind, name);
    process.exit(143);
  });
  process.on('SIGHUP', () => undefined); // setsid: no terminal to lose, but ignore a stray hang-up
  try {
    const end = await r.run(loaded.value, { dir, engine, log, notice: runnerNotifier(dir, log) });
    log(`${r.kind} ${name} ${end.status}${end.statusReason ? `: ${end.statusReason}` : ''}`);
  } catch (e) {
    log(`runner failed (a bug, please report it): ${(e as Error).stack ?? String(e)}`);
    process.exitCode = 1;
  } finally {
    releaseOwner(dir, r.kind, name);
  }
}
