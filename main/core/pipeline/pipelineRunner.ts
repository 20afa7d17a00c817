// The pipeline driver: runs the stages in file order, each one a loop (LoopRunner, in this process)
// whose single checklist item is the stage's objective. A stage succeeds only when that item closed on
// evidence (a signal, a real git change, verify passing) and its declared outputs exist: a loop that
// ends "done" because its item was skipped is a failed stage. A succeeded stage is kept on a resume
// unless what it is given (its inputs' content) changed since it ran; every step is on disk first, so
// a runner killed anywhere resumes: a stage's loop in flight is adopted, never started twice.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Engine } from '../engine.js';
import { exists, writeTextAtomic } from '../fsutil.js';
import { LOOP_DEFAULTS, LoopFiles, isSuccess, newLoopState, type LoopState } from '../loop/loopState.js';
import { LoopRunner } from '../loop/loopRunner.js';
import { acquireOwner, describeOwner, noteWorkcell, releaseOwner, stillOwned } from '../loop/ownerLock.js';
import { killPoint } from '../loop/killPoint.js';
import type { NoticeSender } from '../loop/runnerNotice.js';
import { splitInput, type StageDef } from './definition.js';
import type { PipelineFiles, PipelineState, StageState } from './pipelineState.js';

export interface PipelineRunnerOptions {
  now?: () => Date;
  pollMs?: number;
  /** The user hears of the pipeline's end (done or failed) through this. */
  notice?: NoticeSender;
}

// How much of an output file a brief carries (the agent reads the rest from the repo).
const INPUT_BYTES = 16_384;

interface Input {
  ref: string;
  content: string;
}

export class PipelineRunner {
  private readonly now: () => Date;

  constructor(
    private readonly engine: Engine,
    private readonly files: PipelineFiles,
    private readonly stages: readonly StageDef[],
    private readonly o: PipelineRunnerOptions = {},
  ) {
    this.now = o.now ?? (() => new Date());
  }

  async run(): Promise<PipelineState> {
    const s = (await this.files.readState())!;
    for (let i = 0; i < this.stages.length; i++) {
      if (!stillOwned(this.engine.dir, 'pipeline', s.name)) {
        await this.files.event('lock_lost', { detail: 'another runner took this pipeline over (--force)' });
        return s;
      }
      if ((await this.files.readControl())?.stop && s.stages[i]!.status !== 'running')
        return this.settle(s, 'stopped', `stopped by the user before stage ${this.stages[i]!.name}`);
      const def = this.stages[i]!;
      const st = s.stages[i]!;
      const inputs = await this.inputs(s, def);
      const hash = inputHash(s.objectives[def.name] ?? '', inputs);
      if (st.status === 'succeeded' && st.inputHash === hash) {
        await this.files.event('stage_kept', { stage: def.name, reason: 'succeeded, inputs unchanged' });
        continue;
      }
      if (st.status === 'succeeded')
        await this.files.event('stage_rerun', { stage: def.name, reason: 'inputs changed' });
      const ran = await this.runStage(s, def, st, inputs, hash);
      if (!ran) return s; // the pipeline lock or the stage loop's lock was lost: nothing more to write
      if (st.status !== 'succeeded') {
        const status = st.status === 'stopped' ? 'stopped' : 'failed';
        return this.settle(s, status, `stage ${def.name} ${st.status}: ${st.reason ?? 'no reason recorded'}`);
      }
    }
    return this.settle(s, 'done', `${this.stages.length} stage(s) succeeded`);
  }

  /** Each input's content: a handoff (the stage's notes) or an output file in the repo, now. */
  private async inputs(s: PipelineState, def: StageDef): Promise<Input[]> {
    const out: Input[] = [];
    for (const ref of def.inputs) {
      const [from, path] = splitInput(ref);
      const file = path ? resolve(s.repo, path) : this.files.handoff(from);
      const content = await readFile(file, 'utf8').catch(() => null);
      out.push({ ref, content: content ?? '(missing)' });
    }
    return out;
  }

  /** Runs (or adopts) the stage's loop; false when this runner lost a lock and must stop. */
  private async runStage(
    s: PipelineState,
    def: StageDef,
    st: StageState,
    inputs: Input[],
    hash: string,
  ): Promise<boolean> {
    // A stage recorded as running whose loop exists was in flight when a runner died: its loop is
    // adopted (an iteration in flight included). If that loop already ended (the runner died between
    // the loop's end and the stage's verdict), it is judged as it ended, never run again.
    const inFlight = st.status === 'running' && st.loop && st.inputHash === hash ? st.loop : null;
    const prior = inFlight ? await new LoopFiles(this.engine.dir, inFlight).readState() : null;
    if (prior && prior.status !== 'running') {
      await this.files.event('stage_adopted', { stage: def.name, loop: inFlight, loopStatus: prior.status });
      await this.judgeStage(s, def, st, prior);
      return true;
    }
    const adopt = prior !== null;
    if (!adopt) {
      st.runs += 1;
      st.loop = st.runs === 1 ? `${s.name}-${def.name}` : `${s.name}-${def.name}-r${st.runs}`;
      await this.createLoop(s, def, st.loop, inputs);
    }
    const loop = st.loop!;
    Object.assign(st, {
      status: 'running',
      inputHash: hash,
      startedAt: this.now().toISOString(),
      endedAt: null,
      reason: null,
    });
    await this.save(s);
    await this.files.event('stage_started', { stage: def.name, loop, adopted: adopt, run: st.runs });
    // A `pipeline stop` that came before this stage's loop was recorded: pass it on to that loop (the
    // CLI writes the pipeline's stop first and then the recorded loop's, so one of the two sees it).
    if ((await this.files.readControl())?.stop) await this.stopLoop(loop);
    await noteWorkcell(this.engine.dir, 'pipeline', s.name, loop);
    const lock = await acquireOwner(this.engine.dir, 'loop', loop, { worktree: s.repo });
    if (!lock.ok) {
      Object.assign(st, {
        status: 'failed',
        reason: `its loop ${loop} is held by ${describeOwner(lock.holder)}`,
      });
      await this.save(s);
      return true;
    }
    let end: LoopState;
    try {
      // A stage's breaker opening is told once, as the pipeline's failure (settle), not twice.
      end = await new LoopRunner(this.engine, new LoopFiles(this.engine.dir, loop), {
        pollMs: this.o.pollMs,
        now: this.o.now,
      }).run();
    } finally {
      releaseOwner(this.engine.dir, 'loop', loop);
    }
    if (!stillOwned(this.engine.dir, 'pipeline', s.name)) return false;
    await this.judgeStage(s, def, st, end);
    return true;
  }

  private async stopLoop(loop: string): Promise<void> {
    const lf = new LoopFiles(this.engine.dir, loop);
    await lf.writeControl({ ...((await lf.readControl()) ?? {}), stop: true });
  }

  private async createLoop(s: PipelineState, def: StageDef, loop: string, inputs: Input[]): Promise<void> {
    const lf = new LoopFiles(this.engine.dir, loop);
    await mkdir(lf.root, { recursive: true, mode: 0o700 });
    const objective = s.objectives[def.name] ?? '';
    // The checklist holds the stage as one item (a line); the brief carries the objective in full.
    const prd = join(lf.root, 'PRD.md');
    await writeFile(
      prd,
      `# Stage ${def.name} of pipeline ${s.name}\n\n## Tasks\n\n- [ ] ${itemText(def, objective)}\n`,
      {
        mode: 0o644,
      },
    );
    const state = newLoopState(
      {
        name: loop,
        repo: s.repo,
        agent: def.agent,
        args: def.args,
        prd,
        verify: def.verify,
        max: def.max ?? LOOP_DEFAULTS.max,
        retryCap: LOOP_DEFAULTS.retryCap,
        timeoutMs: LOOP_DEFAULTS.timeoutMs,
        headless: def.agent !== 'command',
        context: stageContext(s.name, def, objective, inputs),
      },
      this.now(),
    );
    await lf.writeControl({});
    await lf.writeState(state);
    await lf.event('loop_created', { pipeline: s.name, stage: def.name, repo: s.repo, agent: def.agent });
  }

  /** Succeeded only on a closed item and the declared outputs present; the handoff is written then. */
  private async judgeStage(s: PipelineState, def: StageDef, st: StageState, end: LoopState): Promise<void> {
    const item = Object.values(end.items)[0];
    st.iterations = end.iteration;
    st.endedAt = this.now().toISOString();
    const missing: string[] = [];
    for (const f of def.outputs) if (!(await exists(resolve(s.repo, f)))) missing.push(f);
    if (item && isSuccess(item.outcome) && missing.length === 0) {
      const closing = [...end.iterations].reverse().find((it) => isSuccess(it.outcome));
      await mkdir(join(this.files.root, 'stages', def.name), { recursive: true, mode: 0o700 });
      await writeTextAtomic(this.files.handoff(def.name), closing?.notes ?? '', 0o644);
      Object.assign(st, { status: 'succeeded', reason: item.outcome });
    } else {
      const why =
        item && isSuccess(item.outcome)
          ? `declared output(s) missing: ${missing.join(', ')}`
          : `loop ${end.status}${end.statusReason ? ` (${end.statusReason})` : ''}; item ${item?.outcome ?? 'never tried'}${item?.reason ? `: ${item.reason}` : ''}`;
      Object.assign(st, { status: end.status === 'stopped' ? 'stopped' : 'failed', reason: why });
    }
    await this.files.event('stage_ended', {
      stage: def.name,
      status: st.status,
      reason: st.reason,
      iterations: st.iterations,
    });
    await this.save(s);
  }

  private async settle(
    s: PipelineState,
    status: PipelineState['status'],
    reason: string,
  ): Promise<PipelineState> {
    s.status = status;
    s.statusReason = reason;
    // The notice before the final state (runnerNotice.ts), with an id a re-settle after a crash there
    // gives again: the stage runs so far say which end this is (a rerun stage is a new end).
    // A stop is the user's own doing: they are not told of it.
    if (status !== 'stopped')
      await this.o.notice?.({
        name: s.name,
        state: status === 'done' ? 'done' : 'failed',
        reason: `pipeline_${status}`,
        detail: reason,
        id: `pipeline:${s.name}:${status}:${s.stages.map((st) => st.runs).join('.')}`,
        at: this.now().toISOString(),
        repo: s.repo,
        startedAt: s.createdAt,
      });
    await this.save(s);
    killPoint('final-state');
    await this.files.event('pipeline_' + status, { reason });
    await noteWorkcell(this.engine.dir, 'pipeline', s.name, null);
    return s;
  }

  private async save(s: PipelineState): Promise<void> {
    s.updatedAt = this.now().toISOString();
    await this.files.writeState(s);
  }
}

export function inputHash(objective: string, inputs: readonly Input[]): string {
  return createHash('sha256').update(JSON.stringify({ objective, inputs })).digest('hex');
}

/** The stage's checklist item: its objective's first line (a PRD item is one line). */
function itemText(def: StageDef, objective: string): string {
  const first =
    objective
      .split('\n')
      .find((l) => l.trim())
      ?.trim() ?? def.name;
  return `${def.name}: ${first.length > 200 ? `${first.slice(0, 199)}…` : first}`;
}

function stageContext(pipeline: string, def: StageDef, objective: string, inputs: readonly Input[]): string {
  const out = [`## Stage ${def.name} of pipeline ${pipeline}: the objective`, '', objective.trim()];
  for (const i of inputs) {
    const [from, path] = splitInput(i.ref);
    const body =
      i.content.length > INPUT_BYTES
        ? `${i.content.slice(0, INPUT_BYTES)}\n(... cut: read ${path} in the repo)`
        : i.content;
    out.push(
      '',
      path ? `## Input: ${path} (from stage ${from})` : `## Input: the handoff of stage ${from}`,
      '',
      body.trim() || '(empty)',
    );
  }
  if (def.outputs.length)
    out.push('', `## Outputs this stage must leave in the repo: ${def.outputs.join(', ')}`);
  return out.join('\n');
}
