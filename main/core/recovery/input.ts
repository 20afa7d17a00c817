// Any user input to a workcell cancels its scheduled resume (issue 11): someone who types into it (a
// reply from the CLI, tray or dashboard, or keys in the take-control terminal) has taken it over, and
// a "your usage limit has reset; continue" typed later by the daemon would land in the middle of their
// work. Cheap when nothing is scheduled (one small read, no lock), so it can sit on every input path.
import { join } from 'node:path';
import type { ControlDir } from '../paths.js';
import { RunStore } from '../runStore.js';
import { readJson } from '../fsutil.js';
import { RECOVERY_FILE, updateRecovery, type RecoveryRecord } from './record.js';

/** Cancels `name`'s scheduled resume because of user input (`by`: where it came from). True when one
 * was cancelled. Never throws: input must reach the agent whatever happens to recovery's bookkeeping. */
export async function cancelOnInput(dir: ControlDir, name: string, by: string): Promise<boolean> {
  try {
    const rec = await readJson<RecoveryRecord>(join(dir.runDir(name), RECOVERY_FILE));
    if (rec?.limit?.state !== 'scheduled') return false;
    const why = `user input (${by}): the user has taken over`;
    let cancelled = false;
    await updateRecovery(dir, name, (r) => {
      if (r.limit?.state !== 'scheduled') return null;
      cancelled = true;
      return { ...r, limit: { ...r.limit, state: 'cancelled', note: why } };
    });
    if (cancelled)
      await new RunStore(dir).appendEvent(name, {
        type: 'recovery',
        action: 'cancel',
        detail: `scheduled resume cancelled: ${why}`,
      });
    return cancelled;
  } catch {
    // a run dir removed meanwhile, a lock held past its wait: the input still goes through
    return false;
  }
}
