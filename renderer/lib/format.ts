// Display helpers shared by the list and the detail pane.
import {
  forText,
  GLANCE_ICON,
  GLANCE_LABEL,
  glanceClassOf,
  glanceStateOf,
  verifyWord,
} from '../../main/common/glance.js';
import type { WorkcellState, WorkcellSummary } from '../../main/common/workcell.js';
import { h } from './dom.js';

export const STATE_LABEL: Record<WorkcellState, string> = {
  starting: 'starting',
  running: 'running',
  waiting: 'waiting for input',
  idle: 'idle',
  stalled: 'stalled',
  rate_limited: 'rate-limited',
  auth_failed: 'auth failed',
  done: 'done',
  failed: 'failed',
  vanished: 'vanished',
  orphaned: 'orphaned',
  killed: 'killed',
};

/** Filter groups, most useful first: what needs the user, what works, what ended. */
export const STATE_GROUPS: Record<string, readonly WorkcellState[]> = {
  // orphaned: its processes still run unseen until the user kills or gc's them.
  attention: ['waiting', 'stalled', 'rate_limited', 'auth_failed', 'failed', 'vanished', 'orphaned'],
  active: ['starting', 'running', 'waiting', 'idle', 'stalled', 'rate_limited'],
  ended: ['done', 'failed', 'vanished', 'killed'],
};

export function age(fromIso: string, toIso: string | null, now = Date.now()): string {
  const ms = (toIso ? Date.parse(toIso) : now) - Date.parse(fromIso);
  if (!Number.isFinite(ms)) return '–';
  // endedAt can precede startedAt by a few ms when the exit record is stamped by another clock read.
  if (ms < 0) return '0s';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const hr = Math.floor(m / 60);
  if (hr < 48) return `${hr}h ${m % 60}m`;
  return `${Math.floor(hr / 24)}d`;
}

/** The verify cell: the same words as `workcell ls` (main/common/glance.ts). */
export function verifyLabel(w: Pick<WorkcellSummary, 'state' | 'verify' | 'verified'>): {
  text: string;
  cls: string;
} {
  const v = verifyWord(w);
  return { text: v.text, cls: v.tone };
}

/** The state pill: glyph and words, coloured by urgency class (never colour alone), evidence on hover. */
export function statePill(w: WorkcellSummary, testid?: string): HTMLElement {
  const g = glanceStateOf(w);
  return h(
    'span',
    {
      class: `state g-${glanceClassOf(w)} gs-${g}`,
      title: evidenceText(w),
      'data-glance': g,
      ...(testid ? { testid } : {}),
    },
    h('span', { class: 'state-icon', 'aria-hidden': 'true' }, GLANCE_ICON[g]),
    GLANCE_LABEL[g],
  );
}

/** "for 12m" beside the pill, with the exact time on hover. */
export function sinceTag(w: WorkcellSummary, now: number): HTMLElement | null {
  const text = forText(w, now);
  if (!text) return null;
  const at = w.stateSince ?? w.endedAt ?? w.startedAt;
  return h(
    'span',
    { class: 'since', title: `since ${new Date(at).toLocaleString()}`, testid: 'since' },
    text,
  );
}

export function evidenceText(w: WorkcellSummary): string {
  const e = w.evidence;
  const lines = [GLANCE_LABEL[glanceStateOf(w)]];
  if (e) lines.push(`${e.source}: ${e.detail}`, `at ${new Date(e.at).toLocaleString()}`);
  if (w.reason) lines.push(`reason: ${w.reason}`);
  if (w.resetAt) lines.push(`resets at ${new Date(w.resetAt).toLocaleString()}`);
  return lines.join('\n');
}

export function repoShort(repo: string): string {
  const parts = repo.split('/').filter(Boolean);
  return parts.slice(-2).join('/') || repo;
}
