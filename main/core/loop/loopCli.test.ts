// `workcell loop` as a user runs it: the detached runner, its lock, a SIGKILL mid-loop and --resume.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePrdRepo, waitFor } from '../testing/fixture.js';
import { LoopFiles, type LoopState } from './loopState.js';
import { fakeAgentArgv, useRunnerHarness } from './testing/runnerHarness.js';

const h = useRunnerHarness('wcc-');
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // ESRCH: gone
  }
};
const cli = h.cli;
const runnerPid = (name: string) => h.runnerPid('loop', name);
const state = (name: string) => new LoopFiles(h.home.dir, name).readState();
/** The loop's state once its status is no longer running. */
const ended = (name: string, timeoutMs = 45_000) =>
  waitFor(
    async () => {
      const s: LoopState | null = await state(name);
      return s && s.status !== 'running' ? s : null;
    },
    timeoutMs,
    `loop ${name} to end`,
  );
/** Resolves once workcell NAME's status.json says running. */
const running = (workcell: string) => {
  const st = join(h.home.dir.runDir(workcell), 'status.json');
  return waitFor(
    () => existsSync(st) && /"state": "running"/.test(readFileSync(st, 'utf8')),
    30_000,
    `${workcell} to run`,
  );
};

const loopArgs = (name: string, repo: string, sleepMs: number) => [
  'loop',
  name,
  '--repo',
  repo,
  '--agent',
  'command',
  '--prd',
  'PRD.md',
  '--verify',
  'test -s w.txt',
  '--',
  ...fakeAgentArgv('--work', 'w.txt', '--tick', '--sleep', String(sleepMs)),
];

test('a runner SIGKILLed mid-iteration is refused to nobody, and --resume adopts that iteration', async () => {
  const repo = makePrdRepo(h.home.dir.root, ['one', 'two', 'three']);
  const first = await cli(loopArgs('lp', repo, 1_500));
  assert.equal(first.code, 0, first.stderr);

  // While it runs, a second run of the same loop is refused with the owner's identity.
  const pid = await waitFor(() => runnerPid('lp'), 10_000, 'the runner to hold the lock');
  const second = await cli(loopArgs('lp', repo, 1_500));
  assert.equal(second.code, 5);
  assert.match(second.stderr, new RegExp(`already running \\(pid ${pid} on `));

  // Mid-iteration: lp-2's agent is running (a kill before it exists takes the relaunch path).
  await running('lp-2');
  process.kill(pid, 'SIGKILL');
  await waitFor(() => runnerPid('lp') === null, 5_000, 'the runner to be dead');
  const status = await cli(['loop', 'lp', '--status']);
  assert.match(status.stdout, /runner: none running/);
  assert.match(status.stdout, /now: lp-2 on "two"/);

  const resumed = await cli(['loop', 'lp', '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  runnerPid('lp');
  const end = await ended('lp');
  assert.equal(end.status, 'done', end.statusReason ?? '');
  const events = readFileSync(new LoopFiles(h.home.dir, 'lp').events, 'utf8');
  assert.doesNotMatch(events, /"relaunch"/, 'the running iteration was adopted, not started again');
  assert.match(events, /"loop_resumed","iteration":1,"current":"lp-2"/);
  assert.deepEqual(
    end.iterations.map((i) => [i.workcell, i.itemText, i.outcome]),
    [
      ['lp-1', 'one', 'succeeded'],
      ['lp-2', 'two', 'succeeded'],
      ['lp-3', 'three', 'succeeded'],
    ],
    `item two ran once, in the workcell started before the kill: ${JSON.stringify(end.iterations.map((i) => i.reason))}`,
  );
  assert.equal(readFileSync(join(repo, 'w.txt'), 'utf8'), 'one\ntwo\nthree\n');
});

test('two loops racing for one name: exactly one runs, the other is refused naming it; --force takes over', async () => {
  const repo = makePrdRepo(h.home.dir.root, ['a', 'b']);
  const [x, y] = await Promise.all([cli(loopArgs('race', repo, 1_000)), cli(loopArgs('race', repo, 1_000))]);
  assert.deepEqual([x.code, y.code].sort(), [0, 5], `${x.stderr} | ${y.stderr}`);
  const loser = x.code === 5 ? x : y;
  assert.match(loser.stderr, /loop race is already running \(pid \d+ on /);
  const old = await waitFor(() => runnerPid('race'), 10_000, 'the runner');

  const forced = await cli(['loop', 'race', '--resume', '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  const now = await waitFor(
    () => {
      const p = runnerPid('race');
      return p !== old ? p : null;
    },
    10_000,
    'the new runner',
  );
  assert.notEqual(now, old);
  // The old runner sees its lock gone and stops; the new one finishes the loop, each item once.
  await waitFor(() => !isAlive(old), 30_000, 'the old runner to stop');
  const end = await ended('race');
  assert.equal(end.status, 'done', end.statusReason ?? '');
  assert.deepEqual(
    end.iterations.map((i) => [i.itemText, i.outcome]),
    [
      ['a', 'succeeded'],
      ['b', 'succeeded'],
    ],
  );
  const events = readFileSync(new LoopFiles(h.home.dir, 'race').events, 'utf8');
  assert.match(events, /"type":"lock_lost"/);
});

test('loop --stop kills the iteration in flight, records it as cancelled, and the runner ends stopped', async () => {
  const repo = makePrdRepo(h.home.dir.root, ['long one', 'never started']);
  // The agent ticks its box first, then works for a minute: the stop must not let that tick stand.
  const args = loopArgs('st', repo, 60_000).map((a) => (a === '--work' ? '--tick' : a));
  assert.equal((await cli(args)).code, 0);
  const pid = await waitFor(() => runnerPid('st'), 10_000, 'the runner');
  await running('st-1');

  const stop = await cli(['loop', 'st', '--stop']);
  assert.equal(stop.code, 0, stop.stderr);
  assert.match(stop.stdout, /asked loop st to stop/);
  const end = await ended('st', 30_000);
  await h.runnerGone('loop', 'st', 10_000);
  assert.equal(end.status, 'stopped');
  assert.deepEqual(
    end.iterations.map((i) => [i.workcell, i.itemText, i.outcome]),
    [['st-1', 'long one', 'cancelled']],
  );
  assert.equal(end.items['never started'], undefined, 'no item is started after a stop');
  assert.equal((await h.engine.store.readStatus('st-1'))?.state, 'killed');
  assert.match(readFileSync(join(repo, 'PRD.md'), 'utf8'), /- \[ \] long one/);
  await waitFor(() => !isAlive(pid), 10_000, 'the runner to exit');
  const status = await cli(['loop', 'st', '--status']);
  assert.match(status.stdout, /loop st: stopped \(stopped by the user\)/);
  // Stopping a loop with no runner says so instead of leaving a request nobody reads.
  const again = await cli(['loop', 'st', '--stop']);
  assert.match(again.stdout, /loop st is not running \(stopped\)/);
  // --stop and --set-max on a name that does not exist are refused.
  assert.equal((await cli(['loop', 'nope', '--stop'])).code === 0, false);
});

test('loop --set-max while the loop runs: read at the next iteration, the loop ends at the new maximum', async () => {
  const repo = makePrdRepo(h.home.dir.root, ['a', 'b', 'c', 'd']);
  assert.equal((await cli(loopArgs('mx', repo, 1_500))).code, 0);
  await waitFor(() => runnerPid('mx'), 10_000, 'the runner');
  await running('mx-1');
  const set = await cli(['loop', 'mx', '--set-max', '2']);
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, /loop mx: at most 2 iterations/);
  const bad = await cli(['loop', 'mx', '--set-max', '0']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--set-max takes a whole number above 0/);

  const end = await ended('mx');
  assert.equal(end.status, 'max_reached', end.statusReason ?? '');
  assert.equal(end.max, 2);
  assert.deepEqual(
    end.iterations.map((i) => [i.itemText, i.outcome]),
    [
      ['a', 'succeeded'],
      ['b', 'succeeded'],
    ],
  );
  const events = readFileSync(new LoopFiles(h.home.dir, 'mx').events, 'utf8');
  assert.match(events, /"type":"max_changed","from":10,"to":2/);
  assert.match((await cli(['loop', 'mx', '--status'])).stdout, /iterations: 2\/2/);
});
