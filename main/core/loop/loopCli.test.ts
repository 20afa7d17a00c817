// `workcell loop` as a user runs it: the detached runner, its lock, a SIGKILL mid-loop and --resume.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CLI,
  FAKE_LOOP_AGENT,
  leakedProcesses,
  makeHome,
  makePrdRepo,
  waitFor,
  type TestHome,
} from '../testing/fixture.js';
import { LoopFiles, type LoopState } from './loopState.js';
import { ownerAlive, readOwner } from './ownerLock.js';

let home: TestHome;
const runners = new Set<number>();

beforeEach(() => {
  home = makeHome('wcc-');
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

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...args], { env: home.env }, (e, stdout, stderr) =>
      done({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const state = (name: string) => new LoopFiles(home.dir, name).readState();
function runnerPid(name: string): number | null {
  const r = readOwner(home.dir, 'loop', name);
  if (r && ownerAlive(r)) {
    runners.add(r.pid);
    return r.pid;
  }
  return null;
}

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
  process.execPath,
  FAKE_LOOP_AGENT,
  '--work',
  'w.txt',
  '--tick',
  '--sleep',
  String(sleepMs),
];

test('a runner SIGKILLed mid-iteration is refused to nobody, and --resume adopts that iteration', async () => {
  const repo = makePrdRepo(home.dir.root, ['one', 'two', 'three']);
  const first = await cli(loopArgs('lp', repo, 1_500));
  assert.equal(first.code, 0, first.stderr);

  // While it runs, a second run of the same loop is refused with the owner's identity.
  const pid = await waitFor(() => runnerPid('lp'), 10_000, 'the runner to hold the lock');
  const second = await cli(loopArgs('lp', repo, 1_500));
  assert.equal(second.code, 5);
  assert.match(second.stderr, new RegExp(`already running \\(pid ${pid} on `));

  // Mid-iteration: lp-2's agent is running (a kill before it exists takes the relaunch path).
  const st2 = join(home.dir.runDir('lp-2'), 'status.json');
  await waitFor(
    () => existsSync(st2) && /"state": "running"/.test(readFileSync(st2, 'utf8')),
    30_000,
    'iteration 2 to run',
  );
  process.kill(pid, 'SIGKILL');
  await waitFor(() => runnerPid('lp') === null, 5_000, 'the runner to be dead');
  const status = await cli(['loop', 'lp', '--status']);
  assert.match(status.stdout, /runner: none running/);
  assert.match(status.stdout, /now: lp-2 on "two"/);

  const resumed = await cli(['loop', 'lp', '--resume']);
  assert.equal(resumed.code, 0, resumed.stderr);
  runnerPid('lp');
  const end = await waitFor(
    async () => {
      const s = await state('lp');
      return s && s.status !== 'running' ? s : null;
    },
    45_000,
    'the loop to end',
  );
  assert.equal(end.status, 'done', end.statusReason ?? '');
  const events = readFileSync(new LoopFiles(home.dir, 'lp').events, 'utf8');
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
  const repo = makePrdRepo(home.dir.root, ['a', 'b']);
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
  await waitFor(
    () => {
      try {
        process.kill(old, 0);
        return false;
      } catch {
        return true;
      }
    },
    30_000,
    'the old runner to stop',
  );
  const end = await waitFor(
    async () => {
      const s: LoopState | null = await state('race');
      return s && s.status !== 'running' ? s : null;
    },
    30_000,
    'the loop to end',
  );
  assert.equal(end.status, 'done', end.statusReason ?? '');
  assert.deepEqual(
    end.iterations.map((i) => [i.itemText, i.outcome]),
    [
      ['a', 'succeeded'],
      ['b', 'succeeded'],
    ],
  );
  const events = readFileSync(new LoopFiles(home.dir, 'race').events, 'utf8');
  assert.match(events, /"type":"lock_lost"/);
});
