// Scores the detector on labelled captures: what it says, mapped to the truth labels, and the
// figures issue 9 asks for (accuracy per vendor and per state, confusion of the misses, errors shown
// as a calm done/idle, reset times parsed out of those shown).
import { builtinPatterns } from '../../agents/patterns.js';
import { detect, type Detection } from '../../detect/index.js';
import { endReasonOf } from '../../detect/endReason.js';
import { transcriptEvent } from '../../agents/transcripts.js';
import { vendorLogEvent } from '../../agents/vendorLogs.js';
import { parseHookLine, type HookEvent } from '../../agents/hooks.js';
import { HOOK_MEMORY } from '../../supervisor/paneWatch.js';
import { ERROR_LABELS, type Capture, type TruthLabel } from './capture.js';

// Loading a vendor's patterns reads and compiles its files: once per vendor, not once per capture.
const patternCache = new Map<string, ReturnType<typeof builtinPatterns>>();
function patternsOf(vendor: string): ReturnType<typeof builtinPatterns> {
  let p = patternCache.get(vendor);
  if (!p) patternCache.set(vendor, (p = builtinPatterns(vendor)));
  return p;
}

export type Seen = TruthLabel | 'failed' | 'stalled' | 'mismatch';

export interface Scored {
  capture: Capture;
  seen: Seen;
  right: boolean;
  /** An error the user would read as calm: `done` or a plain `idle`. */
  falseCalm: boolean;
  /** The screen names a reset/retry time (usage limits only). */
  resetShown: boolean;
  /** Parsed to the right minute (usage limits with a shown reset). */
  resetRight: boolean;
  detail: string;
}

/** The detector's answer on a live pane, in truth labels: the one explicit mapping. Each truth label
 * has exactly one detector output that counts as right; anything else is a miss:
 *
 * | detector says                                   | reads as      |
 * | ----------------------------------------------- | ------------- |
 * | nothing, or `running`                           | `working`     |
 * | `waiting`                                       | `waiting`     |
 * | `idle` without a reason                         | `idle`        |
 * | `rate_limited` without a reason                 | `usage_limit` |
 * | `rate_limited` + `throttled`                    | `throttled`   |
 * | `auth_failed`                                   | `auth`        |
 * | `idle`/`stalled` + `api_error`                  | `api_error`   |
 * | `idle`/`stalled` + `network`                    | `network`     |
 * | `stalled` + `no_progress` (the timer)           | `stalled` (never right: captures have no clock) |
 *
 * A reason on any other state (e.g. `waiting` + `api_error`) is `mismatch`, never right. */
export function liveLabel(d: Detection | null): Seen {
  if (!d || (d.state === 'running' && !d.reason)) return 'working';
  const r = d.reason;
  switch (d.state) {
    case 'waiting':
      return r ? 'mismatch' : 'waiting';
    case 'idle':
      return !r ? 'idle' : r === 'api_error' || r === 'network' ? r : 'mismatch';
    case 'rate_limited':
      return !r ? 'usage_limit' : r === 'throttled' ? 'throttled' : 'mismatch';
    case 'auth_failed':
      return r ? 'mismatch' : 'auth';
    case 'stalled':
      return r === 'api_error' || r === 'network' ? r : 'stalled';
    default:
      return 'mismatch';
  }
}

/** An idle the product holds back while the pane is fresh: a plain idle read from the screen or title
 * (a hook's Stop is believed at once, and an idle on an error is told at once). */
const heldIdle = (d: Detection | null): boolean =>
  d?.state === 'idle' && !d.reason && (d.evidence.source === 'pane' || d.evidence.source === 'title');

const END_LABEL = {
  rate_limited: 'usage_limit',
  auth_failed: 'auth',
  throttled: 'throttled',
  api_error: 'api_error',
  network: 'network',
} as const;

/** The structured events the live supervisor would have had at the capture's moment, and no more:
 * its hook sink's events (PaneWatch reads <run>/hooks/events.jsonl) and the transcript lines its
 * reader parses (transcriptEvent: codex rollouts) and the vendor-log records (vendorLogEvent: copilot,
 * gemini), oldest first, as PaneWatch merges them. Claude's
 * `stream` is not fed: it is a file the conformance harness kept through `tee`, which the product
 * never has (the same lines on the pane are read as pane text). */
export function sourceEvents(c: Capture): HookEvent[] {
  const hooks = (c.hooks ?? []).map((h) => parseHookLine(JSON.stringify(h)));
  const fromTranscript = (c.transcript?.tail ?? []).map((l) => transcriptEvent(c.vendor, l));
  const fromLog = (c.vendorLog?.tail ?? []).map((l) => vendorLogEvent(c.vendor, l));
  const events = [...hooks, ...fromTranscript, ...fromLog].filter((e): e is HookEvent => e !== null);
  // PaneWatch keeps the newest HOOK_MEMORY events, oldest first.
  return events.sort((a, b) => a.at.localeCompare(b.at)).slice(-HOOK_MEMORY);
}

/** The detector's answer as the product shows it, in truth labels. A live pane: liveLabel. A dead
 * pane is read like the supervisor's endReason (the whole screen, no title, endReasonOf): its reason
 * if it has one, otherwise exit 0 is `done` and any other exit `failed`. */
export function seenOf(c: Capture): { seen: Seen; resetAt?: string; detail: string } {
  const d = detect({
    agent: c.vendor,
    screen: c.screen,
    // A dead pane's end reason is read from its last screen alone (Detector.endReason).
    ...(c.dead ? { dead: true } : { title: c.title, hookEvents: sourceEvents(c) }),
    now: new Date(c.capturedAt),
    timeZone: 'UTC',
    patterns: patternsOf(c.vendor),
  });
  const detail = d
    ? `${d.state}${d.reason ? `(${d.reason})` : ''} <- ${d.evidence.source}: ${d.evidence.detail}${d.evidence.pattern ? ` [${d.evidence.pattern}]` : ''}`
    : 'nothing';
  let seen: Seen;
  if (c.dead) {
    const end = endReasonOf(d, c.exitSignal ? null : c.exitStatus);
    seen = end ? END_LABEL[end] : c.exitStatus === 0 && !c.exitSignal ? 'done' : 'failed';
  } else if (c.moment === 'just_started' && heldIdle(d)) {
    // The product believes an idle read from the screen or title only after the pane has been quiet
    // for idleSeconds (PaneWatch.heldIdle, 30 s by default); this pane has just drawn its first screen
    // (the CLI's prompt box, the launch prompt not yet typed in), so the product shows it running.
    return {
      seen: 'working',
      detail: `${detail} (held: the pane has just drawn; idle counts after idleSeconds of quiet)`,
    };
  } else seen = liveLabel(d);
  return { seen, ...(d?.resetAt ? { resetAt: d.resetAt } : {}), detail };
}

// A reset or retry time as the CLIs print one: a clock time, a duration, or a date.
const RESET_SHOWN =
  /\b(resets?|try again|retry in|retry after|retrying in|available (again )?(at|in))\b[^\n]{0,40}?(\d{1,2}(:\d\d)?\s*(am|pm)\b|\d+(\.\d+)?\s*(s|sec|seconds|m|min|minutes|h|hours)\b|\d{1,2}:\d\d)/i;

export function score(c: Capture): Scored {
  const { seen, resetAt, detail } = seenOf(c);
  const truth = c.truth.label;
  const resetShown = truth === 'usage_limit' && RESET_SHOWN.test(c.screen);
  const minute = (iso?: string) => (iso ? Math.floor(Date.parse(iso) / 60_000) : NaN);
  return {
    capture: c,
    seen,
    right: seen === truth,
    falseCalm: ERROR_LABELS.includes(truth) && (seen === 'done' || seen === 'idle'),
    resetShown,
    resetRight: resetShown && minute(resetAt) === minute(c.truth.resetAt),
    detail,
  };
}

export interface Report {
  total: number;
  right: number;
  byVendor: Record<string, { n: number; right: number }>;
  byState: Record<string, { n: number; right: number }>;
  confusion: Record<string, number>;
  falseCalm: Scored[];
  resetShown: number;
  resetParsed: number;
  misses: Scored[];
}

export function report(captures: Capture[]): Report {
  const r: Report = {
    total: 0,
    right: 0,
    byVendor: {},
    byState: {},
    confusion: {},
    falseCalm: [],
    resetShown: 0,
    resetParsed: 0,
    misses: [],
  };
  const bump = (m: Record<string, { n: number; right: number }>, k: string, ok: boolean) => {
    m[k] ??= { n: 0, right: 0 };
    m[k].n++;
    if (ok) m[k].right++;
  };
  for (const c of captures) {
    const s = score(c);
    r.total++;
    if (s.right) r.right++;
    else {
      r.misses.push(s);
      const k = `${c.truth.label} -> ${s.seen}`;
      r.confusion[k] = (r.confusion[k] ?? 0) + 1;
    }
    bump(r.byVendor, c.vendor, s.right);
    bump(r.byState, c.truth.label, s.right);
    if (s.falseCalm) r.falseCalm.push(s);
    if (s.resetShown) r.resetShown++;
    if (s.resetRight) r.resetParsed++;
  }
  return r;
}

const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : '-');

export function formatReport(r: Report, verbose = false): string {
  const lines = [`captures: ${r.total}, right: ${r.right} (${pct(r.right, r.total)})`, '', 'per vendor:'];
  for (const [k, v] of Object.entries(r.byVendor).sort())
    lines.push(
      `  ${k.padEnd(10)} ${String(v.n).padStart(4)} captures  ${pct(v.right, v.n).padStart(6)} right`,
    );
  lines.push('', 'per true state:');
  for (const [k, v] of Object.entries(r.byState).sort())
    lines.push(`  ${k.padEnd(12)} ${String(v.n).padStart(4)}  ${pct(v.right, v.n).padStart(6)} right`);
  lines.push('', 'confusion of the misses (truth -> detector):');
  for (const [k, n] of Object.entries(r.confusion).sort((a, b) => b[1] - a[1]))
    lines.push(`  ${String(n).padStart(4)}  ${k}`);
  lines.push('', `errors shown as a calm done/idle: ${r.falseCalm.length}`);
  for (const s of r.falseCalm) lines.push(`  ${s.capture.id}: ${s.detail}`);
  lines.push(
    `reset times shown on usage-limit screens: ${r.resetShown}, parsed to the right minute: ${r.resetParsed}`,
  );
  if (verbose) {
    lines.push('', 'misses:');
    for (const s of r.misses)
      lines.push(`  ${s.capture.id}: truth ${s.capture.truth.label}, saw ${s.seen} (${s.detail})`);
  }
  return lines.join('\n');
}
