import { homedir } from 'node:os';
import { join } from 'node:path';

/** The control directory (DESIGN.md §1). Everything the app knows can be rebuilt from it plus tmux. */
export class ControlDir {
  constructor(readonly root: string) {}

  static fromEnv(env: NodeJS.ProcessEnv = process.env): ControlDir {
    const root =
      env.WORKCELLS_HOME && env.WORKCELLS_HOME.length > 0
        ? env.WORKCELLS_HOME
        : join(homedir(), '.workcells');
    return new ControlDir(root);
  }

  get socket(): string {
    return join(this.root, 'tmux.sock');
  }
  get tmuxConf(): string {
    return join(this.root, 'tmux.conf');
  }
  get runs(): string {
    return join(this.root, 'runs');
  }
  get templates(): string {
    return join(this.root, 'templates');
  }
  get sessions(): string {
    return join(this.root, 'sessions');
  }
  get locks(): string {
    return join(this.root, 'locks');
  }
  get bin(): string {
    return join(this.root, 'bin');
  }
  get settings(): string {
    return join(this.root, 'settings.json');
  }
  get patterns(): string {
    return join(this.root, 'patterns');
  }
  /** Notification dedupe ledger and other supervisor-owned state. */
  get state(): string {
    return join(this.root, 'state');
  }
  /** One empty marker per exit, written by the wrapper with no process start: the supervisor watches
   * this folder, which changes only when an agent ends (runs/ changes on every line of output). */
  get exits(): string {
    return join(this.root, 'exits');
  }
  runDir(name: string): string {
    return join(this.runs, name);
  }
}

/** Files inside one run directory. */
export const RUN_FILES = {
  brief: 'brief.md',
  verify: 'verify.sh',
  log: 'agent.log',
  status: 'status.json',
  handoff: 'handoff.md',
  events: 'events.jsonl',
  /** Written once by the in-pane wrapper the moment the agent exits; the exit record of last resort. */
  exit: 'exit.json',
  /** Written by `workcell kill` before it signals, so the exit is recorded as killed, not failed. */
  killed: 'killed.json',
  /** Written once per pass right after tmux creates the pane: its pid, start time and host, so the
   * agent's processes can be found (and ended) after the pane, session or tmux server is gone. */
  proc: 'proc.json',
  verifyLog: 'verify.log',
  /** The running verify.sh's process group (pid + start time), whoever started it (the finisher or
   * the supervisor at a turn end), so kill and resume can end a check that hangs. Gone when it ends. */
  verifyProc: 'verify.proc.json',
  /** The previous agent.log, once agent.log passed settings.agentLogMaxMB (supervisor/logRotation.ts). */
  logPrevious: 'agent.log.1',
  hooks: 'hooks',
  tmp: 'tmp',
  history: 'history',
} as const;
