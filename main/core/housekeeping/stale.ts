// Stale runs: a workcell pass or a loop running longer than its threshold (settings
// thresholds.staleHours, default 2 h; thresholds.staleHoursFor[name] for one workcell or loop) is
// flagged once: a marker file (runs/NAME/stale.<pass>.json, loops/NAME/stale.json) that the summary
// shows as `stale: true`, and one change with reason `stale` for the notifiers. The marker is written
// before the change is handed on, so a restarted supervisor does not tell it again.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { changeId, STALE, type StateChange } from '../../common/notify.js';
import { DEFAULT_STALE_HOURS, type Thresholds } from '../../common/settings.js';
import { isEnded, type WorkcellSummary } from '../../common/workcell.js';
import { readJson, writeJsonAtomic } from '../fsutil.js';
import type { ControlDir } from '../paths.js';

const HOUR_MS = 3_600_000;

export const staleMarker = (runDir: string, pass: number) => join(runDir, `stale.${pass}.json`);
export const loopStaleMarker = (dir: ControlDir, loop: string) => join(dir.root, 'loops', loop, 'stale.json');

export function staleAfterMs(t: Thresholds, name: string): number {
  return (t.staleHoursFor?.[name] ?? t.staleHours ?? DEFAULT_STALE_HOURS) * HOUR_MS;
}

export class StaleWatch {
  // Names (name:pass) already flagged, so a reconcile does not stat their markers again.
  private readonly flagged = new Set<string>();

  constructor(
    private readonly dir: ControlDir,
    private readonly thresholds: () => Thresholds,
    private readonly notify: (c: StateChange) => void,
  ) {}

  /** Flags the live workcells of `list` past their threshold at `now` (ms since epoch). */
  async observe(list: readonly WorkcellSummary[], now: number): Promise<string[]> {
    const out: string[] = [];
    for (const w of list) {
      if (isEnded(w.state)) continue;
      const key = `${w.name}:${w.pass}`;
      if (this.flagged.has(key)) continue;
      if (now - Date.parse(w.startedAt) < staleAfterMs(this.thresholds(), w.name)) continue;
      this.flagged.add(key);
      const marker = staleMarker(w.runDir, w.pass);
      if (existsSync(marker)) continue;
      const at = new Date(now).toISOString();
      await writeJsonAtomic(marker, {
        at,
        pass: w.pass,
        hours: staleAfterMs(this.thresholds(), w.name) / HOUR_MS,
      });
      out.push(w.name);
      this.notify({
        id: changeId(w.name, w.pass, `stale-${w.startedAt}`, w.state),
        name: w.name,
        state: w.state,
        from: null,
        at,
        pass: w.pass,
        agent: w.agent,
        reason: STALE,
        repo: w.repo,
        startedAt: w.startedAt,
        runDir: w.runDir,
      });
    }
    return out;
  }

  /** Flags running loops (loops/NAME/state.json, status running) past their threshold. */
  async observeLoops(now: number): Promise<string[]> {
    let names: string[];
    try {
      names = readdirSync(join(this.dir.root, 'loops'));
    } catch {
      // ENOENT: no loop was ever made in this home
      return [];
    }
    const out: string[] = [];
    for (const name of names) {
      if (this.flagged.has(`loop:${name}`)) continue;
      const s = await readJson<{
        status: string;
        createdAt: string;
        repo: string;
        current?: { workcell: string } | null;
      }>(join(this.dir.root, 'loops', name, 'state.json')).catch(() => null);
      if (!s || s.status !== 'running') continue;
      if (now - Date.parse(s.createdAt) < staleAfterMs(this.thresholds(), name)) continue;
      this.flagged.add(`loop:${name}`);
      const marker = loopStaleMarker(this.dir, name);
      if (existsSync(marker)) continue;
      const at = new Date(now).toISOString();
      await writeJsonAtomic(marker, { at, hours: staleAfterMs(this.thresholds(), name) / HOUR_MS });
      out.push(name);
      this.notify({
        id: changeId(name, 1, `loop-stale-${s.createdAt}`, 'running'),
        name,
        state: 'running',
        from: null,
        at,
        reason: STALE,
        repo: s.repo,
        startedAt: s.createdAt,
      });
    }
    return out;
  }
}
