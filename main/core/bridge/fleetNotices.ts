// The things that make the states on screen untrustworthy, as sentences for the dashboard's banner
// (and the tray): no supervisor watching live workcells, a broken settings.json, a full disk.
import { promises as fs } from 'node:fs';
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
    disk: await diskFull(dir),
  };
}

/** Less free than this and the home's small writes (status.json, events, the notification ledger)
 * start failing: a status write is a few kB, an agent's output goes to agent.log beside it. */
export const DISK_FULL_BELOW_BYTES = 1024 * 1024;

/** A sentence when the disk holding the home is (nearly) full, else null. */
export async function diskFull(dir: ControlDir): Promise<string | null> {
  const st = await fs.statfs(dir.root).catch(() => null); // home removed meanwhile: nothing to say
  if (!st) return null;
  const free = st.bavail * st.bsize;
  if (free >= DISK_FULL_BELOW_BYTES) return null;
  return `The disk holding ${dir.root} is full (${Math.floor(free / 1024)} kB free): states and timelines cannot be saved, and notifications are sent from memory (a restart may repeat or miss some). Free some disk space.`;
}
