// Notification contract (issue 3, "Notifications"): what the supervisor hands the dispatcher, what every
// channel receives, and the channel names. Pure types and constants: the app and the renderer use them too.
import type { Evidence, WorkcellState } from './workcell.js';

export const NOTIFIER_TYPES = ['desktop', 'slack', 'telegram', 'openclaw', 'webhook', 'command'] as const;
export type NotifierType = (typeof NOTIFIER_TYPES)[number];

/** The reason on an `idle` change that is a completion: an interactive agent finished its turn (Claude
 * `Stop`, Codex `agent-turn-complete`, Gemini `AfterAgent`, or a pane that went idle after work). */
export const TURN_END = 'turn_end';

/** Reasons that say an agent stopped (or is stuck) on an error: on `idle` ("stopped on an error": a
 * 401, a 529 or a refused connection printed above its prompt), `stalled`, `failed` and `done`. */
export const ERROR_REASONS = ['api_error', 'network', 'throttled'] as const;

/** The reason on a change that says a workcell (or loop) has run longer than its stale threshold
 * (thresholds.staleHours): told once per pass, whatever its state. */
export const STALE = 'stale';

/** The reason on a change that says a workcell's CPU or memory (children included) crossed the
 * threshold in settings `resources` (housekeeping/resourceAlarm.ts): told once per crossing. */
export const OVER_RESOURCES = 'over_resources';

/** What a notifier subscribes to (`on` in settings): a state, or a reason (`auth_failed` also fires for
 * an agent that EXITED because it is not logged in: state failed, reason auth_failed; `turn_end` for a
 * finished turn; `api_error`/`network` for an idle that stopped on an error). A change matches when its
 * state or its reason is listed. */
export type NotifyOn =
  WorkcellState | typeof TURN_END | typeof STALE | typeof OVER_RESOURCES | (typeof ERROR_REASONS)[number];

/** The states a user wants to hear about by default: each one either needs them or ends the run.
 * `idle`, `running`, `starting` and `killed` (the user did it) are noise unless asked for. */
/** Whether a notifier subscribed to `on` wants `change`: its state or its reason is listed. One rule
 * for the core dispatcher and the desktop app's policy. */
export function notifyMatches(
  on: Iterable<string>,
  change: { state: WorkcellState; reason?: string | null },
): boolean {
  const set = on instanceof Set ? (on as ReadonlySet<string>) : new Set(on);
  return set.has(change.state) || (typeof change.reason === 'string' && set.has(change.reason));
}

/** What verify.sh said about a completion. `unknown`: the change carries no verify facts at all (an
 * older supervisor, or a state that is not a completion). */
export type VerifyOutcome = 'verified' | 'failed' | 'none' | 'pending' | 'unknown';

export function verifyOutcome(change: {
  verify?: StateChange['verify'];
  verified?: boolean | null;
}): VerifyOutcome {
  const v = change.verify;
  if (v) {
    if (v.pending) return 'pending';
    if (!v.ran) return 'none';
    return v.exitCode === 0 ? 'verified' : 'failed';
  }
  if (change.verified === true) return 'verified';
  if (change.verified === false) return 'failed';
  return 'unknown';
}

/** An interactive agent finished its turn: an `idle` change whose reason is TURN_END. */
export function isTurnEnd(change: { state: WorkcellState; reason?: string | null }): boolean {
  return change.state === 'idle' && change.reason === TURN_END;
}

export const DEFAULT_NOTIFY_ON = [
  'waiting',
  'done',
  'failed',
  'stalled',
  'rate_limited',
  'auth_failed',
  'vanished',
  'orphaned',
  TURN_END,
  // An idle agent is not told by default, but one that stopped on an error is: it needs the user.
  'api_error',
  'network',
  // Hours past its threshold is money and a machine spent: the user wants to look.
  STALE,
  // Only ever sent when the user set a threshold in settings `resources`: they asked to hear it.
  OVER_RESOURCES,
] as const satisfies readonly NotifyOn[];

/** One state change the supervisor observed, as it hands it to the dispatcher. */
export interface StateChange {
  /** Dedupe key, stable across supervisor restarts: the same change always yields the same id
   * (see `changeId`). One notification per id per notifier, ever. */
  id: string;
  name: string;
  state: WorkcellState;
  from: WorkcellState | null;
  /** When the change happened (ISO 8601). */
  at: string;
  pass?: number;
  agent?: string;
  reason?: string | null;
  exitCode?: number | null;
  signal?: string | null;
  resetAt?: string | null;
  evidence?: Evidence | null;
  /** done + verify ran: true verified, false "claimed done, not verified". */
  verified?: boolean | null;
  runDir?: string | null;
  /** The last output of the pane or agent.log, raw; `formatMessage` trims it to a few clean lines. */
  excerpt?: string | null;
  /** A test message from `workcell notify test`: never deduplicated. */
  test?: boolean;
  /** The repo it works in and when its pass started: "~/app · ran 1 h 5 m" in the body. */
  repo?: string | null;
  startedAt?: string | null;
  /** The verify.sh outcome this completion carries (done, failed, or a turn end). `pending`: verify was
   * still running when the wait ran out (a follow-up change with the result comes later). */
  verify?: { ran: boolean; exitCode: number | null; tail?: string; pending?: boolean } | null;
}

/** The stable id of a change: `${name}:${pass}:${seq}:${state}`, where seq is the events.jsonl line number
 * (or the change's timestamp) so a replay of the same history yields the same id. */
export function changeId(name: string, pass: number, seq: number | string, state: WorkcellState): string {
  return `${name}:${pass}:${seq}:${state}`;
}

export type Urgency = 'low' | 'normal' | 'critical';

/** What every channel receives: already formatted, plus the facts for channels that want structure
 * (webhook posts this object as JSON; the command notifier exports it as WORKCELL_* variables). */
export interface NotifyMessage {
  changeId: string;
  name: string;
  state: WorkcellState;
  from: WorkcellState | null;
  at: string;
  /** One line: "fix-login: done, verified". */
  title: string;
  /** Why, the last output, and how to get in; several lines of plain text. */
  body: string;
  /** title + "\n" + body, for channels with a single text field. */
  text: string;
  /** The command that works for this state: attach while live, resume once ended, kill when orphaned. */
  attach: string;
  /** The dashboard opened on this workcell (no token in it), where there is a dashboard. Slack and
   * Telegram show it as a link; webhook receivers get it as this field. */
  url?: string | null;
  repo?: string | null;
  excerpt: string;
  reason: string | null;
  exitCode: number | null;
  signal: string | null;
  resetAt: string | null;
  evidence: Evidence | null;
  verified: boolean | null;
  runDir: string | null;
  urgency: Urgency;
  test: boolean;
  /** What a channel that can deduplicate should use (webhook `Idempotency-Key`, command
   * WORKCELL_IDEMPOTENCY_KEY): the changeId for one change, a hash of the sorted ids for a digest. A
   * re-send after a crash carries the same key when it carries the same changes. */
  idempotencyKey?: string;
  /** The verify.sh outcome behind the headline (done / failed / turn end), when there was one. */
  verify?: StateChange['verify'];
  /** Set when this message is a digest of a burst: the individual messages, oldest first. The
   * top-level name/state/changeId/urgency are those of the most urgent member; title/body/text are
   * the digest's own ("7 workcells finished: 5 verified, 2 failed" + a line per workcell). */
  digest?: { count: number; messages: NotifyMessage[] } | null;
}

/** events.jsonl lines the dispatcher appends (never containing a secret). A type alias, not an
 * interface, so it is assignable to WorkcellEvent's index signature. */
export type NotifyEvent = {
  at: string;
  type: 'notified' | 'notify_failed';
  changeId: string;
  state: WorkcellState;
  /** Configured notifier key: its `name`, else its type (`slack`, `slack#2` for a second one). */
  notifier: string;
  notifierType: NotifierType;
  attempts: number;
  /** Set when the change went out inside a digest: how many changes that message carried. */
  digest?: number;
  error?: string;
};
