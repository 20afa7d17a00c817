// POST /api/workcells/:name/recover: the recovery playbook for the tray and the dashboard (issue 11).
// Body `{ "action": "plan" | "now" | "cancel" | "policy", "policy"?: "auto" | "suggest" | "off" }`.
// `plan` is the dry run (diagnosis, evidence, action), `now` resumes now (resume-now of a usage limit,
// relaunch of a lost or partial workcell), `cancel` cancels a scheduled resume, `policy` changes it live.
import { Engine } from '../engine.js';
import { err, type Result } from '../result.js';
import { cancelRecovery, recoverNow, recoveryPlans, setPolicy } from '../recovery/manual.js';
import type { BridgeEngine } from './engineApi.js';

export async function recoverRoute(
  engine: BridgeEngine,
  name: string,
  body: unknown,
): Promise<Result<unknown>> {
  const b = (body ?? {}) as { action?: unknown; policy?: unknown };
  const core = new Engine(engine.dir, engine.tmux);
  switch (b.action) {
    case 'plan':
    case undefined:
      return recoveryPlans(core, name);
    case 'now':
      return recoverNow(core, name);
    case 'cancel':
      return cancelRecovery(core, name);
    case 'policy':
      return setPolicy(core, name, typeof b.policy === 'string' ? b.policy : '');
    default:
      return err('BAD_ARGS', 'recover needs { "action": "plan" | "now" | "cancel" | "policy" }');
  }
}
