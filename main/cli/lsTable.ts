// The `workcell ls` table: urgency order, the same state words and glyphs as the dashboard, colour on a
// terminal, and widths that fit it. Pure (now, width and colour are passed in) so it is unit-tested.
import {
  forText,
  GLANCE_ICON,
  GLANCE_LABEL,
  glanceClassOf,
  glanceStateOf,
  groupByRepo,
  shortDuration,
  sortByUrgency,
  verifyWord,
  type GlanceClass,
} from '../common/glance.js';
import type { ListingProblem, WorkcellSummary } from '../common/workcell.js';
import { age } from './format.js';
import { pausedText } from '../core/recovery/summary.js';

export interface LsOptions {
  now: number;
  /** Terminal columns, or null when piped (then nothing is cut). */
  width: number | null;
  color: boolean;
  group?: 'repo';
  /** Where "paused until 3:10 pm" is read (undefined: the machine's own zone; tests pass one). */
  timeZone?: string;
}

/** SGR colours per class, the dashboard's hues in the 16 colours every terminal has. */
const SGR: Record<GlanceClass, string> = {
  waiting: '1;35', // bold magenta: a question for you
  failed: '1;31', // bold red
  auth: '31',
  limited: '33',
  stalled: '33',
  working: '32',
  ended: '2', // dim
};
const paint = (on: boolean, sgr: string, s: string): string => (on && s ? `\x1b[${sgr}m${s}\x1b[0m` : s);

/** Below this the last line says nothing: drop whole columns (REPO, then AGENT, AGE) before
 * squeezing it (the old table cut it to 13 characters on a 100-column terminal). */
const MIN_LAST = 30;
/** Long cells are cut with … so one long name or repo cannot push every other row to the right. */
// state: "paused until Tue 3:10 pm (in 1 h 50 m)" and its glyph fit.
const MAX_CELL = { name: 28, repo: 24, state: 42 } as const;

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`;
}

function repoShort(repo: string): string {
  const parts = repo.split('/').filter(Boolean);
  return parts.slice(-2).join('/') || repo;
}

function stateCell(w: WorkcellSummary, now: number, timeZone?: string): string {
  const g = glanceStateOf(w);
  // A scheduled resume says more than the state word: when work starts again by itself.
  if (w.recovery) return `${GLANCE_ICON[g]} ${pausedText(w.name, w.recovery, { now, timeZone })}`;
  let label = GLANCE_LABEL[g];
  if (w.state === 'failed')
    label += w.signal ? ` (${w.signal})` : w.exitCode !== null ? ` (${w.exitCode})` : '';
  let when = forText(w, now);
  if (w.state === 'rate_limited' && w.resetAt) {
    const reset = Date.parse(w.resetAt);
    // Relative, so it never depends on the reader's time zone.
    if (Number.isFinite(reset) && reset > now) when = `resets in ${shortDuration(reset - now)}`;
  }
  return `${GLANCE_ICON[g]} ${label}${when ? ` ${when}` : ''}`;
}

type Col = 'STATE' | 'NAME' | 'AGENT' | 'REPO' | 'AGE' | 'VERIFY' | 'LAST LINE';
/** The order columns are dropped in when the terminal is narrow. */
const DROPPABLE: readonly Col[] = ['REPO', 'AGENT', 'AGE', 'VERIFY'];

export function renderLs(
  workcells: readonly WorkcellSummary[],
  problems: readonly ListingProblem[],
  o: LsOptions,
): string {
  const cellsOf = (w: WorkcellSummary): Record<Col, string> => ({
    STATE: cut(stateCell(w, o.now, o.timeZone), MAX_CELL.state),
    NAME: cut(w.name, MAX_CELL.name),
    AGENT: w.agent,
    REPO: cut(repoShort(w.repo), MAX_CELL.repo),
    AGE: age(w.startedAt, o.now),
    VERIFY: verifyWord(w).text,
    'LAST LINE': w.lastLine,
  });
  const sections =
    o.group === 'repo' ? groupByRepo(workcells) : [{ repo: '', items: sortByUrgency(workcells) }];
  const rows = sections.flatMap((s) => s.items.map((w) => ({ w, c: cellsOf(w) })));
  const probRows = problems.map((p) => ({
    w: null,
    c: {
      STATE: `⚠ ${p.state}`,
      NAME: p.name,
      AGENT: '-',
      REPO: '-',
      AGE: '-',
      VERIFY: '-',
      'LAST LINE': p.reason,
    },
  }));
  const all = [...rows, ...probRows];
  let cols: Col[] = ['STATE', 'NAME', 'AGENT', 'REPO', 'AGE', 'VERIFY', 'LAST LINE'];
  if (o.group === 'repo') cols = cols.filter((c) => c !== 'REPO');
  const widthOf = (c: Col) => Math.max(c.length, ...all.map((r) => r.c[c].length));
  const fixed = () =>
    cols
      .slice(0, -1)
      .map((c) => widthOf(c) + 2)
      .reduce((a, b) => a + b, 0);
  if (o.width !== null)
    for (const d of DROPPABLE) if (o.width - fixed() < MIN_LAST) cols = cols.filter((c) => c !== d);
  const widths = new Map(cols.map((c) => [c, widthOf(c)]));
  const line = (cells: Record<Col, string>, cls: GlanceClass | null, header = false): string => {
    const head = cols.slice(0, -1).map((c) => cells[c].padEnd(widths.get(c)!));
    let last = cells['LAST LINE'];
    if (o.width !== null) {
      const room = Math.max(MIN_LAST, o.width - fixed());
      if (last.length > room) last = cut(last, room);
    }
    // Colour only the state cell (padding outside the escape, so columns stay aligned).
    if (!header && cls)
      head[0] = paint(o.color, SGR[cls], cells.STATE) + ' '.repeat(widths.get('STATE')! - cells.STATE.length);
    if (header) return paint(o.color, '1', [...head, last].join('  ').trimEnd());
    return [...head, last].join('  ').trimEnd();
  };
  const header = Object.fromEntries(cols.map((c) => [c, c])) as Record<Col, string>;
  const out = [line(header, null, true)];
  for (const s of sections) {
    if (o.group === 'repo') out.push('', paint(o.color, '1', `${s.repo} (${s.items.length})`));
    for (const w of s.items) out.push(line(cellsOf(w), glanceClassOf(w)));
  }
  if (probRows.length && o.group === 'repo') out.push('');
  for (const p of probRows) out.push(line(p.c, 'failed'));
  return out.join('\n');
}

/** Colour when stdout is a terminal and NO_COLOR (no-color.org) is unset or empty. */
export function wantsColor(isTTY: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  return Boolean(isTTY) && !env.NO_COLOR;
}
