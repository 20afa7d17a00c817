// The start path's figures (issues 11-13): how long `engine.start` keeps its caller and how many git
// and tmux processes it starts; `workcell start` and `workcell resume` (the real CLI process) to the
// agent running (its first line in agent.log; target under 2 s); and a loop's overhead per iteration
// beyond the agent and its finisher (target under 1 s). Real tmux, real git, fake agents. Each figure is
// printed with the load average beside it: the build machine is shared, so compare runs at like load.
import { spawn } from 'node:child_process';
import cp from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../main/core/engine.js';
import { LoopFiles, newLoopState } from '../main/core/loop/loopState.js';
import { LoopRunner } from '../main/core/loop/loopRunner.js';
import { acquireOwner, releaseOwner } from '../main/core/loop/ownerLock.js';
import { Tmux } from '../main/core/tmux.js';
import {
  CLI,
  FAKE_AGENT,
  FAKE_LOOP_AGENT,
  makeHome,
  makePrdRepo,
  waitFor,
} from '../main/core/testing/fixture.js';
import { ms, summary } from './stats.js';

const RUNS = Number(process.env.WORKCELL_BENCH_RUNS) || 3;
const load = () => `load ${loadavg()[0]!.toFixed(1)}`;
const fmt = (xs: number[]) => {
  const s = summary(xs);
  return `p50 ${ms(s.p50)}, max ${ms(s.max)} (n=${s.n})`;
};
const logOf = (dir: string) =>
  existsSync(join(dir, 'agent.log')) ? readFileSync(join(dir, 'agent.log'), 'utf8') : '';

/** Every child process this process starts (git, tmux), by program: the start path's spawn count. A
 * bench-only wrapper around child_process (ESM importers see it through syncBuiltinESMExports). */
function countSpawns(): { take(): Record<string, number> } {
  let seen: Record<string, number> = {};
  const mod = cp as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const fn of ['execFile', 'spawn'] as const) {
    const orig = mod[fn]!;
    mod[fn] = function (this: unknown, file: unknown, ...rest: unknown[]) {
      const k = String(file).split('/').pop()!;
      seen[k] = (seen[k] ?? 0) + 1;
      return orig.call(this, file, ...rest);
    };
  }
  syncBuiltinESMExports();
  return {
    take() {
      const out = seen;
      seen = {};
      return out;
    },
  };
}

function gitRepo(root: string): string {
  const repo = join(root, 'repo');
  mkdirSync(repo);
  const git = (...a: string[]) => cp.execFileSync('git', a, { cwd: repo, stdio: 'ignore' });
  git('init', '-q');
  git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'start');
  return repo;
}

const runCli = (env: NodeJS.ProcessEnv, args: string[]) => {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: 'ignore' });
  const exited = new Promise<number>((res) => child.once('exit', (c) => res(c ?? 1)));
  return exited;
};

export async function benchStart(): Promise<void> {
  const spawns = countSpawns();
  const home = makeHome('wcbs-');
  try {
    const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
    const repo = gitRepo(home.dir.root);
    const agent = (marker: string, exit: boolean) => [
      process.execPath,
      FAKE_AGENT,
      '--print',
      marker,
      ...(exit ? ['--exit', '0'] : ['--sleep', '60000']),
    ];
    // A first start brings the tmux server up: not what a start costs afterwards.
    const warm = await engine.start({ name: 'warm', repo, agent: 'command', args: agent('w', false) });
    if (!warm.ok) throw new Error(warm.error.message);
    spawns.take();

    const returned: number[] = [];
    let counts: Record<string, number> = {};
    for (let i = 0; i < RUNS; i++) {
      const t0 = Date.now();
      const r = await engine.start({ name: `s${i}`, repo, agent: 'command', args: agent('up', false) });
      returned.push(Date.now() - t0);
      if (!r.ok) throw new Error(r.error.message);
      counts = spawns.take();
    }
    console.log(`engine.start -> returned: ${fmt(returned)}; ${load()}`);
    console.log(`processes started per start (in process, tmux checked once): ${JSON.stringify(counts)}`);

    const env = { ...home.env, WORKCELL_DAEMON: 'off' };
    const started: number[] = [];
    const startExit: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const name = `c${i}`;
      const t0 = Date.now();
      const exited = runCli(env, [
        'start',
        name,
        '--repo',
        repo,
        '--agent',
        'command',
        '--',
        ...agent('cli-up', true),
      ]);
      await waitFor(() => logOf(home.dir.runDir(name)).includes('cli-up'), 30_000, 'the agent');
      started.push(Date.now() - t0);
      await exited;
      startExit.push(Date.now() - t0);
    }
    console.log(
      `workcell start -> agent running (its first line): ${fmt(started)}; ${load()} (target < 2 s)`,
    );
    console.log(`workcell start -> command exited: ${fmt(startExit)}; ${load()}`);

    const resumed: number[] = [];
    const resumeExit: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const name = `c${i}`;
      const runDir = home.dir.runDir(name);
      await waitFor(
        async () => {
          const s = await engine.status(name);
          return s.ok && s.value.state === 'done' && (!s.value.pane || s.value.pane.dead);
        },
        30_000,
        'pass 1 finished',
      );
      const t0 = Date.now();
      const exited = runCli(env, ['resume', name, '--no-confirm']);
      // Pass 1's log moves to history/1 before the new pass's log is created.
      await waitFor(
        () => existsSync(join(runDir, 'history', '1', 'agent.log')) && logOf(runDir).includes('cli-up'),
        30_000,
        'the resumed agent',
      );
      resumed.push(Date.now() - t0);
      if ((await exited) !== 0) throw new Error(`workcell resume ${name} failed`);
      resumeExit.push(Date.now() - t0);
    }
    console.log(
      `workcell resume -> agent running (its first line): ${fmt(resumed)}; ${load()} (target < 2 s)`,
    );
    console.log(`workcell resume -> command exited: ${fmt(resumeExit)}; ${load()}`);
    // The CLI's own start-up, for scale: node plus every command module.
    const bare: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = Date.now();
      await runCli(env, ['--version']);
      bare.push(Date.now() - t0);
    }
    console.log(`workcell --version (node + module loading only): ${fmt(bare)}; ${load()}`);
  } finally {
    home.cleanup();
  }
}

/** A loop of `items` with the fake loop agent doing real work; the runner in this process, as
 * `workcell loop` runs it. Overhead = iteration total - agent - finisher (state.json). */
export async function benchLoop(items = 3): Promise<void> {
  const home = makeHome('wcbl-');
  try {
    const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
    const repo = makePrdRepo(
      home.dir.root,
      Array.from({ length: items }, (_, i) => `item ${i + 1}`),
    );
    const files = new LoopFiles(home.dir, 'lb');
    const s = newLoopState(
      {
        name: 'lb',
        repo,
        agent: 'command',
        args: [process.execPath, FAKE_LOOP_AGENT, '--work', 'w.txt', '--tick'],
        prd: join(repo, 'PRD.md'),
        verify: 'test -s w.txt',
        max: items,
        retryCap: 3,
        timeoutMs: 120_000,
        headless: false,
      },
      new Date(),
    );
    await mkdir(files.root, { recursive: true });
    await files.writeState(s);
    if (!(await acquireOwner(home.dir, 'loop', 'lb', { worktree: repo })).ok) throw new Error('lock');
    let end;
    try {
      end = await new LoopRunner(engine, files).run();
    } finally {
      releaseOwner(home.dir, 'loop', 'lb');
    }
    const over = end.iterations.map((i) => i.ms - (i.agentMs ?? 0) - (i.finishMs ?? 0));
    for (const i of end.iterations)
      console.log(
        `  iteration ${i.n} (${i.outcome}): total ${i.ms} ms = agent ${i.agentMs} + finisher ${i.finishMs} + loop ${i.ms - (i.agentMs ?? 0) - (i.finishMs ?? 0)}`,
      );
    console.log(`loop overhead per iteration: ${fmt(over)}; ${load()} (target < 1 s)`);
  } finally {
    home.cleanup();
  }
}
