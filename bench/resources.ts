// The daemon's CPU while it samples per-workcell CPU and memory for 100 live workcells (issue 13,
// target under 2% of a core): a real daemon on real tmux, a viewer that keeps asking for the figures
// over the daemon's socket as the dashboard does, and the daemon's own CPU time from /proc, beside
// the same daemon's CPU with nobody looking (no sampling).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { ResourceSnapshot } from '../main/common/resources.js';
import { DaemonViewer } from '../main/core/daemon/client.js';
import { liveLeader } from '../main/core/daemon/leaderLock.js';
import { Engine } from '../main/core/engine.js';
import { RESOURCE_SAMPLING } from '../main/core/housekeeping/resourceSampler.js';
import { CLI, makeHome, waitFor } from '../main/core/testing/fixture.js';
import { Tmux } from '../main/core/tmux.js';
import { cpuTicks, rssMb } from './daemon.js';

const CLK_TCK = 100;
const DAEMON_MAIN = join(CLI, '..', '..', 'dist', 'main', 'core', 'daemon', 'daemonMain.js');
// Each workcell: a shell and a child (a tree of two, like an agent and one tool), idle.
const AGENT = ['/bin/sh', '-c', 'sleep 100000 & wait'];
const sleep = (n: number) => new Promise((r) => setTimeout(r, n));

/** Percent of one core the pid spent over `seconds`. */
async function cpuOver(pid: number, seconds: number): Promise<number> {
  const c0 = cpuTicks(pid);
  await sleep(seconds * 1000);
  return ((cpuTicks(pid) - c0) / CLK_TCK / seconds) * 100;
}

export async function benchResources(count = 100, seconds = 60): Promise<void> {
  const home = makeHome('wcbr-');
  const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  const repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  let viewer: DaemonViewer | null = null;
  try {
    for (let i = 0; i < count; i++) {
      const r = await engine.start({ name: `w${i}`, repo, agent: 'command', args: AGENT, hooks: false });
      if (!r.ok) throw new Error(r.error.message);
    }
    const env = { ...home.env, WORKCELL_DAEMON_IDLE_EXIT_MS: '600000' };
    spawn(process.execPath, [DAEMON_MAIN], { env, stdio: 'ignore', detached: true }).unref();
    const leader = await waitFor(() => liveLeader(home.dir), 30_000, 'daemon');
    await waitFor(() => existsSync(join(home.dir.state, 'seen.json')), 60_000, 'first reconcile');
    // Settle: the first looks at every pane take a while; idle is after that.
    for (let quiet = 0, last = cpuTicks(leader.pid), t = Date.now(); quiet < 3 && Date.now() - t < 120_000;) {
      await sleep(2_000);
      const now = cpuTicks(leader.pid);
      quiet = now - last <= 2 ? quiet + 1 : 0;
      last = now;
    }
    const idle = await cpuOver(leader.pid, 30);

    const v = await DaemonViewer.connect(home.dir);
    if (!v.ok) throw new Error(v.error.message);
    viewer = v.value;
    let latest: ResourceSnapshot | null = null;
    let frames = 0;
    viewer.onFrame.event((f) => {
      if (f.type !== 'resources') return;
      latest = f.snapshot;
      frames += 1;
    });
    // Renewed like the dashboard's polls.
    viewer.watchResources(true);
    const renew = setInterval(() => viewer?.watchResources(true), RESOURCE_SAMPLING.intervalMs);
    try {
      await waitFor(
        () => (latest?.samples.length ?? 0) >= count && latest!.samples.every((s) => s.cpuPercent !== null),
        60_000,
        'two samples of every workcell',
      );
      const f0 = frames;
      const sampling = await cpuOver(leader.pid, seconds);
      const snap = latest as ResourceSnapshot | null;
      const procs = snap?.samples.reduce((a, s) => a + s.processes, 0) ?? 0;
      const [l1, l5] = loadavg();
      console.log(
        `  daemon CPU while sampling ${count} live workcells (${procs} processes) every ${RESOURCE_SAMPLING.intervalMs / 1000} s, over ${seconds} s: ${sampling.toFixed(2)}% of a core (target < 2%)`,
      );
      console.log(
        `  same daemon, nobody looking (no sampling), over 30 s: ${idle.toFixed(2)}%; sampling adds ${(sampling - idle).toFixed(2)}% (${frames - f0} samples)   RSS ${rssMb(leader.pid).toFixed(0)} MB   load average ${l1!.toFixed(2)} / ${l5!.toFixed(2)} (1 / 5 min) on ${cpus().length} cores`,
      );
    } finally {
      clearInterval(renew);
    }
  } finally {
    viewer?.close();
    home.cleanup();
  }
}
