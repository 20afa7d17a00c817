// The glance (issue 10): what each workcell's state means to the user, in one place, so the dashboard,
// the tray and `workcell ls` sort, colour, label and count the same way. Pure: no node, no DOM.
import type { WorkcellState, WorkcellSummary } from './workcell.js';

/** What a row shows: the state, plus "done · verify failed" as a state of its own (DESIGN.md §2:
 * "claimed done, not verified" must be shown as such, never as a green done). */
export type GlanceState = WorkcellState | 'verify_failed';

/** Urgency classes, most urgent first. Each has its own colour AND icon (never colour alone). */
export const GLANCE_CLASSES = [
  'waiting',
  'failed',
  'auth',
  'limited',
  'stalled',
  'working',
  'ended',
] as const;
export type GlanceClass = (typeof GLANCE_CLASSES)[number];

type Summaryish = Pick<WorkcellSummary, 'state' | 'verified'>;

export function glanceStateOf(w: Summaryish): GlanceState {
  return w.state === 'done' && w.verified === false ? 'verify_failed' : w.state;
}

const CLASS_OF: Record<GlanceState, GlanceClass> = {
  waiting: 'waiting',
  failed: 'failed',
  verify_failed: 'failed',
  // Gone without an exit record, or running unseen: the user must look, like a failure.
  vanished: 'failed',
  orphaned: 'failed',
  auth_failed: 'auth',
  rate_limited: 'limited',
  stalled: 'stalled',
  starting: 'working',
  running: 'working',
  idle: 'working',
  done: 'ended',
  killed: 'ended',
};

export function glanceClassOf(w: Summaryish): GlanceClass {
  return CLASS_OF[glanceStateOf(w)];
}

/** Words, one per shown state; the same in every view. */
export const GLANCE_LABEL: Record<GlanceState, string> = {
  starting: 'starting',
  running: 'running',
  waiting: 'waiting for you',
  idle: 'idle',
  stalled: 'stalled',
  rate_limited: 'rate-limited',
  auth_failed: 'auth failed',
  done: 'done',
  verify_failed: 'done · verify failed',
  failed: 'failed',
  vanished: 'vanished',
  orphaned: 'orphaned',
  killed: 'killed',
};

/** One glyph per shown state, in fonts every terminal and Chromium has (DejaVu, Noto, SF). Classes
 * differ in glyph as well as colour, so the list reads in greyscale and for colour-blind users. */
export const GLANCE_ICON: Record<GlanceState, string> = {
  waiting: '?',
  failed: '✕',
  verify_failed: '!',
  vanished: '✕',
  orphaned: '⚠',
  auth_failed: '⊘',
  rate_limited: '◷',
  stalled: '⋯',
  starting: '▸',
  running: '▸',
  idle: '○',
  done: '✓',
  killed: '■',
};

/** The classes that count as "needs you" (title, favicon, tray badge). Rate-limited is urgent enough
 * to sort high but not counted: it resumes on its own at the reset time. Muted workcells never count. */
const NEEDS_YOU: ReadonlySet<GlanceClass> = new Set(['waiting', 'failed', 'auth', 'stalled']);

export function needsYou(w: Summaryish & Pick<WorkcellSummary, 'muted'>): boolean {
  return !w.muted && NEEDS_YOU.has(glanceClassOf(w));
}

export function needsYouCount(list: readonly WorkcellSummary[]): number {
  return list.filter(needsYou).length;
}

/** The dashboard header: "5 workcells · 1 waiting · 1 in trouble · 2 paused · 1 working". Every class
 * but ended has a count, always shown (a 0 says "none", the same way for each): paused are the
 * rate-limited ones, held until a reset or a scheduled resume, neither in trouble nor working. */
export function headerCountsText(list: readonly Summaryish[]): string {
  const n = (...classes: GlanceClass[]) => list.filter((w) => classes.includes(glanceClassOf(w))).length;
  return [
    `${list.length} workcells`,
    `${n('waiting')} waiting`,
    `${n('failed', 'auth', 'stalled')} in trouble`,
    `${n('limited')} paused`,
    `${n('working')} working`,
  ].join(' · ');
}

/** When the shown state began: the persisted stateSince, else the end, else the start. */
export function stateSinceOf(
  w: Pick<WorkcellSummary, 'stateSince' | 'endedAt' | 'startedAt' | 'state'>,
): string {
  return w.stateSince ?? w.endedAt ?? w.startedAt;
}

/** 45s, 12m, 3h 5m, 2d 4h: short enough for a list cell or a menu row. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d}d` : `${d}d ${h % 24}h`;
}

/** "for 12m": how long the workcell has been in the shown state. Empty when the time is unknown. */
export function forText(
  w: Pick<WorkcellSummary, 'stateSince' | 'endedAt' | 'startedAt' | 'state'>,
  now: number,
): string {
  const t = Date.parse(stateSinceOf(w));
  return Number.isFinite(t) ? `for ${shortDuration(now - t)}` : '';
}

const time = (iso: string | null | undefined): number => {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? t : 0;
};

/** Urgency order: class first; inside the classes that need the user, the longest-waiting first (it
 * has waited longest); working ones newest first; ended ones most recently ended first; then name. */
export function compareUrgency(a: WorkcellSummary, b: WorkcellSummary): number {
  const ca = GLANCE_CLASSES.indexOf(glanceClassOf(a));
  const cb = GLANCE_CLASSES.indexOf(glanceClassOf(b));
  if (ca !== cb) return ca - cb;
  const cls = GLANCE_CLASSES[ca]!;
  const d =
    cls === 'working'
      ? time(b.startedAt) - time(a.startedAt)
      : cls === 'ended'
        ? time(stateSinceOf(b)) - time(stateSinceOf(a))
        : time(stateSinceOf(a)) - time(stateSinceOf(b));
  return d !== 0 ? d : a.name.localeCompare(b.name);
}

export function sortByUrgency<T extends WorkcellSummary>(list: readonly T[]): T[] {
  return [...list].sort(compareUrgency);
}

/** Groups by repo, each sorted by urgency; groups ordered by their most urgent member. */
export function groupByRepo<T extends WorkcellSummary>(list: readonly T[]): { repo: string; items: T[] }[] {
  const by = new Map<string, T[]>();
  for (const w of sortByUrgency(list)) {
    const g = by.get(w.repo);
    if (g) g.push(w);
    else by.set(w.repo, [w]);
  }
  // Map keeps insertion order, and insertion followed the urgency sort.
  return [...by].map(([repo, items]) => ({ repo, items }));
}

/** The verify column, the same words everywhere (the dashboard said "–" where `ls` said "unverified"). */
export function verifyWord(w: Pick<WorkcellSummary, 'state' | 'verify' | 'verified'>): {
  text: string;
  tone: 'good' | 'bad' | 'muted';
} {
  if (w.verified === false) return { text: 'verify failed', tone: 'bad' };
  if (w.verified === true) return { text: 'verified', tone: 'good' };
  if (!w.verify.ran)
    return w.state === 'done' ? { text: 'unverified', tone: 'muted' } : { text: '–', tone: 'muted' };
  if (w.verify.exitCode === 0) return { text: 'verified', tone: 'good' };
  // No exit code: verify.sh could not run, timed out or was stopped (verify.reason says which).
  return w.verify.exitCode === null
    ? { text: 'no answer', tone: 'bad' }
    : { text: `exit ${w.verify.exitCode}`, tone: 'bad' };
}

/** Filter groups for the state menu: what needs you, what works, what ended. */
export const FILTER_GROUPS: Record<string, (w: WorkcellSummary) => boolean> = {
  attention: (w) => ['waiting', 'failed', 'auth', 'limited', 'stalled'].includes(glanceClassOf(w)),
  active: (w) => !['done', 'failed', 'vanished', 'killed'].includes(w.state),
  ended: (w) => ['done', 'failed', 'vanished', 'killed'].includes(w.state),
};

/** Does the workcell match a state filter: 'all', a FILTER_GROUPS key, or one GlanceState. A done
 * workcell whose verify failed matches `verify_failed`, not `done`. */
export function matchesStateFilter(w: WorkcellSummary, filter: string): boolean {
  if (filter === 'all') return true;
  const g = FILTER_GROUPS[filter];
  return g ? g(w) : glanceStateOf(w) === filter;
}
