// Which recovery policy applies to a workcell: the per-workcell choice (`--recover`, `workcell
// recover --policy`, the dashboard) over the repo's SUPERVISOR.md "## Recovery" (as it was when the
// workcell started: the rules snapshot in its run dir, so an agent editing SUPERVISOR.md cannot raise
// its own policy) over settings.json's default.
import { readRulesSnapshot } from '../continuity/repoRules.js';
import type { ControlDir } from '../paths.js';
import type { RecoveryPolicy, RecoveryRecord } from './record.js';

export async function effectivePolicy(
  dir: ControlDir,
  name: string,
  rec: Pick<RecoveryRecord, 'policy'>,
  fallback: () => RecoveryPolicy | Promise<RecoveryPolicy>,
): Promise<RecoveryPolicy> {
  if (rec.policy) return rec.policy;
  const rules = await readRulesSnapshot(dir.runDir(name)).catch(() => null);
  return rules?.recovery ?? (await fallback());
}
