// Recovery's two figures (issue 11): the time from a usage limit's reset to the agent working again
// (the supervisor's own timer, real clock, jitter 0: target under 10 s plus the configured jitter),
// and from `workcell recover NAME` on a partial pass to the agent running with its rewritten brief
// (target under 2 s). Real tmux, fake agents, the real CLI process for the second.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../main/core/engine.js';
import { setPolicy } from '../main/core/recovery/manual.js';
import { Supervisor } from '../main/core/supervisor/supervisor.js';
import { Tmux } from '../main/core/tmux.js';
import { CLI, FAKE_AGENT, makeHome, waitFor } from '../main/core/testing/fixture.js';
import { ms, summary } from './stats.js';

const RUNS = Number(process.env.WORKCELL_BENCH_RUNS) || 3;
const fmt = (xs: number[]) => {
  const s = summary(xs);
  return `p50 ${ms(s.p50)}, max ${ms(s.max)} (n=${s.n})`;
};
const logOf = (dir: string) =>
  existsSync(join(dir, 'agent.log')) ? readFileSync(join(dir, 'agent.log'), 'utf8') : '';

export async function benchRecovery(): Promise<void> {
  console.log(
    `load average before: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const working: number[] = [];
  const confirmed: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await resetToWorking(i);
    working.push(r.working);
    confirmed.push(r.confirmed);
  }
  console.log(`reset -> continue turn reached the agent: ${fmt(working)}`);
  console.log(`reset -> resume confirmed (limit gone, agent running): ${fmt(confirmed)}`);
  const resumed: number[] = [];
  for (let i = 0; i < RUNS; i++) resumed.push(await recoverToRewritten(i));
  console.log(`workcell recover -> agent running with its rewritten brief: ${fmt(resumed)}`);
  console.log(
    `load average after: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
}

function setup(prefix: string) {
  const home = makeHome(prefix);
  const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  const repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  writeFileSync(home.dir.settings, JSON.stringify({ recovery: { jitterSeconds: 0 } }));
  return { home, engine, repo };
}

/** A live agent limited until a whole second ~4 s ahead; the supervisor's real timer resumes it. */
async function resetToWorking(i: number): Promise<{ working: number; confirmed: number }> {
  const { home, engine, repo } = setup('wcbr-');
  const sup = await Supervisor.start({ dir: home.dir, log: () => undefined, recovery: { rand: () => 0 } });
  if (!sup.ok) throw new Error(sup.error.message);
  try {
    const reset = Math.ceil((Date.now() + 4_000) / 1000) * 1000;
    const banner = `You've hit your usage limit · resets ${new Date(reset).toISOString().replace('.000', '')}`;
    const name = `lim${i}`;
    const r = await engine.start({
      name,
      repo,
      agent: 'command',
      args: [
        process.execPath,
        FAKE_AGENT,
        '--ask',
        banner,
        '--clear',
        '--print',
        'working',
        '--sleep',
        '60000',
      ],
    });
    if (!r.ok) throw new Error(r.error.message);
    await setPolicy(engine, name, 'auto');
    const runDir = home.dir.runDir(name);
    await waitFor(() => logOf(runDir).includes('got: Your usage limit has reset'), 30_000, 'the turn');
    const working = Date.now() - reset;
    const ev = await waitFor(
      async () =>
        (await engine.store.readEvents(name)).find((e) => e.type === 'recovery' && e.action === 'resumed'),
      30_000,
      'confirmed',
    );
    return { working, confirmed: Date.parse(ev.at) - reset };
  } finally {
    await sup.value.stop();
    home.cleanup();
  }
}

/** A pass that exited 0 with verify failing; the user's `workcell recover` relaunches it with the brief
 * rewritten; measured until the new pass prints that brief (the fake agent's --brief). */
async function recoverToRewritten(i: number): Promise<number> {
  const { home, engine, repo } = setup('wcbp-');
  try {
    const name = `part${i}`;
    const r = await engine.start({
      name,
      repo,
      agent: 'command',
      objective: 'Fix the login bug',
      verify: 'echo "FAIL test_login"; exit 1',
      args: [process.execPath, FAKE_AGENT, '--brief', '--exit', '0'],
    });
    if (!r.ok) throw new Error(r.error.message);
    await waitFor(
      async () => {
        const s = await engine.status(name);
        return s.ok && s.value.state === 'done' && (!s.value.pane || s.value.pane.dead);
      },
      30_000,
      'pass 1 finished',
    );
    const runDir = home.dir.runDir(name);
    const t0 = Date.now();
    const child = spawn(process.execPath, [CLI, 'recover', name], {
      env: { ...home.env, WORKCELL_DAEMON: 'off' },
      stdio: 'ignore',
    });
    await waitFor(() => logOf(runDir).includes('Still failing: verify.sh'), 30_000, 'the rewritten brief');
    const took = Date.now() - t0;
    await new Promise((res) => (child.exitCode !== null ? res(null) : child.once('exit', res)));
    return took;
  } finally {
    home.cleanup();
  }
}
