// The resource threshold (settings `resources: { cpuPercent, rssMb }`): a workcell whose sampled CPU
// or memory (children included) reaches it is told once per crossing: one change with reason
// over_resources for the notifiers, and a marker file (runs/NAME/resources.<pass>.json) so a restarted
// supervisor does not tell the same crossing again. It is re-armed only once the workcell has come
// back under REARM of its threshold, so a build hovering around the line is one notification, not one
// per sample. Checked on each sample: every 5 s while a viewer shows the figures, every 30 s otherwise
// (resourceSampler.ts samples in the background whenever a threshold is set).
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { changeId, OVER_RESOURCES, type StateChange } from '../../common/notify.js';
import { formatCpu, formatRss, type ResourceSample } from '../../common/resources.js';
import type { ResourceLimits } from '../../common/settings.js';
import { isEnded, type WorkcellSummary } from '../../common/workcell.js';
import { writeJsonAtomic } from '../fsutil.js';

// Back under 80% of every threshold set: a crossing is over and the next one is news.
const REARM = 0.8;

export const resourceMarker = (runDir: string, pass: number) => join(runDir, `resources.${pass}.json`);

/** What is over `limits` in `s`, in words; null when nothing is. `factor` scales the limits. */
export function overText(s: ResourceSample, limits: ResourceLimits, factor = 1): string | null {
  const over: string[] = [];
  if (limits.cpuPercent !== undefined && s.cpuPercent !== null && s.cpuPercent >= limits.cpuPercent * factor)
    over.push(`CPU ${formatCpu(s.cpuPercent)} (threshold ${limits.cpuPercent}%)`);
  if (limits.rssMb !== undefined && s.rssBytes >= limits.rssMb * factor * 1048576)
    over.push(`memory ${formatRss(s.rssBytes)} (threshold ${limits.rssMb} MB)`);
  return over.length ? over.join(', ') : null;
}

/** A threshold is set: the daemon samples with nobody looking. */
export function hasLimits(l: ResourceLimits | undefined): boolean {
  return !!l && (l.cpuPercent !== undefined || l.rssMb !== undefined);
}

export class ResourceAlarm {
  /** name:pass -> over its threshold now (told, or told before a restart). */
  private readonly over = new Map<string, boolean>();

  constructor(
    private readonly limits: () => ResourceLimits | undefined,
    private readonly notify: (c: StateChange) => void,
  ) {}

  /** Tells the workcells of `samples` that crossed their threshold; returns their names. */
  async observe(
    samples: readonly ResourceSample[],
    fleet: readonly WorkcellSummary[],
    now: number,
  ): Promise<string[]> {
    const limits = this.limits();
    if (!limits || !hasLimits(limits)) return [];
    const byName = new Map(fleet.map((w) => [w.name, w]));
    const out: string[] = [];
    for (const s of samples) {
      const w = byName.get(s.name);
      if (!w || isEnded(w.state)) continue;
      const key = `${w.name}:${w.pass}`;
      const marker = resourceMarker(w.runDir, w.pass);
      // First look at this pass since (re)start: a crossing told before the restart is still over.
      if (!this.over.has(key)) this.over.set(key, existsSync(marker));
      const what = overText(s, limits);
      if (this.over.get(key)) {
        if (what === null && overText(s, limits, REARM) === null) {
          this.over.set(key, false);
          rmSync(marker, { force: true });
        }
        continue;
      }
      if (what === null) continue;
      this.over.set(key, true);
      const at = new Date(now).toISOString();
      await writeJsonAtomic(marker, { at, pass: w.pass, ...s });
      out.push(w.name);
      this.notify({
        id: changeId(w.name, w.pass, `resources-${at}`, w.state),
        name: w.name,
        state: w.state,
        from: null,
        at,
        pass: w.pass,
        agent: w.agent,
        reason: OVER_RESOURCES,
        evidence: { source: 'timer', detail: `${what}, ${s.processes} process(es)`, at },
        repo: w.repo,
        startedAt: w.startedAt,
        runDir: w.runDir,
      });
    }
    // Passes no longer live: forgotten (a resumed workcell is a new pass, armed afresh).
    const live = new Set(fleet.filter((w) => !isEnded(w.state)).map((w) => `${w.name}:${w.pass}`));
    for (const k of this.over.keys()) if (!live.has(k)) this.over.delete(k);
    return out;
  }
}
