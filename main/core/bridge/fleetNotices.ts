// The two things that make the states on screen untrustworthy, as sentences for the dashboard's banner
// (and the tray): no supervisor watching live workcells, and a broken settings.json.
import type { FleetNotices } from '../../common/bridge.js';
import { isEnded, type WorkcellSummary } from '../../common/workcell.js';
import { daemonStatus } from '../daemon/client.js';
import type { ControlDir } from '../paths.js';
import { settingsProblem } from '../settingsProblem.js';

export async function fleetNotices(
  dir: ControlDir,
  fleet: readonly WorkcellSummary[],
): Promise<FleetNotices> {
  const live = fleet.some((w) => !isEnded(w.state));
  const d = live ? await daemonStatus(dir) : null;
  const s = await settingsProblem(dir).catch(() => null); // unreadable state/: nothing to say
  return {
    supervisor:
      d && !d.running
        ? `No supervisor is watching: ${d.why}. Waiting, idle and stalled are not detected and nothing is notified. Run: workcell daemon start`
        : null,
    settings: s ? `${s.message}` : null,
  };
}
