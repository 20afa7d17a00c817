// A scheduled resume survives the daemon (issue 11): the real daemon parks a limited workcell, is
// SIGKILLed (with its keeper, so nothing restarts it) while the resume is scheduled, stays down past the
// due time (a sleeping machine, a crash), and once started again fires the resume exactly once and
// confirms it. Real processes and the real clock: the reset is 20 s after the test starts (time for a loaded machine to bring the daemon up and park it first), as
// an offset from now, so neither today's date nor the time zone matters.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, FAKE_AGENT, leakedProcesses, makeHome, waitFor, type TestHome } from '../testing/fixture.js';
import { liveLeader } from '../daemon/leaderLock.js';
import { readRecovery } from './record.js';

let home: TestHome;
let repo: string;
let env: NodeJS.ProcessEnv;
const started: number[] = [];

beforeEach(() => {
  home = makeHome('wck-');
  repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  execFileSync('git', ['init', '-q'], { cwd: repo });
  env = { ...home.env, WORKCELL_DAEMON: 'on', WORKCELL_DAEMON_IDLE_EXIT_MS: '1500' };
  writeFileSync(home.dir.settings, JSON.stringify({ recovery: { jitterSeconds: 0 } }));
});
afterEach(async () => {
  for (const pid of started.splice(0))
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), []);
});

const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
const limitOf = async () => (await readRecovery(home.dir, 'lim')).limit;
const turns = () =>
  readFileSync(join(home.dir.runDir('lim'), 'agent.log'), 'utf8').split('got: Your usage limit has reset')
    .length - 1;

test('the daemon SIGKILLed while a resume is scheduled: after a restart past the due time it fires exactly once', async () => {
  const reset = new Date(Date.now() + 20_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const banner = `You've hit your usage limit · resets ${reset}`;
  const s = cli(
    'start',
    'lim',
    '--repo',
    repo,
    '--agent',
    'command',
    '--recover',
    'auto',
    '--',
    process.execPath,
    FAKE_AGENT,
    '--ask',
    banner,
    '--clear',
    '--print',
    'working again',
    '--sleep',
    '60000',
  );
  assert.equal(s.status, 0, s.stderr);
  const first = await waitFor(() => liveLeader(home.dir), 10_000, 'a daemon');
  started.push(first.pid, ...(first.keeperPid ? [first.keeperPid] : []));
  const parked = await waitFor(
    async () => ((await limitOf())?.state === 'scheduled' ? limitOf() : null),
    15_000,
    'parked by the daemon',
  ).catch((e: Error) => {
    const st = readFileSync(join(home.dir.runDir('lim'), 'events.jsonl'), 'utf8');
    throw new Error(`${e.message}; events: ${st}; daemon: ${cli('daemon', 'logs').stdout}`);
  });
  // The keeper first, so nothing brings the daemon back before the due time.
  if (first.keeperPid) process.kill(first.keeperPid, 'SIGKILL');
  process.kill(first.pid, 'SIGKILL');
  await waitFor(() => !liveLeader(home.dir), 5_000, 'the daemon gone');
  const due = Date.parse(parked.dueAt);
  await waitFor(() => Date.now() > due + 500, 30_000, 'the due time passed while no daemon ran');
  assert.equal((await limitOf())?.state, 'scheduled', 'nothing fired it while the daemon was down');
  assert.equal(turns(), 0);

  const up = cli('daemon', 'start');
  assert.equal(up.status, 0, up.stderr);
  const second = await waitFor(() => liveLeader(home.dir), 10_000, 'the daemon again');
  started.push(second.pid, ...(second.keeperPid ? [second.keeperPid] : []));
  const done = await waitFor(
    async () => ((await limitOf())?.state === 'resumed' ? limitOf() : null),
    20_000,
    'resumed and confirmed',
  );
  assert.equal(done.attempts, 1);
  // A restart of the daemon after the resume does not fire it again.
  process.kill(second.pid, 'SIGKILL');
  const third = await waitFor(
    () => {
      const l = liveLeader(home.dir);
      return l && l.pid !== second.pid ? l : null;
    },
    15_000,
    'restarted by its keeper',
  );
  started.push(third.pid);
  await new Promise((r) => setTimeout(r, 2_000)); // negative check: time for a repeat to show up
  const events = readFileSync(join(home.dir.runDir('lim'), 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; action?: string });
  assert.equal(events.filter((e) => e.type === 'recovery' && e.action === 'resume').length, 1);
  assert.equal(turns(), 1);
  assert.equal(cli('kill', 'lim').status, 0);
});
