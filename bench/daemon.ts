// The supervisor daemon at 100 and 500 live workcells (issue 7): its idle CPU and RSS, `ls --json`,
// exit -> notification latency for single exits, and the time from the last of 50 / 200 exits in the
// same second to the last notification (the digest). Real tmux, real daemon process, a real webhook
// on 127.0.0.1 (or the command notifier: WORKCELL_BENCH_NOTIFIER=command).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Engine } from '../main/core/engine.js';
import { liveLeader } from '../main/core/daemon/leaderLock.js';
import { Tmux, tmuxEnv } from '../main/core/tmux.js';
import { CLI, makeHome, waitFor } from '../main/core/testing/fixture.js';
import { ms, summary } from './stats.js';

const CLK_TCK = 100;
const DAEMON_MAIN = join(CLI, '..', '..', 'dist', 'main', 'core', 'daemon', 'daemonMain.js');

export function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}
export const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const nowNs = () => process.hrtime.bigint();
const fmt = (xs: number[]) => {
  const s = summary(xs);
  return `p50 ${ms(s.p50)}, p99 ${ms(s.p99)} (n=${s.n})`;
};
// The agent notes the instant it exits (Ctrl-C), so latency runs from the exit, not from our key press
// (send-keys and the signal's delivery are not the supervisor's time).
const AGENT = [
  '/bin/sh',
  '-c',
  'trap \'date +%s%N > "$WORKCELL_RUN_DIR/exited-at"; exit 130\' INT; sleep 100000 & wait',
];
const exitedAt = (home: { dir: { runDir(n: string): string } }, name: string) =>
  BigInt(readFileSync(join(home.dir.runDir(name), 'exited-at'), 'utf8').trim());
const sleep = (n: number) => new Promise((r) => setTimeout(r, n));

// WORKCELL_TRACE=1: the daemon logs `trace <ms> <stage> <names>` along the exit path (main/core/trace.ts);
// per stage, the p50 of its first time after each single exit, from the exit.
const STAGES = ['marker', 'fast', 'read', 'told', 'claimed', 'send', 'durable', 'sent'];
function stages(home: { dir: { root: string; runDir(n: string): string } }, n: number): void {
  const log = readFileSync(join(home.dir.root, 'daemon', 'daemon.log'), 'utf8');
  const marks = [...log.matchAll(/ trace (\d+\.\d+) (\S+) (\S+)$/gm)].map((m) => ({
    at: Number(m[1]),
    stage: m[2]!,
    names: m[3]!.split(','),
  }));
  const by = new Map<string, number[]>(STAGES.map((s) => [s, []]));
  const reconciles: number[] = [];
  for (let i = 0; i < n; i++) {
    const exit = Number(exitedAt(home, `w${i}`)) / 1e6;
    for (const st of STAGES) {
      const m = marks.find((x) => x.at >= exit - 1 && x.stage === st && x.names.includes(`w${i}`));
      if (m) by.get(st)!.push(m.at - exit);
    }
    // Full reconciles that started between this exit and its send compete with the fast path.
    const sent = marks.find((x) => x.at >= exit && x.stage === 'send' && x.names.includes(`w${i}`))?.at;
    if (sent)
      reconciles.push(
        marks.filter((x) => x.stage === 'reconcile' && x.names[0] === 'start' && x.at >= exit && x.at <= sent)
          .length,
      );
  }
  const med = (xs: number[]) => (xs.length ? ms(summary(xs).p50) : '-');
  console.log(`  trace, p50 from the exit: ${STAGES.map((s) => `${s} ${med(by.get(s)!)}`).join(', ')}`);
  console.log(`  full reconciles started between an exit and its send: ${reconciles.join(' ')}`);
}

export async function benchDaemon(counts = [100, 500]): Promise<void> {
  for (const n of counts) await one(n);
}

async function one(count: number): Promise<void> {
  const home = makeHome('wcb-');
  const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  const repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  const out = join(home.dir.root, 'notified.txt');
  // One line per delivery: the names it covers (a digest covers many) and the wall clock in ns.
  // WORKCELL_BENCH_NOTIFIER=webhook (default): a real HTTP POST to a server in this process on
  // 127.0.0.1, timed at its arrival (what a Slack or a phone gets). =command: a shell command that
  // notes `date`, so its own start (a sh, a date, a tr: ~25 ms here) is in the figure too.
  const via = process.env.WORKCELL_BENCH_NOTIFIER === 'command' ? 'command' : 'webhook';
  const received: string[] = [];
  const server = createServer((req, res) => {
    const at = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const m = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        name: string;
        digest?: { messages: { name: string }[] } | null;
      };
      const names = m.digest ? m.digest.messages.map((x) => x.name) : [m.name];
      received.push(`${names.join(',')} ${at}`);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  writeFileSync(
    home.dir.settings,
    JSON.stringify({
      notifiers: [
        via === 'webhook'
          ? { type: 'webhook', on: ['failed'], url: `http://127.0.0.1:${port}/hook` }
          : {
              type: 'command',
              on: ['failed'],
              argv: [
                '/bin/sh',
                '-c',
                // A digest's names come one per line: joined with commas, so each delivery is one line.
                `t=$(date +%s%N); n=$(printf %s "\${WORKCELL_DIGEST_NAMES:-$WORKCELL_NAME}" | tr '\\n' ,); echo "$n $t" >> '${out}'`,
              ],
            },
      ],
    }),
  );
  const env = {
    ...home.env,
    WORKCELL_DAEMON_IDLE_EXIT_MS: '600000',
  };
  try {
    const t0 = Date.now();
    for (let i = 0; i < count; i++) {
      const r = await engine.start({
        name: `w${i}`,
        repo,
        agent: 'command',
        args: AGENT,
        hooks: false,
      });
      if (!r.ok) throw new Error(r.error.message);
    }
    console.log(`${count} workcells started in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // WORKCELL_BENCH_PROF=DIR: the daemon itself (no keeper) with a CPU profile written at its stop.
    const prof = process.env.WORKCELL_BENCH_PROF;
    const daemonArgs = prof
      ? ['--cpu-prof', `--cpu-prof-dir=${prof}`, DAEMON_MAIN, '--child']
      : [DAEMON_MAIN];
    spawn(process.execPath, daemonArgs, { env, stdio: 'ignore', detached: true }).unref();
    const leader = await waitFor(() => liveLeader(home.dir), 30_000, 'daemon');
    await waitFor(() => existsSync(join(home.dir.state, 'seen.json')), 60_000, 'first reconcile');
    // Settle: the first looks at every pane (a capture each) take a while at 500; idle is after that.
    for (let quiet = 0, last = cpuTicks(leader.pid), t = Date.now(); quiet < 3 && Date.now() - t < 120_000;) {
      await sleep(2_000);
      const now = cpuTicks(leader.pid);
      quiet = now - last <= 2 ? quiet + 1 : 0; // at most 1% of a core over 2 s
      last = now;
    }
    const c0 = cpuTicks(leader.pid);
    const idleS = 30;
    await sleep(idleS * 1000);
    const cpu = ((cpuTicks(leader.pid) - c0) / CLK_TCK / idleS) * 100;
    console.log(
      `  daemon idle CPU over ${idleS} s: ${cpu.toFixed(2)}% of a core (target < 1% at 500)   RSS ${rssMb(leader.pid).toFixed(0)} MB`,
    );

    const lsMs: number[] = [];
    for (let i = 0; i < 7; i++) {
      const s = nowNs();
      spawnSync(process.execPath, [CLI, 'ls', '--json'], { env, stdio: 'ignore' });
      lsMs.push(Number(nowNs() - s) / 1e6);
    }
    console.log(`  ls --json: ${fmt(lsMs)}`);
    // WORKCELL_BENCH_LS_PROF=DIR: one more `ls --json` with a CPU profile written to DIR.
    const lsProf = process.env.WORKCELL_BENCH_LS_PROF;
    if (lsProf)
      spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${lsProf}`, CLI, 'ls', '--json'], {
        env,
        stdio: 'ignore',
      });

    const lines = () =>
      via === 'webhook'
        ? received
        : existsSync(out)
          ? readFileSync(out, 'utf8').trim().split('\n').filter(Boolean)
          : [];
    console.log(`  notifier: ${via}`);
    const tmux = (args: string[]) =>
      execFileSync('tmux', ['-S', home.dir.socket, ...args], { env: tmuxEnv() });
    // Single exits, one at a time (apart by more than the digest window, so none is batched).
    const single: number[] = [];
    for (let i = 0; i < Number(process.env.WORKCELL_BENCH_SINGLES ?? 15); i++) {
      const before = lines().length;
      tmux(['send-keys', '-t', `=w${i}:`, 'C-c']);
      await waitFor(() => lines().length > before, 20_000, 'notified');
      single.push(Number(BigInt(lines().at(-1)!.split(' ').at(-1)!) - exitedAt(home, `w${i}`)) / 1e6);
      await sleep(1_300);
    }
    console.log(`  exit -> notification, single exits: ${fmt(single)}  (target p50 < 50 ms, p99 < 250 ms)`);
    if (process.env.WORKCELL_TRACE) stages(home, single.length);

    // Bursts: N exits in one tmux call (the same second); time from then to the last notification.
    let next = Number(process.env.WORKCELL_BENCH_SINGLES ?? 15);
    for (const burst of (process.env.WORKCELL_BENCH_BURSTS ?? '50,200').split(',').map(Number)) {
      if (next + burst > count) break;
      const names = Array.from({ length: burst }, (_, k) => `w${next + k}`);
      next += burst;
      const before = lines().length;
      const chained = names.flatMap((nm, k) => [...(k ? [';'] : []), 'send-keys', '-t', `=${nm}:`, 'C-c']);
      const tb = Date.now();
      tmux(chained);
      if (process.env.WORKCELL_TRACE) console.log(`  send-keys x${burst} took ${Date.now() - tb} ms`);
      const seen = new Set<string>();
      await waitFor(
        () => {
          for (const l of lines().slice(before))
            for (const nm of l
              .split(' ')
              .slice(0, -1)
              .join(' ')
              .split(/[\s,]+/))
              seen.add(nm);
          return names.every((nm) => seen.has(nm));
        },
        60_000,
        `all ${burst} told`,
      );
      const msgs = lines().slice(before);
      const lastExit = names.map((nm) => exitedAt(home, nm)).reduce((a, b) => (a > b ? a : b));
      const last = Number(BigInt(msgs.at(-1)!.split(' ').at(-1)!) - lastExit) / 1e6;
      console.log(
        `  burst of ${burst} exits: all told ${ms(last)} after the last exit, in ${msgs.length} message(s)  (target: digest within ${burst === 50 ? '1.5' : '3'} s)`,
      );
    }
  } finally {
    if (process.env.WORKCELL_BENCH_PROF)
      spawnSync(process.execPath, [CLI, 'daemon', 'stop'], { env, stdio: 'ignore' });
    if (process.env.WORKCELL_BENCH_KEEP_LOG)
      writeFileSync(
        process.env.WORKCELL_BENCH_KEEP_LOG,
        readFileSync(join(home.dir.root, 'daemon', 'daemon.log')),
      );
    home.cleanup();
    server.closeAllConnections();
    server.close();
  }
}
