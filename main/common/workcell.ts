// The workcell contract (DESIGN.md §2): names, states, status.json, the summary every view shows.
// Pure types and constants: imported by core, cli, app and renderer alike.

/** tmux treats `.` `:` `#` specially, so names are validated, never escaped. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,47}$/;

export const STATES = [
  'starting',
  'running',
  'waiting',
  'idle',
  'stalled',
  'rate_limited',
  'auth_failed',
  'done',
  'failed',
  'vanished',
  'orphaned',
  'killed',
] as const;
export type WorkcellState = (typeof STATES)[number];

/** States after which the agent process is gone for good. (`orphaned` is not one: its pane or tmux
 * server is gone but its processes still run, unseen, until `kill` or `gc` reaps them.) */
export const ENDED_STATES: readonly WorkcellState[] = ['done', 'failed', 'vanished', 'killed'];
export function isEnded(state: WorkcellState): boolean {
  return ENDED_STATES.includes(state);
}

export const AGENTS = [
  'claude',
  'codex',
  'gemini',
  'copilot',
  'cursor',
  'aider',
  'opencode',
  'command',
] as const;
export type AgentName = (typeof AGENTS)[number];

/** Why the supervisor believes a state: shown by `workcell explain` and on hover in the dashboard. */
export interface Evidence {
  /** hook | transcript | title | pane | exit | tmux | timer | user | engine */
  source: string;
  /** One line a person can read: the matched line, the hook event, the log age. */
  detail: string;
  at: string;
  /** The pattern that matched, for screen evidence: `claude.json: waiting[0]`, or the user's override
   * file path and index (`workcell explain` shows it). */
  pattern?: string;
}

export interface VerifyResult {
  ran: boolean;
  exitCode: number | null;
  at: string | null;
  /** Last lines of verify output, for the detail pane. */
  outputTail?: string;
  /** What ran it: the agent's exit (the in-pane finisher) or the end of an interactive turn. */
  trigger?: 'exit' | 'turn';
  /** Why it has no exit code: verify.sh could not run ("the repo is gone"), "verify timed out
   * after 600s", "verify.sh was stopped: the workcell was killed". */
  reason?: string;
}

export interface GitSummary {
  headAtStart: string | null;
  headAtEnd: string | null;
  commits: number | null;
  dirty: boolean | null;
  diffStat: string | null;
}

/** The vendor's own session for this workcell (sessionIds.ts): always the current id. `minted`: we
 * chose it (`--session-id`); `captured`: read from the vendor (codex rollout, opencode store, a hook);
 * `switched`: the agent moved to another session mid-run (Claude /clear, /resume), `source` says how. */
export interface VendorSessionRecord {
  id: string | null;
  how: 'minted' | 'captured' | 'switched' | 'none';
  at: string;
  source?: string;
  /** Earlier ids of this workcell, oldest first (at most 10). */
  previous: string[];
}

/** status.json, camelCase, written atomically. */
export interface WorkcellStatus {
  name: string;
  repo: string;
  agent: AgentName;
  argv: string[];
  state: WorkcellState;
  pass: number;
  startedAt: string;
  endedAt: string | null;
  exitCode: number | null;
  signal: string | null;
  verify: VerifyResult;
  vendorSessionId: string | null;
  git: GitSummary;
  reason: string | null;
  resetAt: string | null;
  evidence: Evidence | null;
  muted?: boolean;
  /** When the current state began (written with every state change): "waiting for 12m" stays true
   * across a supervisor restart. Absent in records written before it existed. */
  stateSince?: string;
  /** Started with `--headless`: the vendor's non-interactive mode, exits when done. */
  headless?: boolean;
  /** The vendor session record; `vendorSessionId` mirrors its id. Absent in older records. */
  vendorSession?: VendorSessionRecord;
  /** The named multi-agent session this workcell belongs to (`start --session NAME`). */
  session?: string;
}

/** A scheduled (or just fired) usage-limit resume, as `ls`, the tray and the dashboard show it. */
export interface RecoverySummary {
  /** scheduled: waiting for resumeAt; confirming: fired at resumeAt, waiting to see the limit gone. */
  state: 'scheduled' | 'confirming';
  /** ISO time the resume fires (reset + jitter, or a backoff) or fired. */
  resumeAt: string;
  /** Which automatic attempt in this limit window it is (at most 2). */
  attempt: number;
  /** continue: a continue turn typed into the live agent; relaunch: the agent exited, a new pass;
   * suggest: policy suggest, nothing fires by itself (`workcell recover NAME` does it). */
  how: 'continue' | 'relaunch' | 'suggest';
  /** Where the reset time came from; estimated: none was named, this is a capped backoff. */
  resetSource: 'structured' | 'parsed' | 'estimated';
}

/** What `ls`, the tray and the dashboard show for one workcell. */
export interface WorkcellSummary {
  name: string;
  state: WorkcellState;
  agent: AgentName;
  repo: string;
  pass: number;
  startedAt: string;
  endedAt: string | null;
  exitCode: number | null;
  signal: string | null;
  verify: VerifyResult;
  /** done + verify ran and failed: "claimed done, not verified". */
  verified: boolean | null;
  runDir: string;
  lastLine: string;
  reason: string | null;
  resetAt: string | null;
  evidence: Evidence | null;
  muted: boolean;
  /** Live and past its stale threshold (flagged once, with a notification: housekeeping/stale.ts). */
  stale?: boolean;
  /** When the shown state began: the persisted one, or the evidence time of a state derived on read. */
  stateSince?: string | null;
  /** A usage-limit resume recovery has scheduled or is confirming (runs/<name>/recovery.json), null
   * when none; absent from producers that do not read it. The tray and dashboard show it as "paused
   * until 3:10 pm (in 1 h 50 m)". */
  recovery?: RecoverySummary | null;
  /** Live tmux facts, null when the session is gone. */
  /** activity: epoch seconds of the last output (tmux #{window_activity}). */
  pane: { pid: number; dead: boolean; width: number; height: number; title: string; activity: number } | null;
}

/** What a listing says about a name it cannot summarize. These are listing conditions, not states:
 * never written to status.json, never reached by a transition (transition.ts), gone once the files
 * are fixed or removed. `broken`: the run dir's records cannot be read (one bad run dir must not
 * blind the fleet, so it is shown and skipped). `ghost`: a tmux session of ours whose run dir is gone
 * (it blocks its name until closed). */
export type ListingCondition = 'broken' | 'ghost';

export interface ListingProblem {
  name: string;
  state: ListingCondition;
  /** What is wrong, e.g. "status.json is a directory". */
  reason: string;
  /** What to do about it, as a command or a sentence. */
  fix: string;
  runDir: string;
}

/** One line of events.jsonl. */
export interface WorkcellEvent {
  at: string;
  type: string;
  state?: WorkcellState;
  from?: WorkcellState;
  evidence?: Evidence;
  [key: string]: unknown;
}

/** Expected failures are values with a code and a message a user can act on (STYLE.md). */
export const ERROR_CODES = [
  'TMUX_MISSING',
  'TMUX_TOO_OLD',
  'TMUX_FAILED',
  'BAD_NAME',
  'NAME_IN_USE',
  'NOT_FOUND',
  'BAD_REPO',
  'AGENT_MISSING',
  'BAD_AGENT',
  'BAD_ARGS',
  'NOT_WRITABLE',
  'STILL_RUNNING',
  'BAD_SETTINGS',
  'SESSION_GONE',
  'BROKEN_RUN',
  'HOME_UNREADABLE',
  /** Another workcell command holds the name's lock (nameLock.ts): try again. */
  'BUSY',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface SvErrorInfo {
  code: ErrorCode;
  message: string;
}

export function validateName(name: string): SvErrorInfo | null {
  if (NAME_PATTERN.test(name)) return null;
  return {
    code: 'BAD_NAME',
    message: `invalid workcell name ${JSON.stringify(name)}: use 1-48 characters a-z 0-9 _ -, starting with a letter or digit (e.g. fix-login-2)`,
  };
}

/** "claimed done, not verified" is a first-class outcome. */
export function verifiedOf(state: WorkcellState, verify: VerifyResult): boolean | null {
  if (state !== 'done' || !verify.ran) return null;
  return verify.exitCode === 0;
}
