import type { WorkcellSummary } from '../common/workcell.js';
import { pausedText } from '../core/recovery/summary.js';

export function age(iso: string | null, now = Date.now()): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d`;
}

export function verifyLabel(w: WorkcellSummary): string {
  if (!w.verify.ran) return w.state === 'done' ? 'unverified' : '-';
  if (w.verify.exitCode === 0) return 'verified';
  if (w.state === 'done') return 'CLAIMED DONE, NOT VERIFIED';
  // No exit code: verify.sh could not run, timed out or was stopped (verify.reason says which).
  return w.verify.exitCode === null ? 'verify gave no answer' : `verify failed (${w.verify.exitCode})`;
}

// States whose age is the news: how long it has waited, sat idle, made no progress.
const AGED = new Set(['waiting', 'idle', 'stalled', 'auth_failed', 'orphaned']);

/** `timeZone`: where "paused until 3:10 pm" is read (undefined: the machine's own; tests pass one). */
export function stateLabel(w: WorkcellSummary, now = Date.now(), timeZone?: string): string {
  const paused = w.recovery ? `, ${pausedText(w.name, w.recovery, { now, timeZone })}` : '';
  if (w.state === 'failed') return `${w.signal ? `failed (${w.signal})` : `failed (${w.exitCode})`}${paused}`;
  if (w.state === 'rate_limited' && w.resetAt) return `rate_limited until ${w.resetAt}${paused}`;
  if (AGED.has(w.state) && w.stateSince) return `${w.state} ${age(w.stateSince, now)}${paused}`;
  return `${w.state}${paused}`;
}

/** A plain aligned table; long last lines are cut to the terminal width. */
export function table(rows: string[][], width = process.stdout.columns || 120): string {
  if (rows.length === 0) return '';
  const cols = rows[0]!.length;
  const widths = Array.from({ length: cols - 1 }, (_, i) =>
    Math.max(...rows.map((r) => (r[i] ?? '').length)),
  );
  return rows
    .map((r) => {
      const head = r
        .slice(0, -1)
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ');
      const line = `${head}  ${r[cols - 1] ?? ''}`;
      return line.length > width ? `${line.slice(0, width - 1)}…` : line;
    })
    .join('\n');
}
