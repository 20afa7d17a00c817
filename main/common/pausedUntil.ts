// "paused until 3:10 pm (in 1 h 50 m)" for a rate-limited workcell, in the list and the detail: the
// scheduled resume when the recovery playbook has one (`recovery.resumeAt`), else the limit's reset.
// The clock and zone are parameters (when.ts), so tests do not depend on the machine or the date.
import { glanceStateOf } from './glance.js';
import { localTime, spanText, type Clock } from './when.js';
import type { WorkcellSummary } from './workcell.js';

/** The summary's scheduled resume, read structurally: the field arrives with the recovery work. */
type WithRecovery = Pick<WorkcellSummary, 'state' | 'resetAt' | 'verified'> & {
  recovery?: { resumeAt?: string | null } | null;
};

export function pausedUntilText(w: WithRecovery, clock: Clock): string | null {
  if (glanceStateOf(w) !== 'rate_limited') return null;
  const at = w.recovery?.resumeAt ?? w.resetAt;
  const t = at ? Date.parse(at) : NaN;
  if (Number.isNaN(t)) return null;
  const local = localTime(t, clock);
  return t > clock.now
    ? `paused until ${local} (in ${spanText(t - clock.now)})`
    : `paused: resume time ${local} has passed`;
}
