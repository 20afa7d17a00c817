// What the loop and pipeline tests share: a temp home with its own tmux server per test, the real CLI
// run as a user runs it, the detached runners found by their lock (and SIGKILLed on teardown if a test
// left one running), a wait for a runner to end, and an in-process loop (LoopRunner on a real repo).
import { beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../engine.js';
import { Tmux } from '../../tmux.js';
import {
  CLI,
  FAKE_LOOP_AGENT,
  leakedProcesses,
  makeHome,
  waitFor,
  type TestHome,
} from '../../testing/fixture.js';
import { LoopFiles, newLoopState, type LoopDefinition, type LoopState } from '../loopState.js';
import { LoopRunner, type RunnerOptions } from '../loopRunner.js';
import { ParallelRunner, type ParallelOptions } from '../parallel.js';
import { acquireOwner, ownerAlive, readOwner, releaseOwner, type LockKind } from '../ownerLock.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunnerHarness {
  /** This test's home (a new one per test). */
  readonly home: TestHome;
  readonly engine: Engine;
  /** `workcell ARGS` in this home; resolves with the exit code and both streams. */
  cli(args: readonly string[]): Promise<CliResult>;
  /** The pid of the live runner holding KIND NAME's lock (remembered: teardown kills it), else null. */
  runnerPid(kind: LockKind, name: string): number | null;
  /** Waits until no live runner holds KIND NAME's lock. */
  runnerGone(kind: LockKind, name: string, timeoutMs?: number): Promise<void>;
}

/** Registers beforeEach/afterEach on the calling test file: a fresh home per test, and on teardown
 * every runner seen SIGKILLed (by pid), the home's tmux server killed and a leak check. */
export function useRunnerHarness(prefix: string): RunnerHarness {
  let home: TestHome;
  let engine: Engine;
  const runners = new Set<number>();
  beforeEach(() => {
    home = makeHome(prefix);
    engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  });
  afterEach(async () => {
    for (const pid of runners) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // ESRCH: it finished on its own
      }
    }
    runners.clear();
    home.cleanup();
    assert.deepEqual(await leakedProcesses(home), [], 'processes left behind');
  });
  const runnerPid = (kind: LockKind, name: string): number | null => {
    const r = readOwner(home.dir, kind, name);
    if (!r || !ownerAlive(r)) return null;
    runners.add(r.pid);
    return r.pid;
  };
  return {
    get home() {
      return home;
    },
    get engine() {
      return engine;
    },
    cli: (args) =>
      new Promise((done) => {
        execFile(process.execPath, [CLI, ...args], { env: home.env }, (e, stdout, stderr) =>
          done({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      }),
    runnerPid,
    runnerGone: async (kind, name, timeoutMs = 120_000) => {
      await waitFor(() => runnerPid(kind, name) === null, timeoutMs, `the ${kind} ${name} runner to end`);
    },
  };
}

/** The fake loop agent as a command: argv for `--agent command` (see testing/fakeLoopAgent.ts). */
export const fakeAgentArgv = (...flags: string[]) => [process.execPath, FAKE_LOOP_AGENT, ...flags];

/** A vendor's real usage-limit text (claude's; detect/fixtures/command/synthetic-wrapper-limit.txt),
 * for a fake agent to print (`--limited-once`): it names a reset at 3 pm UTC. */
export const LIMIT_TEXT = "You've hit your limit · resets 3pm (UTC)";

/** A loop's events.jsonl, parsed. */
export function loopEvents(files: LoopFiles): { type: string; [k: string]: unknown }[] {
  return readFileSync(files.events, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string });
}

/** Creates loop NAME on `repo` (its PRD.md) and runs it to its end in this process, holding its lock
 * as the detached runner would. */
export async function runLoopHere(
  h: RunnerHarness,
  repo: string,
  agentFlags: readonly string[],
  o: Partial<LoopDefinition> & {
    runner?: RunnerOptions;
    parallel?: Omit<ParallelOptions, 'pollMs'>;
    /** Called once the state is on disk, before the runner starts (to watch it run). */
    started?: (files: LoopFiles) => void;
  } = {},
): Promise<{ s: LoopState; files: LoopFiles }> {
  const name = o.name ?? 'lp';
  const files = new LoopFiles(h.home.dir, name);
  const { runner, parallel, started, ...def } = o;
  const s = newLoopState(
    {
      name,
      repo,
      agent: 'command',
      args: fakeAgentArgv(...agentFlags),
      prd: join(repo, 'PRD.md'),
      verify: null,
      max: 10,
      retryCap: 3,
      timeoutMs: 60_000,
      headless: false,
      ...def,
    },
    new Date(),
  );
  if (parallel) s.parallel = parallel.k;
  mkdirSync(files.root, { recursive: true });
  await files.writeState(s);
  started?.(files);
  return { s: await runHeld(h, files, runner, parallel), files };
}

/** Runs loop FILES (its state already on disk) in this process under its lock: a LoopRunner, or a
 * ParallelRunner when `parallel` is given. */
export async function runHeld(
  h: RunnerHarness,
  files: LoopFiles,
  o: RunnerOptions = {},
  parallel?: Omit<ParallelOptions, 'pollMs'>,
): Promise<LoopState> {
  const lock = await acquireOwner(h.home.dir, 'loop', files.name);
  assert.ok(lock.ok, 'the loop lock is free');
  try {
    const runner = parallel
      ? new ParallelRunner(h.engine, files, { pollMs: 50, ...parallel })
      : new LoopRunner(h.engine, files, { pollMs: 50, ...o });
    return await runner.run();
  } finally {
    releaseOwner(h.home.dir, 'loop', files.name);
  }
}
