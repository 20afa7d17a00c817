// The scheduled resume as every view shows it (issue 11): the `recovery` field of a workcell summary
// (engine.ts fills it, the bridge serves it to the tray and dashboard) and the words `ls`, `status` and
// `explain` print: "paused until 3:10 pm (in 1 h 50 m)". The time is local to an injected zone and
// relative to an injected now, so neither the tests nor the text depend on the machine's zone or date.
import { join } from 'node:path';
import type { RecoverySummary, WorkcellStatus } from '../../common/workcell.js';
import { readJson } from '../fsutil.js';
import { localTime, spanText, type Clock } from '../notify/when.js';
import type { ControlDir } from '../paths.js';
import { RECOVERY_FILE, type RecoveryPolicy, type RecoveryRecord } from './record.js';
import { effectivePolicy } from './policy.js';

/** The summary of `name`'s open limit schedule, or null. `live`: the agent still runs in its pane (a
 * continue turn) rather than having exited (a relaunch). `defaultPolicy` is asked only when the record
 * names none and something is scheduled (the settings file is not read for every row of `ls`). */
export async function recoverySummaryOf(
  dir: ControlDir,
  status: Pick<WorkcellStatus, 'name'>,
  live: boolean,
  defaultPolicy: () => RecoveryPolicy | Promise<RecoveryPolicy>,
): Promise<RecoverySummary | null> {
  const rec = await readJson<RecoveryRecord>(join(dir.runDir(status.name), RECOVERY_FILE)).catch(() => null);
  const l = rec?.limit;
  if (!l || (l.state !== 'scheduled' && l.state !== 'confirming')) return null;
  const policy = await effectivePolicy(dir, status.name, rec, defaultPolicy);
  return {
    state: l.state,
    resumeAt: l.state === 'confirming' ? (l.firedAt ?? l.dueAt) : l.dueAt,
    attempt: l.state === 'confirming' ? l.attempts : l.attempts + 1,
    how: l.state === 'scheduled' && policy !== 'auto' ? 'suggest' : live ? 'continue' : 'relaunch',
    resetSource: l.resetSource,
  };
}

/** "paused until 3:10 pm (in 1 h 50 m)", and what follows it; one line for `ls`, `status`, `explain`. */
export function pausedText(name: string, r: RecoverySummary, clock: Clock): string {
  const at = Date.parse(r.resumeAt);
  const when = localTime(at, clock);
  if (r.state === 'confirming') return `resumed at ${when}: confirming the limit is gone`;
  const unknown = r.resetSource === 'estimated' ? '; reset time unknown, looking again then' : '';
  if (r.how === 'suggest')
    return at > clock.now
      ? `limit resets ${when} (in ${spanText(at - clock.now)}${unknown}): then \`workcell recover ${name}\``
      : `limit reset at ${when}: \`workcell recover ${name}\` resumes it`;
  if (at <= clock.now) return `resuming now (due ${when}, attempt ${r.attempt} of 2)`;
  return `paused until ${when} (in ${spanText(at - clock.now)}${unknown})`;
}
