// Scores the detector on labelled captures: what it says, mapped to the truth labels, and the
// figures issue 9 asks for (accuracy per vendor and per state, confusion of the misses, errors shown
// as a calm done/idle, reset times parsed out of those shown).
import { builtinPatterns } from '../../agents/patterns.js';
import { detect } from '../../detect/index.js';
import { ERROR_LABELS, type Capture, type TruthLabel } from './capture.js';

// Loading a vendor's patterns reads and compiles its files: once per vendor, not once per capture.
const patternCache = new Map<string, ReturnType<typeof builtinPatterns>>();
function patternsOf(vendor: string): ReturnType<typeof builtinPatterns> {
  let p = patternCache.get(vendor);
  if (!p) patternCache.set(vendor, (p = builtinPatterns(vendor)));
  return p;
}

export type Seen = TruthLabel | 'failed' | 'stalled' | 'none';

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

/** The detector's answer as the product shows it, in truth labels. A live pane the detector says
 * nothing about is `running` (paneWatch's default). A dead pane is read like the supervisor's
 * endReason: the screen without the title, and only a usage limit, a lost login or a network failure
 * becomes the reason; otherwise exit 0 is `done` and any other exit `failed`. */
export function seenOf(c: Capture): { seen: Seen; resetAt?: string; detail: string } {
  const d = detect({
    agent: c.vendor,
    screen: c.screen,
    ...(c.dead ? {} : { title: c.title }),
    now: new Date(c.capturedAt),
    timeZone: 'UTC',
    patterns: patternsOf(c.vendor),
  });
  const detail = d
    ? `${d.state}${d.reason ? `(${d.reason})` : ''} <- ${d.evidence.source}: ${d.evidence.detail}`
    : 'nothing';
  const reason = d?.reason as string | undefined;
  let seen: Seen = 'working';
  if (d?.state === 'rate_limited') seen = 'usage_limit';
  else if (d?.state === 'auth_failed') seen = 'auth';
  else if (reason === 'network') seen = 'network';
  else if (reason === 'api_error' || reason === 'throttled') seen = reason;
  else if (c.dead) seen = c.exitStatus === 0 ? 'done' : 'failed';
  else if (d?.state === 'waiting') seen = 'waiting';
  else if (d?.state === 'idle') seen = 'idle';
  else if (d?.state === 'stalled') seen = 'stalled';
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
