// A pipeline as the dashboard and the tray show it (issue 13): a group with its stages, each with its
// outcome, iterations and time (what `workcell pipeline status NAME` prints), the current stage, and
// the loop that ran each stage. Built by main/core/bridge/pipelinesApi.ts from
// $WORKCELLS_HOME/pipelines/NAME/state.json.

export interface PipelineStageView {
  name: string;
  /** pending | running | succeeded | failed | stopped */
  status: string;
  iterations: number;
  /** Wall time from the stage's start to its end (to now while it runs); null if it never started. */
  ms: number | null;
  runs: number;
  /** The loop that runs (or ran) it, PIPELINE-STAGE[-rN]: the dashboard links the stage to it. */
  loop: string | null;
  /** Why it failed or stopped (null for a succeeded or pending stage). */
  reason: string | null;
}

export interface PipelineView {
  name: string;
  /** running | done | failed | stopped */
  status: string;
  statusReason: string | null;
  repo: string;
  /** Stages succeeded, of all stages. */
  done: number;
  total: number;
  /** The stage running now, else null. */
  current: string | null;
  /** A live runner holds the pipeline's lock (a "running" pipeline without one has lost its runner). */
  runnerLive: boolean;
  stages: PipelineStageView[];
  updatedAt: string;
}

export const PIPELINES_ROUTE = '/api/pipelines';
