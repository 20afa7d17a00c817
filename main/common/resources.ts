// Per-workcell CPU and memory as the daemon samples them (main/core/housekeeping/resourceSampler.ts)
// while a viewer shows them: the dashboard (GET /api/resources), the tray (its menu open) and
// `workcell ls --resources` (which samples on its own). Pure types and formatting: the renderer and
// the app use them too.

export const RESOURCES_ROUTE = '/api/resources';

export interface ResourceSample {
  name: string;
  /** Live processes counted: the agent, its wrapper and every child (MCP servers, dev servers, tests). */
  processes: number;
  /** Percent of one core since the previous sample (200 = two cores busy); null on the first sample of
   * a workcell (there is nothing to compare its CPU time with yet). */
  cpuPercent: number | null;
  /** Sum of the members' resident sets (shared pages counted per process: an upper bound). */
  rssBytes: number;
}

export interface ResourceSnapshot {
  /** When the sample was taken (ISO 8601); null before the first one. */
  at: string | null;
  /** The sampling period; a viewer refreshes about this often. */
  intervalMs: number;
  /** Sampling runs now (a viewer asked within the last few seconds). */
  sampling: boolean;
  /** Live workcells only: an ended one leaves the next sample. */
  samples: ResourceSample[];
  /** Why there are no samples: not Linux, or no supervisor to sample them. */
  unavailable?: string;
}

/** "37%", "180%", "–" before the second sample. */
export function formatCpu(p: number | null): string {
  if (p === null) return '–';
  return p < 10 ? `${p.toFixed(1)}%` : `${Math.round(p)}%`;
}

/** "12 MB", "1.4 GB". */
export function formatRss(bytes: number): string {
  const mb = bytes / 1048576;
  return mb < 1024 ? `${Math.round(mb)} MB` : `${(mb / 1024).toFixed(1)} GB`;
}

/** "37% CPU · 412 MB": one row's figure in the dashboard and the tray. */
export function usageText(s: Pick<ResourceSample, 'cpuPercent' | 'rssBytes'>): string {
  return `${formatCpu(s.cpuPercent)} CPU · ${formatRss(s.rssBytes)}`;
}
