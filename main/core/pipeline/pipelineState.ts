// A pipeline's run dir, pipelines/<name>/: pipeline.yaml (the definition frozen when the run began;
// a resume reads this copy, never the user's file), control.json (a stop request), state.json (written by the runner, or by the CLI
// before a runner exists), events.jsonl, runner.log, and stages/<stage>/handoff.md (the agent's notes
// of the iteration that closed the stage: what later stages take as that stage's handoff).
import { join } from 'node:path';
import { appendLine, readJson, writeJsonAtomic } from '../fsutil.js';
import type { LoopControl } from '../loop/loopState.js';
import type { ControlDir } from '../paths.js';

export type StageStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'stopped';
export type PipelineStatus = 'running' | 'done' | 'failed' | 'stopped';

export interface StageState {
  name: string;
  status: StageStatus;
  /** The loop running (or that ran) this stage: PIPELINE-STAGE, then PIPELINE-STAGE-rN on reruns. */
  loop: string | null;
  runs: number;
  /** sha256 of what the stage was given (its objective, and each input's name and content) when it
   * last started: a resume reruns a succeeded stage only when this differs. */
  inputHash: string | null;
  iterations: number;
  startedAt: string | null;
  endedAt: string | null;
  reason: string | null;
}

export interface PipelineState {
  name: string;
  /** The user's definition file, as given (the run reads the frozen copy). */
  file: string;
  repo: string;
  status: PipelineStatus;
  statusReason: string | null;
  createdAt: string;
  updatedAt: string;
  /** Each stage's objective text, read when the run began (a `brief` file's content included). */
  objectives: Record<string, string>;
  stages: StageState[];
}

export class PipelineFiles {
  constructor(
    readonly dir: ControlDir,
    readonly name: string,
  ) {}
  get root(): string {
    return join(this.dir.root, 'pipelines', this.name);
  }
  get definition(): string {
    return join(this.root, 'pipeline.yaml');
  }
  get state(): string {
    return join(this.root, 'state.json');
  }
  get events(): string {
    return join(this.root, 'events.jsonl');
  }
  /** Written only by the CLI (`pipeline stop`, cleared by a resume); read by the runner. */
  get control(): string {
    return join(this.root, 'control.json');
  }
  readControl(): Promise<Pick<LoopControl, 'stop'> | null> {
    return readJson<Pick<LoopControl, 'stop'>>(this.control);
  }
  writeControl(c: Pick<LoopControl, 'stop'>): Promise<void> {
    return writeJsonAtomic(this.control, c);
  }
  get log(): string {
    return join(this.root, 'runner.log');
  }
  handoff(stage: string): string {
    return join(this.root, 'stages', stage, 'handoff.md');
  }
  readState(): Promise<PipelineState | null> {
    return readJson<PipelineState>(this.state);
  }
  writeState(s: PipelineState): Promise<void> {
    return writeJsonAtomic(this.state, s);
  }
  async event(type: string, data: Record<string, unknown> = {}): Promise<void> {
    await appendLine(this.events, JSON.stringify({ at: new Date().toISOString(), type, ...data }));
  }
}

export function newStageState(name: string): StageState {
  return {
    name,
    status: 'pending',
    loop: null,
    runs: 0,
    inputHash: null,
    iterations: 0,
    startedAt: null,
    endedAt: null,
    reason: null,
  };
}
