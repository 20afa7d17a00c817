// The state classifier: pure, one call per look at a workcell. Sources in order of trust (DESIGN.md §6):
// vendor hook events, then the pane title, then the pane text, then elapsed-time rules. Usage limits,
// lost logins and network failures are only ever visible on the screen, so a blocker the screen shows
// wins over a hook or title that merely says "working"; see docs/detection.md for the full table.
import { DEFAULT_THRESHOLDS } from '../../common/settings.js';
import type { AgentName, Evidence } from '../../common/workcell.js';
import type { PaneCategory, VendorPatterns } from '../agents/patterns.js';
import type { HookEvent } from '../agents/hookSink.js';
import { parseResetAt } from './resetAt.js';
import { bottomLines, findLowest, type LineMatch } from './screen.js';

export type DetectedState = 'waiting' | 'idle' | 'running' | 'rate_limited' | 'auth_failed' | 'stalled';

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
}

export interface Detection {
  state: DetectedState;
  evidence: Evidence;
  /** ISO time a usage limit lifts, when the message says. */
  resetAt?: string;
  /** Why, when the state alone does not say: `network` for a stalled agent that cannot reach its API. */
  reason?: 'network' | 'no_progress';
}

// One default for the whole product (settings `thresholds.stallSeconds`); its reason is given there.
export const DEFAULT_STALL_MS = DEFAULT_THRESHOLDS.stallSeconds * 1000;

type Claim = { state: DetectedState; evidence: Evidence; resetAt?: string; reason?: Detection['reason'] };

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
      return 'running';
    case 'PermissionRequest':
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
      return 'idle';
    case 'StopFailure': {
      const err = e.error ?? '';
      if (err === 'rate_limit') return 'rate_limited';
      if (err === 'authentication_failed' || err === 'oauth_org_not_allowed' || err === 'billing_error')
        return 'auth_failed';
      return 'idle';
    }
    default:
      return null;
  }
}

function fromHooks(events: readonly HookEvent[] | undefined): Claim | null {
  if (!events) return null;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    const state = hookState(e);
    if (!state) continue;
    const extra = e.notificationType ?? e.error ?? e.tool;
    return {
      state,
      evidence: { source: e.source ?? 'hook', detail: extra ? `${e.event} (${extra})` : e.event, at: e.at },
      ...(e.resetAt ? { resetAt: e.resetAt } : {}),
    };
  }
  return null;
}

function fromTitle(title: string | undefined, p: VendorPatterns, at: string): Claim | null {
  const t = (title ?? '').trim();
  if (!t) return null;
  for (const state of ['waiting', 'running', 'idle'] as const) {
    if (p.title[state].some((re) => re.test(t)))
      return { state, evidence: { source: 'title', detail: t, at } };
  }
  return null;
}

type PaneHits = Partial<Record<PaneCategory, LineMatch>>;

function paneHits(screen: string, p: VendorPatterns): PaneHits {
  const lines = bottomLines(screen, p.bottomLines);
  const hits: PaneHits = {};
  for (const [cat, list] of Object.entries(p.pane) as [PaneCategory, RegExp[]][]) {
    let best: LineMatch | null = null;
    for (const re of list) {
      const m = findLowest(lines, re);
      if (m && !best) best = m;
      if (best) break;
    }
    if (best) hits[cat] = best;
  }
  return hits;
}

function resetOf(hit: LineMatch, input: DetectInput): string | undefined {
  const groups = hit.match.groups ?? {};
  const named = Object.entries(groups).find(([k, v]) => k.startsWith('reset') && v);
  const text = named ? named[1]! : hit.detail;
  return parseResetAt(text, { now: input.now, timeZone: input.timeZone }) ?? undefined;
}

function fmtAge(ms: number): string {
  const m = Math.floor(ms / 60_000);
  if (m < 1) return `${Math.round(ms / 1000)}s`;
  if (m < 120) return `${m}m`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function detect(input: DetectInput): Detection | null {
  const at = input.now.toISOString();
  const pane = paneHits(input.screen, input.patterns);
  // A limit, login or network message above a newer busy line is history: the agent moved on.
  for (const c of ['rate_limited', 'auth_failed', 'network'] as const) {
    const hit = pane[c];
    if (hit && pane.running && pane.running.line > hit.line) delete pane[c];
  }
  const paneClaim = (state: DetectedState, hit: LineMatch, extra: Partial<Claim> = {}): Claim => ({
    state,
    evidence: { source: 'pane', detail: hit.detail, at },
    ...extra,
  });
  const hook = fromHooks(input.hookEvents);
  const title = fromTitle(input.title, input.patterns, at);

  let claim: Claim | null = null;
  if (hook && (hook.state === 'rate_limited' || hook.state === 'auth_failed')) {
    // StopFailure names the error itself; the screen may still add when the limit lifts.
    claim = {
      ...hook,
      resetAt: hook.resetAt ?? (pane.rate_limited ? resetOf(pane.rate_limited, input) : undefined),
    };
  } else if (pane.rate_limited) {
    claim = paneClaim('rate_limited', pane.rate_limited, { resetAt: resetOf(pane.rate_limited, input) });
  } else if (pane.auth_failed) {
    claim = paneClaim('auth_failed', pane.auth_failed);
  } else if (hook) {
    // A hook still saying "working" while the screen shows the agent retrying a dead network.
    claim =
      hook.state === 'running' && pane.network && !pane.waiting
        ? paneClaim('stalled', pane.network, { reason: 'network' })
        : hook;
  } else if (title) {
    if (title.state === 'idle' && pane.waiting)
      claim = paneClaim('waiting', pane.waiting); // dialogs do not set the title
    else if (title.state === 'running' && pane.network && !pane.waiting)
      claim = paneClaim('stalled', pane.network, { reason: 'network' });
    else claim = title;
  } else if (pane.waiting) {
    claim = paneClaim('waiting', pane.waiting);
  } else if (pane.network) {
    claim = paneClaim('stalled', pane.network, { reason: 'network' });
  } else if (pane.running) {
    claim = paneClaim('running', pane.running);
  } else if (pane.idle) {
    claim = paneClaim('idle', pane.idle);
  }

  // Elapsed-time rule: only for an agent that should be working (or that nothing else explains).
  if (!claim || claim.state === 'running') {
    const stallAfter = input.stallAfterMs ?? DEFAULT_STALL_MS;
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
