// When an item interrupted by a usage limit is tried again: the recovery playbook decides it, so a
// loop and the daemon's recoverer never disagree about a reset. If the recoverer already scheduled the
// workcell's resume (runs/NAME/recovery.json), the loop waits for that same time; otherwise it asks
// the same rule (recovery/plan.ts dueOf: the reset plus jitter, or a capped backoff when no reset time
// was named). Either way the wait consumes no iteration and no retry.
import type { WorkcellStatus } from '../../common/workcell.js';
import type { ControlDir } from '../paths.js';
import { dueOf } from '../recovery/plan.js';
import { readRecovery } from '../recovery/record.js';

export interface LimitPark {
  /** ms since epoch: not before this is the item tried again. */
  until: number;
  /** Said in the event log and progress: "paused until 15:10 UTC (in 1 h 50 m)". */
  why: string;
}

export async function limitPark(
  dir: ControlDir,
  status: Pick<WorkcellStatus, 'name' | 'resetAt'>,
  now: number,
  rand: number,
): Promise<LimitPark> {
  const rec = await readRecovery(dir, status.name).catch(() => null);
  const sched = rec?.limit;
  if (sched && (sched.state === 'scheduled' || sched.state === 'firing' || sched.state === 'confirming')) {
    const at = Date.parse(sched.dueAt);
    if (Number.isFinite(at))
      return { until: Math.max(now, at), why: `the recoverer's schedule (${sched.dueAt})` };
  }
  const d = dueOf(status.resetAt, now, 0, rand);
  return { until: d.dueAt, why: d.text };
}
