// The recovery playbook's pure parts (issue 11): when a limited workcell resumes, what its screen says
// about the limit, which key stops a limit menu, the turn that resumes it, the vendor's fix for a lost
// login. No I/O and no clock of its own: `now` is passed in, so these are table-tested.
import type { AgentName, WorkcellSummary } from '../../common/workcell.js';
import type { ResetSource } from './record.js';

export const RECOVERY = {
  // Up to 30 s after the reset: providers reset on the minute, and a fleet of workcells (or every user
  // of a vendor) waking in the same second is what gets a fresh 429.
  jitterMaxMs: 30_000,
  // Claude's 5-hour window and weekly limits: never schedule further ahead than a day and a bit (a
  // parsed time that is further is a misread, not a reason to sleep for a week).
  maxAheadMs: 26 * 3_600_000,
  // Codex: "do not infer recovery from reset times alone"; each try appends a turn. Two tries per window.
  attemptsPerWindow: 2,
  // No reset time named: look again after 15 min, doubling, at most 2 h (said so in the record).
  unknownInitialMs: 15 * 60_000,
  unknownMaxMs: 2 * 3_600_000,
  // The limit still there after a resume: the next try after this, doubling.
  stillLimitedMs: 5 * 60_000,
  // Several workcells of one vendor: the canary wakes first; the rest follow this long after it worked.
  staggerGapMs: 20_000,
  // How long after a resume we look for the agent working again before calling it not resumed.
  confirmWithinMs: 60_000,
} as const;

/** A mark that changes with every state the workcell enters: the evidence time of its state (a
 * supervisor's look updates the evidence but not always stateSince in the summary it passes on). */
export function stateMark(w: Pick<WorkcellSummary, 'evidence' | 'stateSince'>): string | null {
  return w.evidence?.at ?? w.stateSince ?? null;
}

/** Where a detected reset time came from, from the state's evidence. */
export function resetSourceOf(w: Pick<WorkcellSummary, 'resetAt' | 'evidence'>): ResetSource {
  if (!w.resetAt) return 'estimated';
  const src = w.evidence?.source ?? '';
  return src === 'pane' || src === 'tmux' || src === 'exit' ? 'parsed' : 'structured';
}

export interface Due {
  dueAt: number;
  /** Shown everywhere: "paused until 15:10 UTC (in 1 h 50 m)" or "reset time unknown: ..." */
  text: string;
  capped: boolean;
}

/** When a limited workcell resumes: reset + jitter, never more than maxAheadMs ahead; an unknown reset
 * (or a limit still there) is a capped backoff, said so. `rand` in [0,1) is injected for tests. */
export function dueOf(
  resetAt: string | null,
  now: number,
  backoffStep: number,
  rand: number,
  jitterMaxMs: number = RECOVERY.jitterMaxMs,
): Due {
  const jitter = Math.floor(rand * jitterMaxMs);
  const reset = resetAt ? Date.parse(resetAt) : NaN;
  if (!Number.isNaN(reset) && backoffStep === 0) {
    const at = Math.max(now, reset) + jitter;
    if (at - now <= RECOVERY.maxAheadMs)
      return { dueAt: at, text: `paused until ${fmtClock(at)} (in ${fmtIn(at - now)})`, capped: false };
    const capped = now + RECOVERY.maxAheadMs;
    return {
      dueAt: capped,
      text: `reset ${resetAt} is more than 26 h away: looking again at ${fmtClock(capped)} (in 26 h)`,
      capped: true,
    };
  }
  const base = Number.isNaN(reset) ? RECOVERY.unknownInitialMs : RECOVERY.stillLimitedMs;
  const cap = RECOVERY.unknownMaxMs;
  const wait = Math.min(cap, base * 2 ** Math.max(0, backoffStep - (Number.isNaN(reset) ? 0 : 1))) + jitter;
  const why = Number.isNaN(reset) ? 'reset time unknown' : 'limit still there after the reset';
  return {
    dueAt: now + wait,
    text: `${why}: trying again at ${fmtClock(now + wait)} (in ${fmtIn(wait)}, backoff capped at 2 h)`,
    capped: true,
  };
}

function fmtClock(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}
export function fmtIn(ms: number): string {
  const m = Math.max(0, Math.round(ms / 60_000));
  if (m < 1) return `${Math.max(0, Math.round(ms / 1000))} s`;
  if (m < 60) return `${m} m`;
  return `${Math.floor(m / 60)} h ${m % 60} m`;
}

export type LimitScreen =
  /** The vendor's own retry is visibly running: wait, do not type over it. */
  | { kind: 'vendor-retrying'; line: string }
  /** A limit menu is open; `key` picks "stop and wait" by its position. */
  | { kind: 'menu'; key: string | null; line: string }
  | { kind: 'other' };

const RETRYING = /\b(?:retrying in\b|retrying\s*\(?attempt|attempt \d+\s*\/\s*\d+)/i;
const STOP_AND_WAIT = /stop and wait/i;
const OPTION = /^\s*(?:[❯›>]\s*)?(\d)[.)]\s+(.*)$/;

/** Reads the bottom of a limited agent's screen. */
export function readLimitScreen(screen: string): LimitScreen {
  const lines = screen.split('\n').slice(-25);
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!;
    if (RETRYING.test(l)) return { kind: 'vendor-retrying', line: l.trim() };
  }
  const stop = lines.find((l) => STOP_AND_WAIT.test(l));
  if (stop) {
    const m = OPTION.exec(stop);
    // The number printed beside the option is its position; with no number we will not guess (a bare
    // Enter on this menu picks whatever is highlighted, which may be "switch to extra usage").
    return { kind: 'menu', key: m ? m[1]! : null, line: stop.trim() };
  }
  return { kind: 'other' };
}

/** The turn that resumes a live agent: says why work stopped, never a bare "continue". */
export function continueTurn(objective: string | null): string {
  const obj = (objective ?? '').replace(/\s+/g, ' ').trim().slice(0, 400);
  return `${CONTINUE_MARK}; continue the task from where you stopped${obj ? `: ${obj}` : '.'}`;
}
/** How the continue turn begins: the check after a firing finds it on screen by this. */
export const CONTINUE_MARK = 'Your usage limit has reset';

/** The limit back on screen after a continue turn: a limit line below the turn we typed, or on a
 * screen the agent has cleared since (the turn is no longer on it). */
export function limitAfterTurn(screen: string, limit: readonly RegExp[]): boolean {
  let banner = -1;
  let turn = -1;
  screen.split('\n').forEach((t, i) => {
    if (limit.some((re) => re.test(t))) banner = i;
    if (t.includes(CONTINUE_MARK)) turn = i;
  });
  return banner > turn;
}

/** The objective line of a brief (the first non-empty line after an "Objective" heading, else the
 * first non-heading line). */
export function objectiveOf(brief: string): string | null {
  const lines = brief.split('\n');
  const h = lines.findIndex((l) => /^#+\s*objective/i.test(l));
  const from = h >= 0 ? lines.slice(h + 1) : lines;
  const line = from.find((l) => l.trim() && !l.startsWith('#'));
  return line?.trim() ?? null;
}

/** The vendor's own fix for a lost login (DESIGN.md §8, the CLIs' help texts). */
export const AUTH_FIX: Record<AgentName, string> = {
  claude: 'run `claude`, then `/login` (or set ANTHROPIC_API_KEY)',
  codex: 'run `codex login` (or set OPENAI_API_KEY)',
  gemini: 'run `gemini` and choose an auth method, or set GEMINI_API_KEY',
  copilot: 'run `copilot`, then `/login` (or set GH_TOKEN)',
  cursor: 'run `cursor-agent login`',
  aider: 'set the API key aider uses (e.g. OPENAI_API_KEY or ANTHROPIC_API_KEY)',
  opencode: 'run `opencode auth login`',
  command: 'log the command in again as its own docs say',
};
