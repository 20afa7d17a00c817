// Loops and pipelines in the tray menu (issue 13): one group, each entry with its progress (items done
// of total and the iteration, or stages done and the stage running) and a submenu to peek at the
// workcell an iteration runs in now. Pure, like trayModel.ts; the views come from the same core readers
// the dashboard's /api/loops and /api/pipelines use (main/core/bridge/loopsApi.ts, pipelinesApi.ts).
import { shortDuration } from '../common/glance.js';
import type { LoopView } from '../common/loopView.js';
import type { PipelineView } from '../common/pipelineView.js';
import type { TrayMenuItem } from './trayModel.js';

export interface RunsSnapshot {
  loops: readonly LoopView[];
  pipelines: readonly PipelineView[];
}

export const TRAY_RUNS = {
  /** An item's text beside its peek entry: enough to recognise it; the dashboard has the rest. */
  itemChars: 40,
} as const;

const cut = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** What needs the user first (a breaker open, a failed pipeline, a runner gone), then what runs, then
 * the rest as the readers ordered them (most recently updated first). */
function rank(r: { status: string; runnerGone: boolean }): number {
  if (r.status === 'breaker_open' || r.status === 'failed' || r.runnerGone) return 0;
  return r.status === 'running' ? 1 : 2;
}

/** Loops and pipelines stuck until the user acts: a breaker open, or a pipeline marked running whose
 * runner is dead. They turn the tray icon red and count in its badge, as a failed workcell does. (A
 * failed pipeline is listed first but does not: with nothing to mark it seen, it would stay red.) */
export function runsNeedingYou(runs: RunsSnapshot | undefined): number {
  if (!runs) return 0;
  const stageLoops = new Set(runs.pipelines.flatMap((p) => p.stages.map((s) => s.loop ?? '')));
  return (
    runs.pipelines.filter((p) => p.status === 'running' && !p.runnerLive).length +
    runs.loops.filter((l) => l.status === 'breaker_open' && !stageLoops.has(l.name)).length +
    // A stage's loop with an open breaker holds its pipeline: told once, through the pipeline's count
    // when its runner is gone, else here.
    runs.pipelines.filter(
      (p) =>
        p.runnerLive &&
        p.stages.some((s) => runs.loops.some((l) => l.name === s.loop && l.status === 'breaker_open')),
    ).length
  );
}

const LOOP_WORDS: Record<string, string> = {
  running: '',
  breaker_open: 'breaker open',
  done: 'done',
  max_reached: 'stopped at its limit',
  stopped: 'stopped',
};

/** Peek rows for the iterations in flight: the workcell an item runs in now. */
function peekRows(id: string, l: LoopView): TrayMenuItem[] {
  return l.items
    .filter((i) => i.inFlight && i.workcell)
    .map((i) => ({
      id: `${id}:peek:${i.workcell}`,
      label: `Peek ${i.workcell} — ${cut(i.text, TRAY_RUNS.itemChars)}`,
      action: { kind: 'peek', name: i.workcell! },
    }));
}

function loopEntry(l: LoopView): TrayMenuItem {
  const id = `loop:${l.name}`;
  const status = LOOP_WORDS[l.status] ?? l.status;
  const label = [
    `loop ${l.name}`,
    `${l.done}/${l.total} items`,
    `iteration ${l.iteration} of ${l.max}`,
    status,
  ]
    .filter((s) => s.length > 0)
    .join(' · ');
  const why = l.breaker.open && l.breaker.reason ? l.breaker.reason : (l.statusReason ?? '');
  return {
    id,
    label,
    submenu: [
      ...(why ? [{ id: `${id}:why`, label: cut(why, 60), enabled: false }] : []),
      ...peekRows(id, l),
      { id: `${id}:dashboard`, label: 'Open dashboard', action: { kind: 'dashboard' } },
    ],
  };
}

function pipelineEntry(p: PipelineView, loops: ReadonlyMap<string, LoopView>): TrayMenuItem {
  const id = `pipeline:${p.name}`;
  const gone = p.status === 'running' && !p.runnerLive;
  const label = [
    `pipeline ${p.name}`,
    `${p.done}/${p.total} stages`,
    p.current ? `stage ${p.current}` : '',
    gone ? 'runner gone' : p.status === 'running' ? '' : p.status,
  ]
    .filter((s) => s.length > 0)
    .join(' · ');
  const stageRows = p.stages.map((s): TrayMenuItem => ({
    id: `${id}:stage:${s.name}`,
    label: [s.name, s.status, `${s.iterations} iter.`, s.ms === null ? '' : shortDuration(s.ms)]
      .filter((x) => x.length > 0)
      .join(' · '),
    enabled: false,
  }));
  const current = p.stages.find((s) => s.name === p.current);
  const loop = current?.loop ? loops.get(current.loop) : undefined;
  return {
    id,
    label,
    submenu: [
      ...stageRows,
      ...(loop ? peekRows(id, loop) : []),
      { id: `${id}:dashboard`, label: 'Open dashboard', action: { kind: 'dashboard' } },
    ],
  };
}

/** The "Loops and pipelines" group: a separator, a header, at most `max` entries, then "N more…". A
 * loop that runs a pipeline's stage is shown inside that pipeline's entry, not again on its own. */
export function runsGroup(runs: RunsSnapshot | undefined, max: number): TrayMenuItem[] {
  if (!runs) return [];
  const stageLoops = new Set(runs.pipelines.flatMap((p) => p.stages.map((s) => s.loop ?? '')));
  const byName = new Map(runs.loops.map((l) => [l.name, l]));
  const all = [
    ...runs.pipelines.map((p) => ({
      rank: rank({ status: p.status, runnerGone: p.status === 'running' && !p.runnerLive }),
      entry: () => pipelineEntry(p, byName),
    })),
    ...runs.loops
      .filter((l) => !stageLoops.has(l.name))
      .map((l) => ({ rank: rank({ status: l.status, runnerGone: false }), entry: () => loopEntry(l) })),
  ];
  if (all.length === 0) return [];
  // A stable sort: inside a rank, the readers' order (pipelines, then loops, most recent first).
  const shown = all.sort((a, b) => a.rank - b.rank).slice(0, max);
  const hidden = all.length - shown.length;
  return [
    { id: 'sep:runs', label: '', type: 'separator' },
    { id: 'group:runs', label: `Loops and pipelines (${all.length})`, enabled: false },
    ...shown.map((r) => r.entry()),
    ...(hidden > 0
      ? [{ id: 'more:runs', label: `${hidden} more… open dashboard`, action: { kind: 'dashboard' as const } }]
      : []),
  ];
}
