// Everything the tray shows, as plain data: which icon, the tooltip, the menu tree. Pure (no
// electron) so it is table-tested under plain node; tray.ts only turns it into Electron objects.
import type { FleetNotices } from '../common/bridge.js';
import { GLANCE_LABEL, needsYou } from '../common/glance.js';
import type { Prompt } from '../common/prompt.js';
import { formatCpu, formatRss, usageText, type ResourceSample } from '../common/resources.js';
import { isEnded, type WorkcellState, type WorkcellSummary } from '../common/workcell.js';
import { replyItems } from './trayReplies.js';
import { runsGroup, runsNeedingYou, type RunsSnapshot } from './trayRuns.js';

export type TrayIcon = 'ok' | 'waiting' | 'alert' | 'limited' | 'empty';

export type TrayAction =
  | { kind: 'peek'; name: string }
  | { kind: 'terminal'; name: string }
  | { kind: 'kill'; name: string }
  | { kind: 'resume'; name: string }
  /** A parked workcell (usage limit): resume it now, or cancel its scheduled resume. */
  | { kind: 'recover'; name: string; action: 'now' | 'cancel' }
  | { kind: 'reply'; name: string; key: string }
  | { kind: 'dashboard' }
  | { kind: 'settings' }
  | { kind: 'quit' };

export interface TrayMenuItem {
  /** Stable across rebuilds (Electron menu item ids; also what tests look for). */
  id: string;
  /** Plain text: tray.ts escapes `&` for Electron's mnemonic syntax. */
  label: string;
  type?: 'normal' | 'separator';
  enabled?: boolean;
  action?: TrayAction;
  submenu?: TrayMenuItem[];
}

export interface TrayModel {
  icon: TrayIcon;
  /** How many workcells need the user (main/common/glance.ts needsYou), seen ended ones left out:
   * the number on the icon (app.setBadgeCount / the tray title). */
  badge: number;
  tooltip: string;
  menu: TrayMenuItem[];
}

export const TRAY = {
  /** A tray menu taller than the screen scrolls badly on every OS; the dashboard has the full list.
   * 5 per group keeps a fleet of 60 under ~50 rows even with every group full. */
  maxPerGroup: 5,
  /** The question beside a waiting entry: enough to recognise it; the submenu has the last line. */
  questionChars: 48,
  /** Menu rows stay readable on a 1280px-wide screen; the last line is a hint, not the log. */
  lastLineChars: 60,
  appName: 'Session Supervisor',
} as const;

export type TrayGroup = 'attention' | 'waiting' | 'limited' | 'running' | 'idle' | 'done' | 'ended';

/** Menu order: what needs the user first. */
const GROUPS: readonly { id: TrayGroup; label: string }[] = [
  { id: 'waiting', label: 'Waiting for you' },
  { id: 'attention', label: 'Failed or stalled' },
  { id: 'limited', label: 'Rate-limited' },
  { id: 'running', label: 'Running' },
  { id: 'idle', label: 'Idle' },
  { id: 'done', label: 'Done' },
  { id: 'ended', label: 'Killed' },
];

/** Which menu group a workcell belongs to. A done workcell whose verify failed is "claimed done, not
 * verified" (DESIGN.md §2) and needs the user like a failure does. */
export function groupOf(w: Pick<WorkcellSummary, 'state' | 'verified'>): TrayGroup {
  const byState: Record<WorkcellState, TrayGroup> = {
    starting: 'running',
    running: 'running',
    waiting: 'waiting',
    idle: 'idle',
    stalled: 'attention',
    rate_limited: 'limited',
    auth_failed: 'attention',
    done: 'done',
    failed: 'attention',
    vanished: 'attention',
    orphaned: 'attention',
    killed: 'ended',
  };
  if (w.state === 'done' && w.verified === false) return 'attention';
  return byState[w.state];
}

/** Worst first: a failure outranks a question, which outranks a usage limit (that one fixes itself). */
const ICON_RANK: readonly TrayIcon[] = ['alert', 'waiting', 'limited', 'ok'];
const ICON_OF_GROUP: Record<TrayGroup, TrayIcon> = {
  attention: 'alert',
  waiting: 'waiting',
  limited: 'limited',
  running: 'ok',
  idle: 'ok',
  done: 'ok',
  ended: 'ok',
};

/** The glance: empty with no workcells; otherwise the worst group among unmuted workcells (a muted
 * workcell is still listed but does not turn the icon red). */
export function iconOf(list: readonly WorkcellSummary[]): TrayIcon {
  if (list.length === 0) return 'empty';
  let best = ICON_RANK.length - 1;
  for (const w of list) {
    if (w.muted) continue;
    best = Math.min(best, ICON_RANK.indexOf(ICON_OF_GROUP[groupOf(w)]));
  }
  return ICON_RANK[best] ?? 'ok';
}

/** 45s, 12m, 3h 5m, 2d 4h: short enough for a menu row. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d}d` : `${d}d ${h % 24}h`;
}

function parseTime(iso: string | null): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

// States whose age is the news: how long it has waited, made no progress, been locked out.
const AGED: ReadonlySet<WorkcellState> = new Set(['waiting', 'stalled', 'auth_failed', 'idle', 'orphaned']);

/** "running 12m", "ended 3m ago", "resets in 1h 5m", waiting: time since it began waiting. */
export function ageText(w: WorkcellSummary, now: number): string {
  const since = AGED.has(w.state) ? parseTime(w.stateSince ?? null) : null;
  if (since !== null) return formatAge(now - since);
  if (w.state === 'rate_limited') {
    const reset = parseTime(w.resetAt);
    if (reset !== null && reset > now) return `resets in ${formatAge(reset - now)}`;
  }
  const ended = parseTime(w.endedAt);
  if (isEnded(w.state) && ended !== null) return `${formatAge(now - ended)} ago`;
  const started = parseTime(w.startedAt);
  return started === null ? '' : formatAge(now - started);
}

export function truncate(text: string, max: number): string {
  const flat = text
    // eslint-disable-next-line no-control-regex -- pane text can carry stray control characters
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (flat.length <= max) return flat;
  return `${flat.slice(0, max - 1).trimEnd()}…`;
}

function stateWord(w: WorkcellSummary): string {
  if (w.state === 'done' && w.verified === false) return GLANCE_LABEL.verify_failed;
  if (w.state === 'done' && w.verified === true) return 'done, verified';
  return w.state.replace('_', '-');
}

function entry(w: WorkcellSummary, now: number, prompt?: Prompt, usage?: ResourceSample): TrayMenuItem {
  const age = ageText(w, now);
  // CPU and memory (children included) while they are sampled; an ended workcell has none.
  const load = usage && !isEnded(w.state) ? usageText(usage) : '';
  const head0 = [w.name, stateWord(w), age, load].filter((s) => s.length > 0).join(' · ');
  // A waiting entry says what it asks, so the user knows which one to answer without opening it.
  const question =
    w.state === 'waiting' ? truncate(w.evidence?.detail ?? w.lastLine, TRAY.questionChars) : '';
  const head = question ? `${head0} — ${question}` : head0;
  const last = truncate(w.lastLine, TRAY.lastLineChars);
  const ended = isEnded(w.state);
  const id = `wc:${w.name}`;
  return {
    id,
    label: w.muted ? `${head} (muted)` : head,
    submenu: [
      ...replyItems(w.name, prompt),
      ...recoverItems(w),
      ...(last.length > 0 ? [{ id: `${id}:last`, label: last, enabled: false }] : []),
      ...(last.length > 0 ? [{ id: `${id}:sep`, label: '', type: 'separator' as const }] : []),
      { id: `${id}:peek`, label: 'Peek', enabled: w.pane !== null, action: { kind: 'peek', name: w.name } },
      {
        id: `${id}:terminal`,
        label: 'Open in my terminal',
        enabled: w.pane !== null,
        action: { kind: 'terminal', name: w.name },
      },
      { id: `${id}:kill`, label: 'Kill', enabled: !ended, action: { kind: 'kill', name: w.name } },
      { id: `${id}:resume`, label: 'Resume', enabled: ended, action: { kind: 'resume', name: w.name } },
    ],
  };
}

/** A workcell parked on a usage limit (recovery scheduled its resume): resume now or cancel the wait,
 * as the dashboard and `workcell recover` offer. */
function recoverItems(w: WorkcellSummary): TrayMenuItem[] {
  if (w.recovery?.state !== 'scheduled') return [];
  const id = `wc:${w.name}`;
  return [
    {
      id: `${id}:recover-now`,
      label: 'Resume now',
      action: { kind: 'recover', name: w.name, action: 'now' },
    },
    ...(w.recovery.how === 'suggest'
      ? []
      : [
          {
            id: `${id}:recover-cancel`,
            label: 'Cancel the wait',
            action: { kind: 'recover' as const, name: w.name, action: 'cancel' as const },
          },
        ]),
    { id: `${id}:recover-sep`, label: '', type: 'separator' as const },
  ];
}

/** "2 running, 1 waiting" in menu-group order; muted ones still count (they exist). */
export function countsText(list: readonly WorkcellSummary[]): string {
  const counts = new Map<TrayGroup, number>();
  for (const w of list) counts.set(groupOf(w), (counts.get(groupOf(w)) ?? 0) + 1);
  const words: Record<TrayGroup, string> = {
    waiting: 'waiting',
    attention: 'need attention',
    limited: 'rate-limited',
    running: 'running',
    idle: 'idle',
    done: 'done',
    ended: 'killed',
  };
  return GROUPS.filter((g) => counts.has(g.id))
    .map((g) => `${counts.get(g.id)} ${words[g.id]}`)
    .join(', ');
}

/** What identifies one ending of a workcell: a resumed and ended again workcell is news again. */
export function seenKey(w: Pick<WorkcellSummary, 'name' | 'endedAt'>): string {
  return `${w.name}@${w.endedAt ?? ''}`;
}

export interface TrayOptions {
  /** Endings the user has seen (seenKey): those entries leave the menu and the badge. */
  seen?: ReadonlySet<string>;
  /** The question and answers of waiting workcells (trayReplies.ts), for quick replies. */
  prompts?: ReadonlyMap<string, Prompt>;
  /** Loops and pipelines (trayRuns.ts): a group with their progress, after the workcells. */
  runs?: RunsSnapshot;
  /** CPU and memory per workcell (main/common/resources.ts), while the daemon samples them. */
  resources?: ReadonlyMap<string, ResourceSample>;
}

/** "CPU 145% · 1.2 GB in 3 workcells" over the live workcells sampled; '' with none. */
export function usageTotal(
  list: readonly WorkcellSummary[],
  resources: ReadonlyMap<string, ResourceSample>,
): string {
  const live = list
    .filter((w) => !isEnded(w.state) && resources.has(w.name))
    .map((w) => resources.get(w.name)!);
  if (live.length === 0) return '';
  const cpu = live.every((s) => s.cpuPercent === null)
    ? null
    : live.reduce((a, s) => a + (s.cpuPercent ?? 0), 0);
  const rss = live.reduce((a, s) => a + s.rssBytes, 0);
  return `CPU ${formatCpu(cpu)} · ${formatRss(rss)} in ${live.length} workcell${live.length === 1 ? '' : 's'}`;
}

export function buildTrayModel(
  all: readonly WorkcellSummary[],
  now: number,
  notices: FleetNotices = { supervisor: null, settings: null },
  opts: TrayOptions = {},
): TrayModel {
  const seen = opts.seen ?? new Set<string>();
  const prompts = opts.prompts ?? new Map<string, Prompt>();
  const resources = opts.resources ?? new Map<string, ResourceSample>();
  const list = all.filter((w) => !(isEnded(w.state) && seen.has(seenKey(w))));
  const stuckRuns = runsNeedingYou(opts.runs);
  const badge = list.filter(needsYou).length + stuckRuns;
  const icon = notices.supervisor || stuckRuns > 0 ? 'alert' : iconOf(list);
  const counts = countsText(list);
  const problems = [notices.supervisor, notices.settings, notices.disk].filter((n): n is string =>
    Boolean(n),
  );
  const total = usageTotal(list, resources);
  const tooltip =
    (list.length === 0 ? `${TRAY.appName}: no workcells` : `${TRAY.appName}: ${counts}`) +
    (total ? `\n${total}` : '') +
    problems.map((p) => `\n⚠ ${p}`).join('');

  // What makes the rest of the menu untrustworthy comes first, with the way to fix it.
  const menu: TrayMenuItem[] = [];
  if (notices.supervisor)
    menu.push({
      id: 'notice:supervisor',
      label: '⚠ No supervisor is watching: open the dashboard',
      action: { kind: 'dashboard' },
    });
  if (notices.settings)
    menu.push({
      id: 'notice:settings',
      label: '⚠ settings.json is broken: open Settings…',
      action: { kind: 'settings' },
    });
  if (notices.disk)
    menu.push({ id: 'notice:disk', label: '⚠ The disk is full: free some space', enabled: false });
  menu.push({ id: 'summary', label: list.length === 0 ? 'No workcells' : counts, enabled: false });
  for (const g of GROUPS) {
    const members = list.filter((w) => groupOf(w) === g.id).sort((a, b) => a.name.localeCompare(b.name));
    if (members.length === 0) continue;
    menu.push({ id: `sep:${g.id}`, label: '', type: 'separator' });
    menu.push({ id: `group:${g.id}`, label: `${g.label} (${members.length})`, enabled: false });
    for (const w of members.slice(0, TRAY.maxPerGroup))
      menu.push(entry(w, now, prompts.get(w.name), resources.get(w.name)));
    const hidden = members.length - TRAY.maxPerGroup;
    if (hidden > 0) {
      menu.push({
        id: `more:${g.id}`,
        label: `${hidden} more… open dashboard`,
        action: { kind: 'dashboard' },
      });
    }
  }
  menu.push(...runsGroup(opts.runs, TRAY.maxPerGroup));
  menu.push(
    { id: 'sep:end', label: '', type: 'separator' },
    { id: 'dashboard', label: 'Open dashboard', action: { kind: 'dashboard' } },
    { id: 'settings', label: 'Settings…', action: { kind: 'settings' } },
    { id: 'quit', label: 'Quit', action: { kind: 'quit' } },
  );
  return { icon, badge, tooltip, menu };
}
