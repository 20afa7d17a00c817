import type { Command } from 'commander';
import type { SvErrorInfo, ErrorCode } from '../common/workcell.js';
import { ControlDir } from '../core/paths.js';
import { Tmux } from '../core/tmux.js';

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

/** Exit codes: 0 ok, 1 the operation failed, 2 bad input, 3 not found, 4 environment (tmux missing). */
export const EXIT: Record<ErrorCode | 'OK' | 'FAILED', number> = {
  OK: 0,
  FAILED: 1,
  TMUX_FAILED: 1,
  STILL_RUNNING: 1,
  SESSION_GONE: 1,
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
