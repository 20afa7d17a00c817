// Issue 8, D1: two workcell commands on one name at once. Real CLI processes on a real private tmux
// server: one proceeds, the other is told BUSY (exit 5) and changes nothing; no history file is
// truncated and no running pass is marked failed.
import { test, afterEach, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lockPathOf } from '../core/nameLock.js';
import {
  makeHome,
  leakedProcesses,
  CLI,
  FAKE_AGENT,
  waitFor,
  type TestHome,
} from '../core/testing/fixture.js';

let home: TestHome;
let repo: string;
beforeEach(() => {
  home = makeHome();
  repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
});
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), [], 'processes left behind');
});

type Run = { code: number; stdout: string; stderr: string };
function run(args: string[]): Promise<Run> {
  return new Promise((resolve) =>
    execFile(process.execPath, [CLI, ...args], { env: home.env, encoding: 'utf8' }, (e, stdout, stderr) =>
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout, stderr }),
    ),
  );
}

const json = async (name: string) => JSON.parse((await run(['status', name, '--json'])).stdout);

async function endedWithDeadPane(name: string) {
  return waitFor(
    async () => {
      const s = await json(name);
      return ['done', 'failed'].includes(s.state) && s.pane?.dead ? s : null;
    },
    15_000,
    `${name} to end and its finisher to exit`,
  );
}

function assertBusy(r: Run, name: string) {
  assert.equal(r.code, 5, `exit 5 (busy): ${r.stderr}`);
  assert.match(r.stderr, new RegExp(`busy: another workcell command is working on ${name}; try again`));
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

const events = (name: string) =>
  readFileSync(join(home.dir.runDir(name), 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; state?: string; pass?: number });

test('two concurrent resumes: one proceeds, the other is busy; history intact, nothing failed', async () => {
  const start = await run([
    ...['start', 'r1', '--repo', repo, '--agent', 'command', '--'],
    ...[process.execPath, FAKE_AGENT, '--print', 'pass-one-output', '--sleep', '300', '--exit', '0'],
  ]);
  assert.equal(start.code, 0, start.stderr);
  await endedWithDeadPane('r1');

  const [a, b] = await Promise.all([run(['resume', 'r1']), run(['resume', 'r1'])]);
  const [won, lost] = a.code === 0 ? [a, b] : [b, a];
  assert.equal(won.code, 0, `one resume proceeds: ${won.stderr}`);
  assertBusy(lost, 'r1');

  const hist = join(home.dir.runDir('r1'), 'history', '1', 'agent.log');
  assert.match(readFileSync(hist, 'utf8'), /pass-one-output/, 'pass 1 log kept, not truncated');
  assert.equal(existsSync(join(home.dir.runDir('r1'), 'history', '2')), false, 'archived once');
  const s = await endedWithDeadPane('r1');
  assert.deepEqual([s.pass, s.state], [2, 'done']);
  const failed = events('r1').filter((e) => e.state === 'failed');
  assert.deepEqual(failed, [], 'no pass marked failed');
  assert.equal(events('r1').filter((e) => e.type === 'resumed').length, 1);
});

test('two concurrent starts of one name: one workcell, the other refused (busy, or the name taken)', async () => {
  const argv = (tag: string) => [
    ...['start', 's1', '--repo', repo, '--agent', 'command', '--'],
    ...[process.execPath, FAKE_AGENT, '--print', tag, '--sleep', '20000'],
  ];
  const [a, b] = await Promise.all([run(argv('first')), run(argv('second'))]);
  const [won, lost] = a.code === 0 ? [a, b] : [b, a];
  assert.equal(won.code, 0, won.stderr);
  // Two processes started together need not overlap (on a fast or a busy machine one can finish
  // before the other takes the name): then the loser finds the name taken, which refuses as well.
  if (lost.code === 2) assert.match(lost.stderr, /already exists.*pick another name/);
  else assertBusy(lost, 's1');
  assert.doesNotMatch(lost.stderr, /s1 is already changing/, 'not warned about itself');
  assert.doesNotMatch(lost.stderr, /\n\s+at /, 'no stack trace');
  const s = await json('s1');
  assert.deepEqual([s.state, s.pass], ['running', 1]);
  assert.equal(events('s1').filter((e) => e.type === 'created').length, 1);
  assert.equal((await run(['kill', 's1'])).code, 0);
});

/** An agent that ignores TERM: kill holds the name through its whole grace period (3 s). */
const stubborn = ['/bin/sh', '-c', 'trap "" TERM; echo stubborn; while :; do sleep 0.1; done'];

test('resume during a kill is busy; a resume stops a hung verify.sh first', async () => {
  assert.equal((await run(['start', 'k1', '--repo', repo, '--agent', 'command', '--', ...stubborn])).code, 0);
  await waitFor(async () => (await json('k1')).state === 'running', 10_000, 'k1 running');
  const lock = lockPathOf(home.dir, 'k1');
  const kill = run(['kill', 'k1']);
  await waitFor(() => existsSync(lock), 10_000, 'kill to take the lock');
  assertBusy(await run(['resume', 'k1']), 'k1');
  assert.equal((await kill).code, 0);
  assert.equal((await json('k1')).state, 'killed');

  // A resume that must first stop a hung verify.sh (one that ignores TERM) holds the name meanwhile.
  const hung = 'trap "" TERM; echo verifying; while :; do sleep 0.1; done';
  const k2 = ['start', 'k2', '--repo', repo, '--agent', 'command', '--verify', hung, '--', 'true'];
  assert.equal((await run(k2)).code, 0);
  await waitFor(() => existsSync(join(home.dir.runDir('k2'), 'verify.proc.json')), 10_000, 'verify to run');
  // (No kill raced against this resume: the finisher's TERM handler kills the check's group at once,
  // so how long the resume holds the name is a matter of milliseconds; the lock itself is proven by
  // the kill above and the concurrent resumes.)
  const r = await run(['resume', 'k2']);
  assert.equal(r.code, 0, r.stderr);
  const s = await json('k2');
  assert.equal(s.pass, 2);
  assert.notEqual(s.state, 'failed');
  const hist = join(home.dir.runDir('k2'), 'history', '1');
  assert.match(readFileSync(join(hist, 'verify.log'), 'utf8'), /verifying/);
  const pass1 = JSON.parse(readFileSync(join(hist, 'status.json'), 'utf8'));
  assert.match(pass1.verify.reason, /verify.sh was stopped: the workcell was resumed/);
  // Pass 2 hangs in verify.sh again: kill stops that finisher too.
  await waitFor(() => existsSync(join(home.dir.runDir('k2'), 'verify.proc.json')), 10_000, 'verify again');
  assert.equal((await run(['kill', 'k2'])).code, 0);
});

test('a lock left by a SIGKILLed command goes stale: busy at first, then the command proceeds', async () => {
  assert.equal((await run(['start', 'z1', '--repo', repo, '--agent', 'command', '--', 'true'])).code, 0);
  await endedWithDeadPane('z1');
  // A real process takes the lock the way every command does, and is SIGKILLed while holding it.
  const mod = new URL('../core/nameLock.js', import.meta.url).href;
  const paths = new URL('../core/paths.js', import.meta.url).href;
  const holder = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { withNameLock } = await import(${JSON.stringify(mod)});
       const { ControlDir } = await import(${JSON.stringify(paths)});
       setInterval(() => {}, 1000); // alive until killed: an unsettled top-level await alone exits (and unlocks)
       await withNameLock(new ControlDir(process.argv[1]), 'z1', () => { console.log('held'); return new Promise(() => {}); });`,
      home.dir.root,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
  holder.kill('SIGKILL');
  await new Promise((r) => holder.once('exit', r));
  const killedAt = Date.now();
  assertBusy(await run(['resume', 'z1']), 'z1');
  const r = await waitFor(
    async () => {
      const x = await run(['resume', 'z1']);
      if (x.code !== 0) assertBusy(x, 'z1');
      return x.code === 0 ? x : null;
    },
    20_000,
    'the stale lock to be taken over',
  );
  assert.match(r.stdout, /resumed z1: pass 2/);
  // proper-lockfile's stale window is 10 s; a little more for the refresh interval and CLI starts.
  assert.ok(Date.now() - killedAt < 16_000, `took ${Date.now() - killedAt} ms`);
  await endedWithDeadPane('z1');
});
