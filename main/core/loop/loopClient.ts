// What `workcell loop` does: validate, take the loop's lock (refusing with the owner's identity),
// write the definition, and hand the lock to a detached runner (loopMain.ts) it waits for.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AGENTS, validateName } from '../../common/workcell.js';
import type { ControlDir } from '../paths.js';
import { err, ok, type Result } from '../result.js';
import { git } from './evidence.js';
import {
  LOOP_DEFAULTS,
  LoopFiles,
  newLoopState,
  type LoopDefinition,
  type LoopState,
  type LoopStatus,
} from './loopState.js';
import {
  acquireOwner,
  describeOwner,
  ownerAlive,
  readOwner,
  releaseOwner,
  type LockKind,
  type LockResult,
} from './ownerLock.js';
import { parsePrd } from './prd.js';

const LOOP_MAIN = fileURLToPath(new URL('./loopMain.js', import.meta.url));
// Iteration workcells are named NAME-N (and NAME-NwK after a usage-limit wait): room for the suffix.
const MAX_LOOP_NAME = 40;
const RUNNER_START_MS = 15_000;

export interface LoopRequest {
  name: string;
  repo: string;
  agent: string;
  prd: string;
  args: string[];
  max?: number;
  verify?: string;
  timeoutMs?: number;
  force?: boolean;
  parallel?: number;
  staggerMs?: number;
}

function checkName(name: string): Result<void> {
  const bad = validateName(name);
  if (bad)
    return { ok: false, error: { ...bad, message: bad.message.replace('workcell name', 'loop name') } };
  if (name.length > MAX_LOOP_NAME)
    return err(
      'BAD_NAME',
      `loop name ${name} is longer than ${MAX_LOOP_NAME} characters (its iterations add -N)`,
    );
  return ok(undefined);
}

const busy = (name: string, lock: LockResult) =>
  err(
    'BUSY',
    `loop ${name} is already running (${describeOwner((lock as { holder: Parameters<typeof describeOwner>[0] }).holder)}): watch it with \`workcell loop --status ${name}\`, or take it over with --force`,
  );

export async function startLoop(dir: ControlDir, q: LoopRequest): Promise<Result<LoopState>> {
  const n = checkName(q.name);
  if (!n.ok) return n;
  if (!(AGENTS as readonly string[]).includes(q.agent))
    return err('BAD_AGENT', `unknown agent ${JSON.stringify(q.agent)}: use one of ${AGENTS.join(', ')}`);
  const repo = resolve(q.repo);
  if ((await git(repo, ['rev-parse', '--is-inside-work-tree'])).stdout !== 'true')
    return err(
      'BAD_REPO',
      `--repo ${repo} is not a git work tree: a loop judges each iteration's change with git`,
    );
  const prd = resolve(repo, q.prd);
  const text = await fs.readFile(prd, 'utf8').catch(() => null);
  if (text === null) return err('BAD_ARGS', `cannot read the PRD file ${prd}`);
  if (parsePrd(text).length === 0)
    return err('BAD_ARGS', `${prd} has no checklist items ("- [ ] ...") under a "Tasks" heading`);
  if (q.max !== undefined && !(Number.isInteger(q.max) && q.max > 0))
    return err('BAD_ARGS', '--max takes a whole number of iterations above 0');
  const files = new LoopFiles(dir, q.name);
  const lock = await acquireOwner(dir, 'loop', q.name, { force: q.force, worktree: repo });
  if (!lock.ok) return busy(q.name, lock);
  const prev = await files.readState();
  if (prev) {
    releaseOwner(dir, 'loop', q.name);
    return err(
      'NAME_IN_USE',
      `loop ${q.name} already exists (${prev.status}): continue it with \`workcell loop --resume ${q.name}\`, or pick another name`,
    );
  }
  const def: LoopDefinition = {
    name: q.name,
    repo,
    agent: q.agent,
    args: q.args,
    prd,
    verify: q.verify ?? null,
    max: q.max ?? LOOP_DEFAULTS.max,
    retryCap: LOOP_DEFAULTS.retryCap,
    timeoutMs: q.timeoutMs ?? LOOP_DEFAULTS.timeoutMs,
    headless: q.agent !== 'command',
  };
  await fs.mkdir(files.root, { recursive: true, mode: 0o700 });
  if (q.parallel !== undefined && !(Number.isInteger(q.parallel) && q.parallel > 0))
    return err('BAD_ARGS', '--parallel takes a whole number of items at once above 0');
  const s = newLoopState(def, new Date());
  if (q.parallel) s.parallel = q.parallel;
  if (q.staggerMs !== undefined) s.staggerMs = q.staggerMs;
  await files.writeControl({});
  await files.writeState(s);
  await files.event('loop_created', { repo, prd, agent: q.agent, max: def.max });
  return spawnRunner(dir, files, s);
}

export async function resumeLoop(dir: ControlDir, name: string, force = false): Promise<Result<LoopState>> {
  const n = checkName(name);
  if (!n.ok) return n;
  const files = new LoopFiles(dir, name);
  const s = await files.readState();
  if (!s)
    return err(
      'NOT_FOUND',
      `no loop named ${name}: start it with \`workcell loop ${name} --repo DIR --agent AGENT --prd PRD.md\``,
    );
  const lock = await acquireOwner(dir, 'loop', name, { force, worktree: s.repo });
  if (!lock.ok) return busy(name, lock);
  if (s.breaker.open) await files.event('breaker_closed', { by: 'resume', reason: s.breaker.reason });
  s.breaker = { ...s.breaker, open: false, reason: null, noProgress: 0 };
  s.status = 'running';
  s.statusReason = null;
  const control = (await files.readControl()) ?? {};
  await files.writeControl({ ...control, stop: false });
  await files.writeState(s);
  await files.event('loop_resumed', { iteration: s.iteration, current: s.current?.workcell ?? null });
  return spawnRunner(dir, files, s);
}

/** Changes the maximum while the loop runs (read at the next iteration). */
export async function setLoopMax(dir: ControlDir, name: string, max: number): Promise<Result<void>> {
  const files = new LoopFiles(dir, name);
  if (!(await files.readState())) return err('NOT_FOUND', `no loop named ${name}`);
  if (!(Number.isInteger(max) && max > 0)) return err('BAD_ARGS', '--set-max takes a whole number above 0');
  await files.writeControl({ ...((await files.readControl()) ?? {}), max });
  return ok(undefined);
}

/** Asks the loop's runner to stop (it kills the iteration in flight, records it as cancelled, and
 * ends `stopped`). With no live runner there is nobody to ask: a loop still marked running (its runner
 * died) is marked stopped here, so its status does not claim a run that is not happening. */
export async function stopLoop(
  dir: ControlDir,
  name: string,
): Promise<Result<{ running: boolean; status: LoopStatus }>> {
  const files = new LoopFiles(dir, name);
  const s = await files.readState();
  if (!s) return err('NOT_FOUND', `no loop named ${name}`);
  await files.writeControl({ ...((await files.readControl()) ?? {}), stop: true });
  const owner = readOwner(dir, 'loop', name);
  if (owner && ownerAlive(owner)) return ok({ running: true, status: s.status });
  if (s.status === 'running') {
    s.status = 'stopped';
    s.statusReason = 'stopped by the user (no runner was running)';
    s.updatedAt = new Date().toISOString();
    await files.writeState(s);
    await files.event('loop_stopped', { reason: s.statusReason });
  }
  return ok({ running: false, status: s.status });
}

/** Starts the detached loop runner and hands it the lock this process holds. */
async function spawnRunner(dir: ControlDir, files: LoopFiles, s: LoopState): Promise<Result<LoopState>> {
  const r = await spawnHeldRunner(dir, { main: LOOP_MAIN, kind: 'loop', key: s.name, log: files.log });
  return r.ok ? ok(s) : r;
}

/** Starts a detached runner (a loop's or a pipeline's) and hands it the lock this process holds;
 * resolves once the runner says (its first stdout line) it has it. */
export async function spawnHeldRunner(
  dir: ControlDir,
  o: { main: string; kind: LockKind; key: string; log: string },
): Promise<Result<void>> {
  const child = spawn(process.execPath, [o.main, o.key], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, WORKCELLS_HOME: dir.root, WORKCELL_LOOP_HANDOVER: String(process.pid) },
  });
  child.on('error', () => undefined); // reported below: no first line
  const line = await new Promise<string | null>((done) => {
    const rl = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => done(null), RUNNER_START_MS);
    rl.once('line', (l) => {
      clearTimeout(timer);
      done(l);
    });
    child.once('exit', () => done(null));
  });
  child.stdout!.destroy();
  child.unref();
  const reply = line ? (JSON.parse(line) as { ok: boolean; message?: string }) : null;
  if (!reply?.ok) {
    releaseOwner(dir, o.kind, o.key);
    return err('BUSY', reply?.message ?? `the ${o.kind} runner did not start: see ${o.log}`);
  }
  return ok(undefined);
}
