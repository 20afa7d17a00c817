import type { Command } from 'commander';
import type { SvErrorInfo, ErrorCode } from '../common/workcell.js';
import { ControlDir } from '../core/paths.js';
import { Tmux } from '../core/tmux.js';
import { Engine } from '../core/engine.js';

/** What every command gets: the control directory and a client for our tmux server. */
export interface CliContext {
  dir: ControlDir;
  tmux: Tmux;
}

export function makeContext(env: NodeJS.ProcessEnv = process.env): CliContext {
  const dir = ControlDir.fromEnv(env);
  return { dir, tmux: new Tmux(dir.socket, dir.tmuxConf) };
}

/** One command per file (npm's CLI style): each module registers itself on the program. */
export interface CommandModule {
  register(program: Command, ctx: () => CliContext): void;
}

/** Exit codes: 0 ok, 1 the operation failed, 2 bad input, 3 not found, 4 environment (tmux missing),
 * 5 busy (another command is working on that workcell: retrying is the right response). */
export const EXIT: Record<ErrorCode | 'OK' | 'FAILED', number> = {
  OK: 0,
  FAILED: 1,
  TMUX_FAILED: 1,
  STILL_RUNNING: 1,
  SESSION_GONE: 1,
  BROKEN_RUN: 1,
  BAD_NAME: 2,
  NAME_IN_USE: 2,
  BAD_REPO: 2,
  BAD_AGENT: 2,
  BAD_ARGS: 2,
  BAD_SETTINGS: 2,
  NOT_FOUND: 3,
  AGENT_MISSING: 4,
  TMUX_MISSING: 4,
  TMUX_TOO_OLD: 4,
  NOT_WRITABLE: 4,
  HOME_UNREADABLE: 4,
  BUSY: 5,
};

/** Data to stdout, diagnostics to stderr (STYLE.md). */
export function printJson(data: unknown): void {
  process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
}

/** Prints an expected failure the way every command does and sets the exit code. With --json the
 * error is also written to stdout as `{ "error": { code, message } }` so scripts can read it. */
export function fail(error: SvErrorInfo, json = false): void {
  process.stderr.write(`workcell: ${error.message}\n`);
  if (json) printJson({ error });
  process.exitCode = EXIT[error.code] ?? 1;
}

/** The preamble every command that talks to tmux shares: the context, a tmux check, an engine. Null
 * (with the failure printed and the exit code set) when tmux is missing or too old. */
export async function engineFor(
  ctx: () => CliContext,
  json?: boolean,
): Promise<(CliContext & { engine: Engine }) | null> {
  const c = ctx();
  const v = await c.tmux.checkVersion();
  if (!v.ok) {
    fail(v.error, json);
    return null;
  }
  return { ...c, engine: new Engine(c.dir, c.tmux) };
}

/** `WORKCELL_DAEMON=off` leaves the daemon alone (tests that drive a supervisor of their own). */
const autoDaemon = (env: NodeJS.ProcessEnv = process.env) => env.WORKCELL_DAEMON !== 'off';

/** After a command started work: make sure a supervisor watches it. A daemon that cannot start does
 * not undo the start; it is said plainly, with what to do. */
export async function ensureSupervised(dir: ControlDir): Promise<void> {
  if (!autoDaemon()) return;
  const { ensureDaemon } = await import('../core/daemon/client.js');
  const r = await ensureDaemon(dir);
  if (!r.ok)
    process.stderr.write(`workcell: warning: nothing is watching this workcell: ${r.error.message}\n`);
}

/** `ls`, `status`, `explain`: when live workcells have no supervisor, the states shown are only what
 * tmux and the disk say (an agent asking a question still reads "running"): say so, and why. */
export async function warnIfUnsupervised(dir: ControlDir, anyLive: boolean): Promise<void> {
  if (!anyLive) return;
  const { daemonStatus } = await import('../core/daemon/client.js');
  const s = await daemonStatus(dir);
  if (s.running) return;
  process.stderr.write(
    `workcell: no supervisor is watching: ${s.why}${s.lastLogLine ? `; its last log line: ${s.lastLogLine}` : ''}.\n` +
      `  States below are only what tmux and the disk say (waiting, idle and stalled are not detected). Start it: workcell daemon start\n`,
  );
}
