import type { ControlDir } from '../core/paths.js';
import type { AgentName } from '../common/workcell.js';

/** Vendor hooks installed per workcell (Claude --settings, Codex notify). Filled in by the detection
 * layer; until then no hooks are added. */
export function hookPreparer(
  _dir: ControlDir,
): ((agent: AgentName, runDir: string) => Promise<{ args: string[]; settingsFile?: string }>) | undefined {
  return undefined;
}
