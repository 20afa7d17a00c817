// The state classifier: pure, one call per look at a workcell. Sources in order of trust (DESIGN.md §6):
// vendor hook events, then the pane title, then the pane text, then elapsed-time rules. Usage limits,
// lost logins and API/network failures are often only visible on the screen, so a blocker the screen
// shows wins over a hook or title that merely says "working"; see docs/detection.md for the full table.
import { DEFAULT_THRESHOLDS } from '../../common/settings.js';
import type { AgentName, Evidence } from '../../common/workcell.js';
import { patternId, type VendorPatterns } from '../agents/patterns.js';
import type { HookEvent } from '../agents/hookSink.js';
import { paneHits, type Hit, type PaneHits } from './hits.js';
import { parseResetAt } from './resetAt.js';
import { errorKind } from './structured.js';
import { bottomLines, type BottomLine } from './screen.js';
import { streamBlocker, type StreamBlocker } from './streamScreen.js';

export type DetectedState = 'waiting' | 'idle' | 'running' | 'rate_limited' | 'auth_failed' | 'stalled';

/** Why, when the state alone does not say. On `idle`/`stalled` (and a dead pane's end): `api_error`
 * (the API answered 5xx/overloaded), `network` (no answer). On `rate_limited`: `throttled` (the
 * server limiting requests for a moment, not a quota; no reason = the usage limit). `no_progress`:
 * the elapsed-time rule. */
export type DetectReason = 'network' | 'api_error' | 'throttled' | 'no_progress';

/** The reasons that mean "stopped on an error": an idle or ended agent with one is not calm. */
export const ERROR_REASONS: readonly DetectReason[] = ['network', 'api_error', 'throttled'];

export interface DetectInput {
  agent: AgentName | string;
  /** Captured pane text (`capture-pane -p -J`), lines joined with \n. */
  screen: string;
  /** `#{pane_title}`. */
  title?: string;
  now: Date;
  /** Last byte of output: agent.log mtime or `#{window_activity}`. */
  lastOutputAt?: Date | null;
  /** Last real progress: `progressKey(screen)` changed or a hook event arrived. Spinners keep a TUI's
   * output flowing while it is stuck, so when given this, not lastOutputAt, drives `stalled`. */
  lastProgressAt?: Date | null;
  /** Recent hook events of this run, oldest first (readHookEvents). */
  hookEvents?: readonly HookEvent[];
  patterns: VendorPatterns;
  /** No progress for this long while working = stalled. Default DEFAULT_STALL_MS. */
  stallAfterMs?: number;
  /** Zone for wall-clock reset times that name none ("resets 3pm"). Default: this machine's. */
  timeZone?: string;
  /** A dead pane's last screen: every meaningful line is read (an error can sit far above a stack
   * trace), not only the bottom block. */
  dead?: boolean;
}

export interface Detection {
  state: DetectedState;
  /** The evidence; from the screen it names the pattern that matched (`evidence.pattern`). */
  evidence: Evidence;
  /** ISO time a usage limit lifts (or a throttled request is retried), when known. */
  resetAt?: string;
  reason?: DetectReason;
}

// One default for the whole product (settings `thresholds.stallSeconds`); its reason is given there.
export const DEFAULT_STALL_MS = DEFAULT_THRESHOLDS.stallSeconds * 1000;

type Claim = { state: DetectedState; evidence: Evidence; resetAt?: string; reason?: DetectReason };

const AUTH_ERRORS = new Set(['authentication_failed', 'oauth_org_not_allowed', 'billing_error']);

/** The state of an agent retrying a request that failed with `error` (a StopFailure kind). */
function retryState(error: string | undefined): DetectedState {
  if (error === 'rate_limit' || error === 'throttled') return 'rate_limited';
  if (AUTH_ERRORS.has(error ?? '')) return 'auth_failed';
  return 'stalled';
}

/** The hook events that say something about the agent's state, and what. Others (SessionStart,
 * SessionEnd, SubagentStop, auth_success notifications) return null: the engine owns start and exit. */
export function hookState(e: HookEvent): DetectedState | null {
  switch (e.event) {
    case 'UserPromptSubmit':
    case 'PreToolUse':
    case 'PostToolUse':
    case 'PostToolUseFailure':
    case 'SubagentStart':
    case 'BeforeAgent':
    case 'BeforeTool':
    case 'AfterTool':
    case 'BeforeModel':
    case 'message.part.updated': // opencode (opencodePlugin.ts): model output
    case 'ApiResponse': // a vendor log (vendorLogs.ts): the model answered
      return 'running';
    case 'ApiRetry':
      // A vendor log says a model request failed and the CLI retries it (vendorLogs.ts).
      return retryState(e.error);
    case 'PermissionRequest':
    case 'permission.asked':
      return 'waiting';
    case 'Notification': {
      const t = (e.notificationType ?? '').toLowerCase();
      if (t === 'idle_prompt') return 'idle';
      if (t === 'permission_prompt' || t === 'elicitation_dialog' || t === 'toolpermission') return 'waiting';
      return null;
    }
    case 'Stop':
    case 'AfterAgent':
    case 'agent-turn-complete':
    case 'session.idle':
      return 'idle';
    case 'StopFailure': {
      const err = e.error ?? '';
      if (err === 'rate_limit' || err === 'throttled') return 'rate_limited';
      if (AUTH_ERRORS.has(err)) return 'auth_failed';
      return 'idle';
    }
    default:
      return null;
  }
}

/** The reason a StopFailure carries: a throttle on rate_limited (named so, or a `rate_limit` whose
 * message is a 429 rather than a quota: claude sends `rate_limit` for both); on idle the network, or
 * else an API error (a StopFailure that is neither a limit nor a login stopped the turn on one). */
function stopReason(e: HookEvent, state: DetectedState): { reason?: DetectReason } {
  const err = e.error;
  if (state === 'rate_limited')
    // Only a hook's message is re-read: the stream and transcript parsers already chose the kind.
    return err === 'throttled' || (!e.source && e.message && errorKind(e.message) === 'throttled')
      ? { reason: 'throttled' }
      : {};
  if (state === 'idle' || state === 'stalled') return { reason: err === 'network' ? 'network' : 'api_error' };
  return {};
}

/** How long a logged request failure speaks for the agent without a newer one: the CLIs log each
 * retry (copilot every ~20 s on a 429, gemini's backoff reaching ~25 s by the third try), and a
 * retry that succeeded logs nothing (copilot) or an ApiResponse (gemini). */
export const LOG_CLAIM_MS = 90_000;

/** A vendor log's failure that no longer holds: old, or the screen moved on after it (an answer
 * drawn after the failure means the retry worked). */
function staleLogEvent(e: HookEvent, input: DetectInput): boolean {
  if (e.source !== 'log' || (e.event !== 'ApiRetry' && e.event !== 'ApiError')) return false;
  const at = Date.parse(e.at);
  if (input.now.getTime() - at > LOG_CLAIM_MS) return true;
  return !!input.lastProgressAt && input.lastProgressAt.getTime() > at + 2_000;
}

/** The reason a vendor log gives for the retry line on the screen (claude's `ApiError`: its screen
 * says "API error · Retrying" over a 401, a 429 and a 529 alike): the newest failure still current. */
function logRefinement(input: DetectInput): Claim | null {
  const events = input.hookEvents ?? [];
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.event !== 'ApiError' || e.source !== 'log') continue;
    if (staleLogEvent(e, input)) return null;
    const state = retryState(e.error);
    return {
      state,
      evidence: {
        source: 'log',
        detail: `${e.vendor} log: ${e.message ?? e.error ?? 'request failed'}`,
        at: e.at,
      },
      ...stopReason(e, state),
    };
  }
  return null;
}

function fromHooks(input: DetectInput): Claim | null {
  const events = input.hookEvents;
  if (!events) return null;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    const state = hookState(e);
    if (!state || staleLogEvent(e, input)) continue;
    const extra = e.notificationType ?? e.error ?? e.tool;
    // A limit's own message may say when it lifts ("resets 6:37pm (UTC)").
    const resetAt =
      e.resetAt ??
      (state === 'rate_limited' && e.message
        ? (parseResetAt(e.message, { now: input.now, timeZone: input.timeZone }) ?? undefined)
        : undefined);
    // A vendor log's line is said in its own words (a notification quotes it): "copilot log: model
    // request failed: HTTP 429, retry in 20s", not the event's name.
    const detail =
      e.source === 'log' && e.message
        ? `${e.vendor} log: ${e.message}`
        : extra
          ? `${e.event} (${extra})`
          : e.event;
    return {
      state,
      evidence: { source: e.source ?? 'hook', detail, at: e.at },
      ...(resetAt ? { resetAt } : {}),
      ...(e.event === 'StopFailure' || e.event === 'ApiRetry' ? stopReason(e, state) : {}),
    };
  }
  return null;
}

function fromTitle(title: string | undefined, p: VendorPatterns, at: string): Claim | null {
  const t = (title ?? '').trim();
  if (!t) return null;
  for (const state of ['waiting', 'running', 'idle'] as const) {
    const re = p.title[state].find((r) => r.test(t));
    if (!re) continue;
    const pattern = patternId(re);
    return { state, evidence: { source: 'title', detail: t, at, ...(pattern ? { pattern } : {}) } };
  }
  return null;
}

// Words that say the error line is being retried right now: the spinner and "esc to interrupt" below
// it belong to the retry, they are not newer work.
const RETRYING = /\b(?:retrying|reconnecting|retry(?:ing)? in \d|attempt #?\d+\s*(?:\/|of)\s*\d+)/i;
// A prompt the user typed, echoed into the transcript: anything below it is a newer turn. A menu's
// cursor on a numbered option ("› 1. Switch model") is not one.
const PROMPT_ECHO = /^[❯›>]\s*(?!\d+\.\s)\S/;
// Lines a dialog keeps below its question (options, hints, footer): more below means output moved on.
const MAX_DIALOG_TAIL = 14;
// A line-mode question with the answer typed after it ("Continue? (y/n) y").
const ANSWERED_LINE_PROMPT = /(?:\(y\/n\)|\[y\/n\]|\(yes\/no\))\s*\S/i;

/** Blockers, most specific first: on one line a usage limit beats the 429 around it, and a connection
 * failure beats the generic retry words around it (claude: "Unable to connect to API
 * (ConnectionRefused) · Retrying in 8s · attempt 6/10"). */
const BLOCKERS = ['rate_limited', 'auth_failed', 'throttled', 'network', 'api_error'] as const;
type Blocker = (typeof BLOCKERS)[number];

/** The blocker the screen shows now, if any: the lowest one that no newer turn or busy line follows. */
function currentBlocker(
  pane: PaneHits,
  lines: BottomLine[],
  p: VendorPatterns,
): { cat: Blocker; hit: Hit } | null {
  // An input line showing its placeholder ("› Ask Codex to do anything") is the prompt, not a turn.
  const isPrompt = (t: string) => PROMPT_ECHO.test(t) && !p.pane.idle.some((re) => re.test(t));
  let best: { cat: Blocker; hit: Hit } | null = null;
  // The newest blocker line that says it is being retried: an error printed below it is what the
  // retry ended on ("Retrying..." then "Authentication failed (HTTP 401)"), still current while the
  // busy line below winds down.
  const retryLine = Math.max(
    -1,
    ...BLOCKERS.map((c) => pane[c]).flatMap((h) => (h && RETRYING.test(h.detail) ? [h.line] : [])),
  );
  for (const cat of BLOCKERS) {
    const hit = pane[cat];
    if (!hit) continue;
    const end = hit.line + hit.span - 1;
    // A blocker above a newer busy line is history, unless the busy line is its own retry.
    const retried = RETRYING.test(hit.detail) || (retryLine >= 0 && hit.line > retryLine);
    if (pane.running && pane.running.line > end && !retried) continue;
    const newerTurn = lines.slice(end + 1).some((l) => isPrompt(l.text));
    if (newerTurn) continue;
    if (!best || hit.line > best.hit.line) best = { cat, hit };
  }
  return best;
}

/** A dialog hit the agent has moved past: busy again, an answer typed, or too much output below. */
function staleWaiting(pane: PaneHits, lines: BottomLine[]): boolean {
  const w = pane.waiting;
  if (!w) return true;
  const end = w.line + w.span - 1;
  if (pane.running && pane.running.line > end) return true;
  if (ANSWERED_LINE_PROMPT.test(lines[w.line]!.text) && end < lines.length - 1) return true;
  return lines.length - 1 - end > MAX_DIALOG_TAIL;
}

function resetOf(hit: Hit, lines: BottomLine[], input: DetectInput): string | undefined {
  const opts = { now: input.now, timeZone: input.timeZone };
  const groups = hit.match.groups ?? {};
  const named = Object.entries(groups).find(([k, v]) => k.startsWith('reset') && v);
  if (named) return parseResetAt(named[1]!, opts) ?? undefined;
  const own = parseResetAt(hit.detail, opts);
  if (own) return own;
  // The reset is often a line or two below the message ("Please retry in 8176s.").
  const below = lines
    .slice(hit.line + hit.span, hit.line + hit.span + RESET_LOOKAHEAD)
    .find((l) => RESET_CUE.test(l.text));
  return below ? (parseResetAt(below.text, opts) ?? undefined) : undefined;
}
const RESET_LOOKAHEAD = 6;
const RESET_CUE = /\b(?:resets?|retry|try again|available)\b/i;

/** A stream event's error as a claim: a limit or a lost login as such; an API or network error being
 * retried is `stalled` on it, one the stream ended on (`result` with is_error) `idle` on it. */
function streamClaim(s: StreamBlocker, input: DetectInput): Claim {
  const at = input.now.toISOString();
  const opts = { now: input.now, timeZone: input.timeZone };
  const evidence = { source: 'pane', detail: s.detail, at, pattern: 'stream-json' };
  switch (s.cat) {
    case 'rate_limited': {
      const resetAt = s.resetAt ?? parseResetAt(s.detail, opts) ?? undefined;
      return { state: 'rate_limited', evidence, ...(resetAt ? { resetAt } : {}) };
    }
    case 'throttled':
      return { state: 'rate_limited', evidence, reason: 'throttled' };
    case 'auth_failed':
      return { state: 'auth_failed', evidence };
    default:
      return { state: s.retrying ? 'stalled' : 'idle', evidence, reason: s.cat };
  }
}

// A busy line's elapsed counter: "esc to cancel, 28s", "esc to cancel, 5m 3s", "1h 2m 3s".
const SCREEN_ELAPSED = /\besc to cancel, (?:(\d+)h )?(?:(\d+)m )?(\d+)s\b/i;
function screenElapsedMs(text: string): number | null {
  const m = SCREEN_ELAPSED.exec(text);
  if (!m) return null;
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3])) * 1000;
}

// The first line of an answer or a tool call in the turn (gemini `✦ word…`, claude/copilot `● …`).
const ANSWER_LINE = /^[✦●⏺]\s*\S/;
/** Whether the turn shows any output: an answer line between the user's prompt echo and the busy
 * line. A counter that keeps running over a streaming answer is work, not a stall. */
function answerSince(lines: BottomLine[], busyLine: number): boolean {
  for (let i = busyLine - 1; i >= 0; i--) {
    const t = lines[i]!.text;
    if (ANSWER_LINE.test(t)) return true;
    if (PROMPT_ECHO.test(t)) return false;
  }
  return false;
}

function fmtAge(ms: number): string {
  const m = Math.floor(ms / 60_000);
  if (m < 1) return `${Math.round(ms / 1000)}s`;
  if (m < 120) return `${m}m`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function detect(input: DetectInput): Detection | null {
  const at = input.now.toISOString();
  const lines = bottomLines(input.screen, input.dead ? Infinity : input.patterns.bottomLines);
  const pane = paneHits(lines, input.patterns);
  if (pane.waiting && staleWaiting(pane, lines)) delete pane.waiting;
  const paneClaim = (state: DetectedState, hit: Hit, extra: Partial<Claim> = {}): Claim => ({
    state,
    evidence: { source: 'pane', detail: hit.detail, at, ...(hit.pattern ? { pattern: hit.pattern } : {}) },
    ...extra,
  });
  const hook = fromHooks(input);
  const title = input.dead ? null : fromTitle(input.title, input.patterns, at);
  const blocker = currentBlocker(pane, lines, input.patterns);
  // A stream-json error event on the pane, unless a screen blocker printed below it is newer.
  const streamed = streamBlocker(lines, at);
  const stream = streamed && (!blocker || blocker.hit.line <= streamed.line) ? streamed : null;
  const busy =
    (hook ?? title)?.state === 'running' ||
    (!!pane.running && (!blocker || pane.running.line > blocker.hit.line));
  const idleSaid = (hook ?? title)?.state === 'idle' || (!hook && !title && !!pane.idle);

  let claim: Claim | null = null;
  if (hook && (hook.state === 'rate_limited' || hook.state === 'auth_failed')) {
    // StopFailure names the error itself; the screen may still add when the limit lifts.
    const limit = pane.rate_limited ?? pane.throttled;
    claim = { ...hook, resetAt: hook.resetAt ?? (limit ? resetOf(limit, lines, input) : undefined) };
  } else if (stream) {
    claim = streamClaim(stream, input);
  } else if (blocker?.cat === 'rate_limited' || blocker?.cat === 'throttled') {
    const resetAt = resetOf(blocker.hit, lines, input);
    claim = paneClaim('rate_limited', blocker.hit, {
      ...(resetAt ? { resetAt } : {}),
      ...(blocker.cat === 'throttled' ? { reason: 'throttled' as const } : {}),
    });
  } else if (blocker?.cat === 'auth_failed') {
    claim = paneClaim('auth_failed', blocker.hit);
  } else if (blocker && pane.waiting && pane.waiting.line > blocker.hit.line) {
    claim = paneClaim('waiting', pane.waiting); // a dialog after the error asks the user now
  } else if (blocker) {
    // Retrying, or still busy: stalled on the error. At its prompt: idle, stopped on the error.
    const retrying = RETRYING.test(blocker.hit.detail);
    const stopped = !retrying && !busy && idleSaid;
    const state = stopped ? 'idle' : 'stalled';
    // A vendor log that names the failure knows it better than the screen's words (copilot prints
    // "interrupted due to a server error" over a refused connection; its log says transport; claude's
    // "API error · Retrying" is a 401 or a 429 in its debug log).
    const logged =
      hook?.evidence.source === 'log' && hook.state === 'stalled'
        ? hook
        : retrying
          ? logRefinement(input)
          : null;
    claim = logged
      ? { ...logged, state: logged.state === 'stalled' ? state : logged.state }
      : paneClaim(state, blocker.hit, { reason: blocker.cat as 'api_error' | 'network' });
  } else if (hook) {
    claim = hook;
  } else if (title) {
    claim = title.state === 'idle' && pane.waiting ? paneClaim('waiting', pane.waiting) : title;
  } else if (pane.waiting) {
    claim = paneClaim('waiting', pane.waiting);
  } else if (pane.running) {
    claim = paneClaim('running', pane.running);
  } else if (pane.idle) {
    claim = paneClaim('idle', pane.idle);
  }

  // Elapsed-time rule: only for an agent that should be working (or that nothing else explains).
  if (!input.dead && (!claim || claim.state === 'running')) {
    const stallAfter = input.stallAfterMs ?? DEFAULT_STALL_MS;
    // The CLI's own clock on its busy line (gemini "Thinking... (esc to cancel, 6m 2s)", which it keeps
    // showing while it retries a failing request in silence): that long on one request with nothing
    // below it is no progress, even when the supervisor has not watched that long (it restarted).
    const elapsed =
      pane.running && !answerSince(lines, pane.running.line) ? screenElapsedMs(pane.running.detail) : null;
    if (elapsed !== null && elapsed >= stallAfter)
      return {
        state: 'stalled',
        evidence: {
          source: 'pane',
          detail: `${pane.running!.detail} (no output for ${fmtAge(elapsed)})`,
          at,
        },
        reason: 'no_progress',
      };
    const since = input.lastProgressAt ?? input.lastOutputAt;
    if (since) {
      const quiet = input.now.getTime() - since.getTime();
      if (quiet >= stallAfter) {
        const outputFlows =
          input.lastProgressAt && input.lastOutputAt && input.lastOutputAt > input.lastProgressAt;
        const detail = outputFlows
          ? `no progress for ${fmtAge(quiet)} (output continues)`
          : `no output for ${fmtAge(quiet)}`;
        return { state: 'stalled', evidence: { source: 'timer', detail, at }, reason: 'no_progress' };
      }
    }
  }
  if (!claim) return null;
  const out: Detection = { state: claim.state, evidence: claim.evidence };
  if (claim.resetAt) out.resetAt = claim.resetAt;
  if (claim.reason) out.reason = claim.reason;
  return out;
}
