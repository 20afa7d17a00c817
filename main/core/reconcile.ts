import { isEnded, type Evidence, type WorkcellState, type WorkcellStatus } from '../common/workcell.js';
import type { ExitRecord, KilledRecord } from './runStore.js';
import type { PaneInfo } from './tmux.js';

const SIGNALS: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  6: 'SIGABRT',
  9: 'SIGKILL',
  13: 'SIGPIPE',
  15: 'SIGTERM',
};

/** A shell reports death by signal N as 128+N. */
export function signalOfShellCode(code: number): string | null {
  if (code > 128 && code <= 128 + 64) return SIGNALS[code - 128] ?? `SIG${code - 128}`;
  return null;
}

// A launch (run dir, status written, then tmux new-session) takes milliseconds; 30 s covers a loaded
// machine. A start that dies in between removes its run dir; one killed mid-way is vanished after this
// (and a run dir still without status.json is listed broken, see engine.ts).
export const LAUNCH_GRACE_MS = 30_000;

export interface Derived {
  state: WorkcellState;
  exitCode: number | null;
  signal: string | null;
  endedAt: string | null;
  evidence: Evidence | null;
  /** True when the derived state differs from what status.json says and should be persisted. */
  changed: boolean;
}

/** The state a workcell is in, from what is on disk and what tmux says. Pure, so every reader (ls,
 * the supervisor, the dashboard) agrees. The exit record outranks everything but a kill.
 * `live`: pids of the workcell's recorded processes still running (processes.ts), computed by the
 * caller only when the pane is dead or gone; a gone pane with live processes is `orphaned`. */
export function deriveState(
  status: WorkcellStatus,
  exit: ExitRecord | null,
  killed: KilledRecord | null,
  pane: PaneInfo | null,
  now: Date,
  live: readonly number[] = [],
): Derived {
  const keep: Derived = {
    state: status.state,
    exitCode: status.exitCode,
    signal: status.signal,
    endedAt: status.endedAt,
    evidence: status.evidence,
    changed: false,
  };
  if (killed) {
    if (status.state === 'killed') return keep;
    return {
      state: 'killed',
      exitCode: exit?.exitCode ?? null,
      signal: 'SIGTERM',
      endedAt: status.endedAt ?? exit?.endedAt ?? killed.at,
      evidence: { source: 'user', detail: `killed by ${killed.by}`, at: killed.at },
      changed: true,
    };
  }
  if (isEnded(status.state) && status.state !== 'vanished') return keep;
  if (exit) {
    const state: WorkcellState = exit.exitCode === 0 ? 'done' : 'failed';
    const signal = signalOfShellCode(exit.exitCode);
    return {
      state,
      exitCode: exit.exitCode,
      signal,
      endedAt: exit.endedAt,
      evidence: {
        source: 'exit',
        detail: signal
          ? `agent ended by ${signal} (exit ${exit.exitCode})`
          : `agent exited with code ${exit.exitCode}`,
        at: exit.endedAt,
      },
      changed: status.state !== state,
    };
  }
  if ((!pane || pane.dead) && live.length > 0) {
    // No exit record yet processes of ours run: the agent lives on unseen (it ignored the hangup of a
    // closed session or killed server, or the wrapper alone was killed).
    const was = status.state === 'orphaned';
    return {
      state: 'orphaned',
      exitCode: null,
      signal: null,
      endedAt: null,
      evidence: {
        source: 'process',
        detail: `${pane ? 'the pane died' : 'the tmux session is gone'} but its processes still run (pid ${live.join(', ')}): \`workcell kill ${status.name}\` or \`workcell gc\` ends them`,
        at: was ? (status.evidence?.at ?? now.toISOString()) : now.toISOString(),
      },
      changed: !was,
    };
  }
  if (pane?.dead && pane.deadStatus !== null) {
    // The wrapper itself died (SIGKILL) before writing its record: tmux's status is all there is.
    const code = pane.deadStatus;
    return {
      state: code === 0 ? 'done' : 'failed',
      exitCode: code,
      signal: pane.deadSignal ? (SIGNALS[pane.deadSignal] ?? `SIG${pane.deadSignal}`) : null,
      endedAt: status.endedAt ?? now.toISOString(),
      evidence: {
        source: 'tmux',
        detail: `pane died with status ${code} and no exit record`,
        at: now.toISOString(),
      },
      changed: true,
    };
  }
  if (pane?.dead) {
    // Dead, no exit record, and tmux has no status either (it can stay empty indefinitely; seen on
    // 3.3a when the finisher could not write to a full disk): the agent is gone, its code unknown.
    if (isEnded(status.state)) return keep;
    return {
      state: 'failed',
      exitCode: null,
      signal: null,
      endedAt: status.endedAt ?? now.toISOString(),
      evidence: {
        source: 'tmux',
        detail: 'pane died with no exit record and no status from tmux (was the disk full?)',
        at: now.toISOString(),
      },
      changed: true,
    };
  }
  if (!pane) {
    if (status.state === 'vanished') return keep;
    // `start` writes status.json before it creates the tmux session: a reader in between (the daemon,
    // found by its test) must not call a workcell that is still being launched vanished.
    if (status.state === 'starting' && now.getTime() - Date.parse(status.startedAt) < LAUNCH_GRACE_MS)
      return keep;
    // An orphan whose processes are all gone now, or a session that was never recorded: vanished.
    return {
      state: 'vanished',
      exitCode: null,
      signal: null,
      endedAt: null,
      evidence: {
        source: 'tmux',
        detail:
          'tmux session is gone and no exit was recorded (tmux server killed, machine rebooted, or the session was closed by hand)',
        at: now.toISOString(),
      },
      changed: true,
    };
  }
  if (status.state === 'vanished' || status.state === 'orphaned') {
    // It came back (a second tmux server on the same socket with the same name is unlikely): trust tmux.
    return {
      ...keep,
      state: 'running',
      evidence: { source: 'tmux', detail: 'session is present again', at: now.toISOString() },
      changed: true,
    };
  }
  return keep;
}
