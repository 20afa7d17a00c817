// The supervisor daemon with real processes on a real tmux server: one per home, started by
// `workcell start`, viewers never write, a SIGKILLed daemon loses and repeats nothing, stall clocks
// survive a restart, completions carry their verify result, and it leaves when nothing is left to do.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, FAKE_AGENT, leakedProcesses, makeHome, waitFor, type TestHome } from '../testing/fixture.js';
import { liveLeader, readLeader } from './leaderLock.js';
import { daemonStatus } from './client.js';

let home: TestHome;
let repo: string;
let notified: string;
let env: NodeJS.ProcessEnv;
const children: ChildProcess[] = [];

/** A command notifier appending `name state verified reason` per delivery, and settings around it. */
function settings(extra: object = {}, on = ['done', 'failed', 'waiting', 'stalled', 'turn_end']): void {
  const e = (k: string) => `process.env.WORKCELL_${k}`;
  // A digest (several changes in one message) is written as one line per change it carries.
  const d = (k: string) => `(${e(`DIGEST_${k}`)} || '').split('\\n')`;
  const line = `(${e('DIGEST_COUNT')} ? ${d('NAMES')}.map((n, i) => JSON.stringify({ n, s: ${d('STATES')}[i], r: ${d('REASONS')}[i], t: ${d('TITLES')}[i], id: ${d('CHANGE_IDS')}[i] })).join('\\n') : JSON.stringify({ n: ${e('NAME')}, s: ${e('STATE')}, r: ${e('REASON')}, t: ${e('TITLE')}, id: ${e('CHANGE_ID')} }))+'\\n'`;
  writeFileSync(
    home.dir.settings,
    JSON.stringify({
      notifiers: [
        {
          type: 'command',
          on,
          argv: [
            process.execPath,
            '-e',
            `require('fs').appendFileSync(${JSON.stringify(notified)}, ${line})`,
          ],
        },
      ],
      ...extra,
    }),
  );
}

beforeEach(() => {
  home = makeHome('wcd-');
  repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  notified = join(home.dir.root, 'notified.txt');
  env = { ...home.env, WORKCELL_DAEMON: 'on', WORKCELL_DAEMON_IDLE_EXIT_MS: '1500' };
  settings();
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), []);
});

const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
const fake = (...a: string[]) => ['--', process.execPath, FAKE_AGENT, ...a];
const start = (name: string, ...a: string[]) => {
  const r = cli('start', name, '--repo', repo, '--agent', 'command', ...a);
  assert.equal(r.status, 0, r.stderr);
};
interface Told {
  n: string;
  s: string;
  r: string;
  t: string;
  id: string;
}
const told = (): Told[] =>
  existsSync(notified)
    ? readFileSync(notified, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Told)
    : [];
/** "name state" per delivery, in order. */
const lines = () => told().map((x) => `${x.n} ${x.s}`);
const states = (name: string) =>
  readFileSync(join(home.dir.runDir(name), 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(
      (l) => JSON.parse(l) as { type: string; from?: string; state?: string; evidence?: { detail: string } },
    )
    .filter((e) => e.type === 'state');

test('start brings up ONE daemon; watch and a second start are viewers; it leaves when idle', async () => {
  // Long enough that the daemon is still needed when the second one tries, even on a loaded machine
  // (with 4 s, a second daemon slow to start found the first gone idle and led: a false failure).
  start('one', ...fake('--print', 'working', '--sleep', '10000', '--exit', '0'));
  const leader = liveLeader(home.dir);
  assert.ok(leader, 'a daemon leads after start');
  assert.ok(leader.keeperPid, 'under a keeper');
  // A second daemon cannot start: it says who leads and exits with the "locked" code.
  const second = spawnSync(
    process.execPath,
    [join(CLI, '..', '..', 'dist', 'main', 'core', 'daemon', 'daemonMain.js'), '--child'],
    {
      env,
      encoding: 'utf8',
      timeout: 20_000,
    },
  );
  assert.equal(second.status, 3);
  assert.equal(readLeader(home.dir)?.pid, leader.pid);
  // `watch` views the daemon's events; it is not a second writer.
  const watch = spawn(process.execPath, [CLI, 'watch', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(watch);
  let out = '';
  watch.stdout!.on('data', (b) => (out += String(b)));
  start('two', ...fake('--print', 'hi', '--exit', '3'));
  assert.equal(liveLeader(home.dir)?.pid, leader.pid, 'still the same daemon');
  await waitFor(() => lines().length >= 2, 20_000, 'both notified');
  await waitFor(() => out.includes('"name":"two"'), 10_000, 'watch saw the change');
  assert.deepEqual(lines().sort(), ['one done', 'two failed']);
  // One writer: each change is on the timeline exactly once.
  assert.deepEqual(
    states('two').map((e) => `${e.from}->${e.state}`),
    ['starting->running', 'running->failed'],
  );
  watch.kill('SIGTERM');
  await waitFor(() => watch.exitCode !== null, 5_000, 'watch exit');
  // Nothing live, nothing owed, no viewer: the daemon leaves on its own, and says why.
  await waitFor(() => !liveLeader(home.dir), 15_000, 'daemon idle exit');
  const s = await daemonStatus(home.dir);
  assert.equal(s.running, false);
  assert.match(s.lastLogLine, /nothing live/);
});

test('ls says plainly when nothing watches live workcells, and why', async () => {
  env.WORKCELL_DAEMON = 'off';
  start('lonely', ...fake('--sleep', '60000'));
  let r = cli('ls');
  assert.match(r.stderr, /no supervisor is watching: no supervisor daemon has run/);
  assert.equal(cli('daemon', 'start').status, 0);
  r = cli('ls');
  assert.doesNotMatch(r.stderr, /no supervisor is watching/);
  assert.equal(cli('daemon', 'status').status, 0);
  assert.equal(cli('daemon', 'stop').status, 0);
  r = cli('status', 'lonely');
  assert.match(
    r.stderr,
    /no supervisor is watching: the supervisor daemon is not running; its last log line: .*stopping: SIGTERM/,
  );
  assert.equal(cli('daemon', 'status').status, 1);
  const doctor = cli('doctor');
  assert.equal(doctor.status, 1);
  assert.match(doctor.stdout + doctor.stderr, /supervisor.*live workcells go unwatched/);
  assert.equal(cli('kill', 'lonely').status, 0);
});

test('daemon SIGKILLed mid-burst: its keeper restarts it; every exit notified exactly once', async () => {
  const N = 12;
  // Staggered exits over ~2.4 s; the daemon dies in the middle of them.
  for (let i = 0; i < N; i++)
    start(`b${i}`, ...fake('--sleep', String(1200 + i * 200), '--exit', String(i % 3 === 0 ? 1 : 0)));
  await waitFor(() => lines().length >= 2, 20_000, 'first exits notified');
  const first = liveLeader(home.dir)!;
  process.kill(first.pid, 'SIGKILL');
  const second = await waitFor(
    () => {
      const l = liveLeader(home.dir);
      return l && l.pid !== first.pid ? l : null;
    },
    20_000,
    'keeper restart',
  );
  assert.equal(second.keeperPid, first.keeperPid);
  await waitFor(() => new Set(lines().map((l) => l.split(' ')[0])).size >= N, 30_000, 'all notified').catch(
    (e: Error) => {
      // What a failure needs to be understood: what was told, and what the daemons said.
      e.message += `\ntold:\n${lines().join('\n')}\ndaemon log:\n${readFileSync(join(home.dir.root, 'daemon', 'daemon.log'), 'utf8')}`;
      throw e;
    },
  );
  await new Promise((r) => setTimeout(r, 1500)); // negative check: time for a duplicate to show up
  // Exactly once per exit as the receiver sees it: one change id per workcell. A send cut by the
  // SIGKILL after it reached the receiver but before it was recorded is sent again with the SAME id
  // (its idempotency key), which a receiver drops; a second id for one exit would be a real repeat.
  const ids = new Map<string, Set<string>>();
  for (const x of told()) ids.set(x.n, (ids.get(x.n) ?? new Set()).add(x.id));
  assert.equal(ids.size, N, `every exit told:\n${lines().join('\n')}`);
  for (const [name, set] of ids) assert.equal(set.size, 1, `${name} told as ${[...set].join(', ')}`);
  const repeats = told().length - N;
  if (repeats)
    console.log(
      `# ${repeats} delivery(ies) repeated with the same id (cut by the SIGKILL before being recorded)`,
    );
});

test('a stall clock survives a daemon restart: no repeat, the evidence keeps the true age', async () => {
  settings({ thresholds: { idleSeconds: 30, stallSeconds: 2 } });
  start('quiet', ...fake('--print', 'compiling', '--sleep', '60000'));
  await waitFor(() => lines().some((l) => l.startsWith('quiet stalled')), 20_000, 'stalled');
  // Delivery is at least once: a daemon killed between the send and its record re-sends on restart
  // (by design, with an idempotency key). This test is about the stall clock, so it kills the daemon
  // only once the send is recorded.
  const id = told().find((x) => x.n === 'quiet' && x.s === 'stalled')!.id;
  await waitFor(
    () =>
      readFileSync(join(home.dir.state, 'notified.json'), 'utf8').includes(`"${id}"`) &&
      /"sent"/.test(
        JSON.stringify(
          JSON.parse(readFileSync(join(home.dir.state, 'notified.json'), 'utf8')).changes?.[id] ?? {},
        ),
      ),
    10_000,
    'the send recorded',
  );
  const first = liveLeader(home.dir)!;
  execFileSync('kill', ['-KILL', String(first.keeperPid), String(first.pid)]);
  await waitFor(() => !liveLeader(home.dir), 5_000, 'daemon dead');
  await new Promise((r) => setTimeout(r, 2500)); // the stall grows while nothing watches
  assert.equal(cli('daemon', 'start').status, 0);
  await waitFor(() => liveLeader(home.dir)?.pid !== first.pid, 5_000, 'new daemon');
  await new Promise((r) => setTimeout(r, 2500)); // negative check: a restarted clock would re-enter stalled
  assert.equal(lines().filter((l) => l.startsWith('quiet stalled')).length, 1);
  const seq = states('quiet').map((e) => `${e.from}->${e.state}`);
  assert.deepEqual(seq, ['starting->running', 'running->stalled'], 'no false stalled -> running');
  assert.equal(cli('kill', 'quiet').status, 0);
});

test('done with a failing verify.sh: ONE notification that says claimed done, not verified', async () => {
  start(
    'claims',
    '--verify',
    'sleep 1; echo "2 tests failed"; exit 1',
    ...fake('--print', 'all done!', '--exit', '0'),
  );
  await waitFor(() => lines().length >= 1, 20_000, 'notified');
  await new Promise((r) => setTimeout(r, 1000)); // negative check: no second message
  assert.equal(lines().length, 1, JSON.stringify(told(), null, 1));
  assert.equal(lines()[0], 'claims done');
  assert.match(told()[0]!.t, /verify failed/i);
  const st = JSON.parse(readFileSync(join(home.dir.runDir('claims'), 'status.json'), 'utf8'));
  assert.equal(st.verify.exitCode, 1);
});

test('an interactive agent that ends its turn: verify runs at the turn end, one notification with the result', async () => {
  // Our fake "interactive agent" works, then reports the end of its turn through the hook sink file the
  // way Claude's Stop hook does, and sits at its prompt (it never exits).
  const hooks = join(home.dir.runDir('chat'), 'hooks', 'events.jsonl');
  start('chat', '--verify', 'test -f done.txt', ...fake('--print', 'working on it', '--sleep', '60000'));
  await waitFor(() => states('chat').some((e) => e.state === 'running'), 10_000, 'running');
  writeFileSync(join(repo, 'done.txt'), 'ok\n');
  mkdirSync(join(home.dir.runDir('chat'), 'hooks'), { recursive: true });
  appendFileSync(
    hooks,
    `${JSON.stringify({ at: new Date().toISOString(), vendor: 'claude', event: 'Stop' })}\n`,
  );
  execFileSync('tmux', ['-S', home.dir.socket, 'send-keys', '-t', '=chat:', '-l', '> ']);
  await waitFor(() => lines().length >= 1, 20_000, 'turn notification');
  assert.equal(lines()[0], 'chat idle');
  assert.equal(told()[0]!.r, 'turn_end');
  const st = JSON.parse(readFileSync(join(home.dir.runDir('chat'), 'status.json'), 'utf8'));
  assert.equal(st.verify.trigger, 'turn');
  assert.equal(st.verify.exitCode, 0);
  await new Promise((r) => setTimeout(r, 1000)); // negative check: told once
  assert.equal(lines().length, 1);
  assert.equal(cli('kill', 'chat').status, 0);
});

test('settings.json broken while the daemon runs: supervision goes on with the last good settings; ls says what is wrong', async () => {
  start('steady', ...fake('--print', 'working', '--sleep', '2500', '--exit', '0'));
  const good = readFileSync(home.dir.settings, 'utf8');
  writeFileSync(home.dir.settings, good.replace(/}$/, ',}'));
  await waitFor(
    () => readFileSync(join(home.dir.root, 'daemon', 'daemon.log'), 'utf8').includes('trailing'),
    10_000,
    'the daemon noticed',
  );
  assert.match(cli('ls').stderr, /settings\.json.*trailing ','/);
  assert.equal(cli('doctor').status, 1);
  await waitFor(() => lines().includes('steady done'), 20_000, 'still notified, with the last good settings');
  // The same daemon went on (it may have left since, idle): no crash, no restart after the breakage.
  const log = readFileSync(join(home.dir.root, 'daemon', 'daemon.log'), 'utf8');
  const after = log.slice(log.indexOf('trailing'));
  assert.doesNotMatch(after, /crashed|supervising /, 'the daemon did not crash or restart');
});

test('seen.json and the notification ledger both lost: a restarted daemon re-sends nothing already told', async () => {
  start('told', ...fake('--print', 'bye', '--exit', '0'));
  await waitFor(() => lines().includes('told done'), 20_000, 'told');
  // Wait for the send to be on the timeline (the dispatcher appends it once the channel answered).
  await waitFor(
    () => readFileSync(join(home.dir.runDir('told'), 'events.jsonl'), 'utf8').includes('"notified"'),
    10_000,
    'notified on the timeline',
  );
  assert.equal(cli('daemon', 'stop').status, 0);
  rmSync(join(home.dir.state, 'seen.json'));
  rmSync(join(home.dir.state, 'notified.json'));
  assert.equal(cli('daemon', 'start').status, 0);
  await waitFor(() => existsSync(join(home.dir.state, 'seen.json')), 10_000, 'caught up');
  await new Promise((r) => setTimeout(r, 1500)); // negative check: time for a wrong re-send
  assert.deepEqual(lines(), ['told done']);
});
