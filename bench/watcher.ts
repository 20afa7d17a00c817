// Exit-to-notification latency through the command notifier (1 and 50 workcells), and the CPU of a
// `workcell watch` process over 60 s with 100 idle workcells. Real tmux, real watcher process.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../main/core/engine.js';
import { Tmux } from '../main/core/tmux.js';
import { makeHome, CLI, waitFor, type TestHome } from '../main/core/testing/fixture.js';
import { summary, ms } from './stats.js';

const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat times are in 1/100 s

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]); // utime + stime
}

function setup(prefix: string): { home: TestHome; engine: Engine; repo: string; out: string } {
  const home = makeHome(prefix);
  const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  const repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  const out = join(home.dir.root, 'notified.txt');
  // The notifier records the wall clock in ns the moment it runs; the agent does the same as it exits.
  writeFileSync(
    home.dir.settings,
    JSON.stringify({
      notifiers: [
        {
          type: 'command',
          on: ['done', 'failed'],
          argv: ['/bin/sh', '-c', `echo "$WORKCELL_NAME $(date +%s%N)" >> '${out}'`],
        },
      ],
    }),
  );
  return { home, engine, repo, out };
}

function startWatch(home: TestHome): ChildProcess {
  return spawn(process.execPath, [CLI, 'watch'], { env: home.env, stdio: 'ignore' });
}

/** `count` workcells live at once; `exits` of them end one after another (each on a key sent through
 * tmux), so each exit is measured against a fleet of `count`, not against 49 simultaneous finishers. */
async function latency(count: number, exits: number): Promise<number[]> {
  const { home, engine, repo, out } = setup('wcl-');
  const watch = startWatch(home);
  const samples: number[] = [];
  try {
    await waitFor(() => existsSync(home.dir.socket), 10_000, 'watcher up');
    const names: string[] = [];
    for (let i = 0; i < count; i++) {
      const name = `w${i}`;
      names.push(name);
      const r = await engine.start({
        name,
        repo,
        agent: 'command',
        args: ['/bin/sh', '-c', 'read x; date +%s%N > "$WORKCELL_RUN_DIR/t_exit"'],
      });
      if (!r.ok) throw new Error(r.error.message);
    }
    await new Promise((r) => setTimeout(r, 3000)); // let the watcher take its first looks at the new fleet
    for (const name of names.slice(0, exits)) {
      await engine.tmux.run(['send-keys', '-t', `=${name}:`, 'Enter']);
      const got = await waitFor(
        () => {
          const lines = existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n') : [];
          return lines.map((l) => l.split(' ')).find(([n]) => n === name)?.[1] ?? null;
        },
        30_000,
        `notification for ${name}`,
      );
      const exitNs = BigInt(readFileSync(join(home.dir.runDir(name), 't_exit'), 'utf8').trim());
      samples.push(Number(BigInt(got) - exitNs) / 1e6);
      await new Promise((r) => setTimeout(r, 400)); // let the finisher (verify, git) settle: exits are independent
    }
  } finally {
    watch.kill('SIGTERM');
    home.cleanup();
  }
  return samples;
}

/** All `count` exit within the same instant: the worst case, each finisher is a node process. */
async function burst(count: number): Promise<number[]> {
  const { home, engine, repo, out } = setup('wcu-');
  const watch = startWatch(home);
  const samples: number[] = [];
  try {
    await waitFor(() => existsSync(home.dir.socket), 10_000, 'watcher up');
    const go = join(home.dir.root, 'go');
    for (let i = 0; i < count; i++) {
      const r = await engine.start({
        name: `b${i}`,
        repo,
        agent: 'command',
        args: [
          '/bin/sh',
          '-c',
          `while [ ! -f '${go}' ]; do sleep 0.05; done; date +%s%N > "$WORKCELL_RUN_DIR/t_exit"`,
        ],
      });
      if (!r.ok) throw new Error(r.error.message);
    }
    await new Promise((r) => setTimeout(r, 3000));
    writeFileSync(go, '');
    const seen = await waitFor(
      () => {
        const lines = existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n') : [];
        return lines.length >= count ? new Map(lines.map((l) => l.split(' ') as [string, string])) : null;
      },
      60_000,
      'burst notifications',
    );
    for (const [n, ns] of seen) {
      const exitNs = BigInt(readFileSync(join(home.dir.runDir(n), 't_exit'), 'utf8').trim());
      samples.push(Number(BigInt(ns) - exitNs) / 1e6);
    }
  } finally {
    watch.kill('SIGTERM');
    home.cleanup();
  }
  return samples;
}

async function idleCpu(count: number, seconds: number): Promise<{ watcherPct: number; tmuxPct: number }> {
  const { home, engine, repo } = setup('wci-');
  for (let i = 0; i < count; i++) {
    const r = await engine.start({ name: `idle${i}`, repo, agent: 'command', args: ['sleep', '3600'] });
    if (!r.ok) throw new Error(r.error.message);
  }
  const watch = startWatch(home);
  try {
    await new Promise((r) => setTimeout(r, 5_000)); // start-up reconcile and first looks are not "idle"
    const pidOut = await engine.tmux.run(['display-message', '-p', '-t', '=idle0:', '#{pid}']);
    const serverPid = pidOut.ok ? Number(pidOut.value.trim()) : 0;
    const w0 = cpuTicks(watch.pid!);
    const s0 = serverPid ? cpuTicks(serverPid) : 0;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const w1 = cpuTicks(watch.pid!);
    const s1 = serverPid ? cpuTicks(serverPid) : 0;
    return {
      watcherPct: ((w1 - w0) / CLK_TCK / seconds) * 100,
      tmuxPct: ((s1 - s0) / CLK_TCK / seconds) * 100,
    };
  } finally {
    watch.kill('SIGTERM');
    home.cleanup();
  }
}

export async function benchWatcher(): Promise<Record<string, unknown>> {
  const one: ReturnType<typeof summary>[] = [];
  if (process.env.BENCH_BURST_ONLY) {
    const b = summary(await burst(50));
    console.log(`burst p50 ${ms(b.p50)} p99 ${ms(b.p99)}`);
    return { burst: b };
  }
  const samples1: number[] = [];
  for (let i = 0; i < 20; i++) samples1.push(...(await latency(1, 1)));
  one.push(summary(samples1));
  console.log(
    `exit -> command notifier, 1 live workcell (${one[0]!.n} exits):    p50 ${ms(one[0]!.p50)}  p99 ${ms(one[0]!.p99)}   target p50 <= 50 ms, p99 <= 250 ms`,
  );
  const fifty = summary(await latency(50, 25));
  console.log(
    `exit -> command notifier, 50 live workcells (${fifty.n} exits): p50 ${ms(fifty.p50)}  p99 ${ms(fifty.p99)}`,
  );
  const b = summary(await burst(50));
  console.log(
    `exit -> command notifier, 50 exiting at the same instant:  p50 ${ms(b.p50)}  p99 ${ms(b.p99)}  (worst case: 50 finisher processes on 2 cores)`,
  );
  const cpu = process.env.BENCH_QUICK ? { watcherPct: NaN, tmuxPct: NaN } : await idleCpu(100, 60);
  console.log(
    `watcher CPU over 60 s with 100 idle workcells: ${cpu.watcherPct.toFixed(2)}% of one core (tmux server ${cpu.tmuxPct.toFixed(2)}%)   target < 1%`,
  );
  return { one: one[0], fifty, burst: b, cpu };
}
