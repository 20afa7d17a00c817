// Display helpers shared by the list and the detail pane.
import type { WorkcellState, WorkcellSummary } from '../../main/common/workcell.js';

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

export function verifyLabel(w: Pick<WorkcellSummary, 'state' | 'verify' | 'verified'>): {
  text: string;
  cls: string;
} {
  if (w.verified === false) return { text: 'claimed done, not verified', cls: 'bad' };
  if (w.verified === true) return { text: 'verified', cls: 'good' };
  if (w.verify.ran)
    return { text: `exit ${w.verify.exitCode ?? '?'}`, cls: w.verify.exitCode === 0 ? 'good' : 'bad' };
  return { text: '–', cls: 'muted' };
}

export function evidenceText(w: WorkcellSummary): string {
  const e = w.evidence;
  const lines = [STATE_LABEL[w.state]];
  if (e) lines.push(`${e.source}: ${e.detail}`, `at ${new Date(e.at).toLocaleString()}`);
  if (w.reason) lines.push(`reason: ${w.reason}`);
  if (w.resetAt) lines.push(`resets at ${new Date(w.resetAt).toLocaleString()}`);
  return lines.join('\n');
}

export function repoShort(repo: string): string {
  const parts = repo.split('/').filter(Boolean);
  return parts.slice(-2).join('/') || repo;
}
