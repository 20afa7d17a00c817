// GET /api/pipelines: every pipeline under $WORKCELLS_HOME/pipelines as a PipelineView. Read-only, like
// loopsApi.ts: it reads the state the pipeline runner writes (main/core/pipeline/pipelineState.ts) and
// the pipeline's lock (is its runner alive), and changes nothing.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PIPELINES_ROUTE, type PipelineStageView, type PipelineView } from '../../common/pipelineView.js';
import { ownerAlive, readOwner } from '../loop/ownerLock.js';
import type { ControlDir } from '../paths.js';
import { PipelineFiles, type PipelineState, type StageState } from '../pipeline/pipelineState.js';
import { ok, type Result } from '../result.js';

function msOf(st: StageState, now: number): number | null {
  const start = st.startedAt ? Date.parse(st.startedAt) : NaN;
  // A stage still marked running has no end yet: its time so far (as `pipeline status` shows it).
  const end = st.endedAt ? Date.parse(st.endedAt) : st.status === 'running' ? now : NaN;
  return Number.isNaN(start) || Number.isNaN(end) ? null : Math.max(0, end - start);
}

export function pipelineView(s: PipelineState, runnerLive: boolean, now: number): PipelineView {
  const stages: PipelineStageView[] = s.stages.map((st) => ({
    name: st.name,
    status: st.status,
    iterations: st.iterations,
    ms: msOf(st, now),
    runs: st.runs,
    loop: st.loop,
    reason: st.status === 'succeeded' ? null : st.reason,
  }));
  return {
    name: s.name,
    status: s.status,
    statusReason: s.statusReason,
    repo: s.repo,
    done: s.stages.filter((st) => st.status === 'succeeded').length,
    total: s.stages.length,
    current: s.stages.find((st) => st.status === 'running')?.name ?? null,
    runnerLive,
    stages,
    updatedAt: s.updatedAt,
  };
}

export async function listPipelines(dir: ControlDir, now: number = Date.now()): Promise<PipelineView[]> {
  let names: string[];
  try {
    names = await readdir(join(dir.root, 'pipelines'));
  } catch {
    return []; // no pipeline has run in this home
  }
  const out: PipelineView[] = [];
  for (const name of names.sort()) {
    const s = await new PipelineFiles(dir, name).readState().catch(() => null);
    if (!s) continue; // a half-created run dir: nothing to show yet
    const owner = readOwner(dir, 'pipeline', name);
    out.push(pipelineView(s, owner !== null && ownerAlive(owner), now));
  }
  // Running pipelines first, then the most recently updated (as loops are ordered).
  return out.sort(
    (a, b) =>
      Number(b.status === 'running') - Number(a.status === 'running') ||
      b.updatedAt.localeCompare(a.updatedAt),
  );
}

export async function pipelinesRoute(
  dir: ControlDir,
  method: string,
  path: string,
  now: () => number = Date.now,
): Promise<Result<PipelineView[]> | null> {
  if (path !== PIPELINES_ROUTE || method !== 'GET') return null;
  return ok(await listPipelines(dir, now()));
}
