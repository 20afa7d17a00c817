// What `workcell pipeline run` does: validate the definition (every error with its line), take the
// pipeline's lock (refusing with the owner's identity), freeze the definition in the run dir, and hand
// the lock to a detached runner (pipelineMain.ts). A second `run` of a name that exists refuses: only
// --resume continues a run, and it continues from the frozen copy.
import { promises as fs } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateName } from '../../common/workcell.js';
import type { ControlDir } from '../paths.js';
import { err, ok, type Result } from '../result.js';
import { git } from '../loop/evidence.js';
import { spawnHeldRunner } from '../loop/loopClient.js';
import { acquireOwner, describeOwner, ownerAlive, readOwner, releaseOwner } from '../loop/ownerLock.js';
import { LoopFiles } from '../loop/loopState.js';
import { formatErrors, parsePipeline, type PipelineDef } from './definition.js';
import { PipelineFiles, newStageState, type PipelineState, type PipelineStatus } from './pipelineState.js';

const PIPELINE_MAIN = fileURLToPath(new URL('./pipelineMain.js', import.meta.url));
// Stage loops are named PIPELINE-STAGE-rN and their workcells add -N: loop names stop at 40.
const MAX_LOOP_NAME = 40;

export interface PipelineRequest {
  /** The definition file (optional with resume: the frozen copy is used). */
  file?: string;
  name?: string;
  /** Overrides the definition's `repo`. */
  repo?: string;
  resume?: boolean;
  force?: boolean;
}

/** The name a run gets: --name, else the file's base name made into a valid name. */
export function pipelineName(q: PipelineRequest): string {
  if (q.name) return q.name;
  const base = basename(q.file ?? '', extname(q.file ?? ''));
  return (
    base
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'pipeline'
  );
}

export async function runPipeline(dir: ControlDir, q: PipelineRequest): Promise<Result<PipelineState>> {
  const name = pipelineName(q);
  const bad = validateName(name);
  if (bad) return err('BAD_NAME', bad.message.replace('workcell name', 'pipeline name'));
  const files = new PipelineFiles(dir, name);
  const text = q.file ? await fs.readFile(q.file, 'utf8').catch(() => null) : null;
  if (q.file && text === null) return err('BAD_ARGS', `cannot read the pipeline file ${q.file}`);
  if (q.resume) return resume(dir, files, q, text);
  if (text === null) return err('BAD_ARGS', 'workcell pipeline run needs the definition file');
  const def = parsePipeline(text);
  if (!def.ok)
    return err('BAD_ARGS', `${q.file} is not a valid pipeline:\n${formatErrors(q.file!, def.errors)}`);
  const longest = Math.max(...def.value.stages.map((s) => s.name.length));
  if (name.length + longest + 5 > MAX_LOOP_NAME)
    return err(
      'BAD_NAME',
      `pipeline name ${name} is too long for its stage names (PIPELINE-STAGE-rN must fit in ${MAX_LOOP_NAME}): pick a shorter --name`,
    );
  const repo = resolve(dirname(resolve(q.file!)), q.repo ?? def.value.repo ?? '.');
  if ((await git(repo, ['rev-parse', '--is-inside-work-tree'])).stdout !== 'true')
    return err('BAD_REPO', `${repo} is not a git work tree: each stage's change is judged with git`);
  const objectives = await readObjectives(def.value, dirname(resolve(q.file!)));
  if (!objectives.ok) return objectives;
  const lock = await acquireOwner(dir, 'pipeline', name, { force: q.force, worktree: repo });
  if (!lock.ok)
    return err(
      'BUSY',
      `pipeline ${name} is already running (${describeOwner(lock.holder)}): see \`workcell pipeline status ${name}\``,
    );
  const prev = await files.readState();
  if (prev) {
    releaseOwner(dir, 'pipeline', name);
    return err(
      'NAME_IN_USE',
      `pipeline ${name} already ran (${prev.status}): continue it with \`workcell pipeline run --resume --name ${name}\`, or pick another --name`,
    );
  }
  await fs.mkdir(files.root, { recursive: true, mode: 0o700 });
  await fs.writeFile(files.definition, text, { mode: 0o600 });
  const now = new Date().toISOString();
  const s: PipelineState = {
    name,
    file: resolve(q.file!),
    repo,
    status: 'running',
    statusReason: null,
    createdAt: now,
    updatedAt: now,
    objectives: objectives.value,
    stages: def.value.stages.map((st) => newStageState(st.name)),
  };
  await files.writeState(s);
  await files.event('pipeline_created', { file: s.file, repo, stages: s.stages.map((x) => x.name) });
  return started(dir, files, s);
}

async function resume(
  dir: ControlDir,
  files: PipelineFiles,
  q: PipelineRequest,
  text: string | null,
): Promise<Result<PipelineState>> {
  const s = await files.readState();
  if (!s)
    return err('NOT_FOUND', `no pipeline named ${files.name}: start it with \`workcell pipeline run FILE\``);
  const frozen = await fs.readFile(files.definition, 'utf8');
  if (text !== null && text !== frozen)
    return err(
      'BAD_ARGS',
      `${q.file} changed since pipeline ${files.name} began; a resume runs the definition frozen in ${files.definition}. Start a new run with another --name to use the new one`,
    );
  const lock = await acquireOwner(dir, 'pipeline', files.name, { force: q.force, worktree: s.repo });
  if (!lock.ok)
    return err(
      'BUSY',
      `pipeline ${files.name} is already running (${describeOwner(lock.holder)}): take it over with --force`,
    );
  s.status = 'running';
  s.statusReason = null;
  await files.writeControl({ stop: false });
  await files.writeState(s);
  await files.event('pipeline_resumed', {});
  return started(dir, files, s);
}

/** `workcell pipeline stop NAME`: the running stage's loop is stopped (its iteration in flight killed
 * and recorded as cancelled), the stage and the pipeline end `stopped`, and no later stage starts.
 * The pipeline's own stop is written first, then the recorded stage loop's: the runner checks the
 * pipeline's after recording a new stage loop, so a stop racing a stage start is seen by one side.
 * With no live runner, a pipeline still marked running (its runner died) is marked stopped here. */
export async function stopPipeline(
  dir: ControlDir,
  name: string,
): Promise<Result<{ running: boolean; status: PipelineStatus; stage: string | null }>> {
  const files = new PipelineFiles(dir, name);
  if (!(await files.readState())) return err('NOT_FOUND', `no pipeline named ${name}`);
  await files.writeControl({ stop: true });
  const s = (await files.readState())!;
  const stage = s.stages.find((st) => st.status === 'running' && st.loop) ?? null;
  const owner = readOwner(dir, 'pipeline', name);
  const live = owner !== null && ownerAlive(owner);
  if (stage && live) {
    const lf = new LoopFiles(dir, stage.loop!);
    await lf.writeControl({ ...((await lf.readControl()) ?? {}), stop: true });
  }
  if (!live && s.status === 'running') {
    s.status = 'stopped';
    s.statusReason = 'stopped by the user (no runner was running)';
    s.updatedAt = new Date().toISOString();
    await files.writeState(s);
    await files.event('pipeline_stopped', { reason: s.statusReason });
  }
  return ok({ running: live, status: s.status, stage: stage?.name ?? null });
}

async function started(
  dir: ControlDir,
  files: PipelineFiles,
  s: PipelineState,
): Promise<Result<PipelineState>> {
  const r = await spawnHeldRunner(dir, {
    main: PIPELINE_MAIN,
    kind: 'pipeline',
    key: s.name,
    log: files.log,
  });
  return r.ok ? ok(s) : r;
}

/** Each stage's objective text: `objective` as written, or the `brief` file's content (read now, so a
 * resume gives the stage what the run began with). */
async function readObjectives(def: PipelineDef, base: string): Promise<Result<Record<string, string>>> {
  const out: Record<string, string> = {};
  for (const st of def.stages) {
    if (st.objective !== null) out[st.name] = st.objective;
    else {
      const path = resolve(base, st.brief!);
      const t = await fs.readFile(path, 'utf8').catch(() => null);
      if (t === null || !t.trim())
        return err(
          'BAD_ARGS',
          `stage ${st.name} (line ${st.line}): cannot read its brief ${path}, or it is empty`,
        );
      out[st.name] = t;
    }
  }
  return ok(out);
}
