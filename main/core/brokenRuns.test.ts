// One bad workcell must not blind the fleet (issue 8, B1 and B3): a run dir that cannot be read is
// listed `broken` with its reason and skipped, the other 99 are listed and supervised as before, and a
// session whose run dir was deleted is shown as a ghost that `gc` closes. Real CLI processes, a real
// supervisor and a real tmux server on a private socket.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ListingProblem, WorkcellSummary } from '../common/workcell.js';
import { Engine } from './engine.js';
import { withNameLock } from './nameLock.js';
import { ok, type Result } from './result.js';
import { RUN_FILES } from './paths.js';
import { Tmux } from './tmux.js';
import { testStatus } from './testing/status.js';
import {
  CLI,
  FAKE_AGENT,
  liveSessions,
  leakedProcesses,
  makeHome,
  waitFor,
  type TestHome,
} from './testing/fixture.js';
import { Supervisor, type SupervisorChange } from './supervisor/supervisor.js';
import { startBridge } from './bridge/server.js';
import { RunsDirFleetSource } from './bridge/runsDirFleetSource.js';
import { http } from './bridge/testing/testClient.js';

let home: TestHome;
let engine: Engine;
let repo: string;

beforeEach(() => {
  home = makeHome();
  engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
});
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), [], 'processes left behind');
});

const cli = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { env: home.env, encoding: 'utf8' });
const file = (name: string, f: keyof typeof RUN_FILES) => join(home.dir.runDir(name), RUN_FILES[f]);
// Far in the past on purpose: history, never an exit a supervisor would catch up on (whatever today is).
const LONG_AGO = '2001-02-03T04:05:06.000Z';

/** An ended workcell written as the finisher leaves it (no tmux session needed). */
function endedRunDir(name: string): void {
  mkdirSync(join(home.dir.runDir(name), RUN_FILES.tmp), { recursive: true });
  const status = testStatus({ name, repo, state: 'done', startedAt: LONG_AGO, endedAt: LONG_AGO });
  writeFileSync(file(name, 'status'), JSON.stringify({ ...status, exitCode: 0 }));
  writeFileSync(file(name, 'exit'), JSON.stringify({ exitCode: 0, endedAt: LONG_AGO, source: 'wrapper' }));
  writeFileSync(file(name, 'log'), `${name} says bye\n`);
}

function hundredRunDirs(): string[] {
  const names = Array.from({ length: 100 }, (_, i) => `w${String(i).padStart(3, '0')}`);
  names.forEach(endedRunDir);
  return names;
}

/** Every way one run dir was found (or made) unreadable. Root reads a mode-000 file, so unreadability
 * is made real with directories, symlink loops and bad content. */
const CORRUPTIONS: { how: string; reason: RegExp; make: (n: string) => void }[] = [
  {
    how: 'status.json is {}',
    reason: /status\.json is not a workcell status: "name"/,
    make: (n) => writeFileSync(file(n, 'status'), '{}'),
  },
  {
    how: 'status.json is []',
    reason: /status\.json is not a JSON object/,
    make: (n) => writeFileSync(file(n, 'status'), '[]'),
  },
  {
    how: 'status.json is torn JSON',
    reason: /status\.json is not valid JSON/,
    make: (n) => writeFileSync(file(n, 'status'), '{"name":"w0'),
  },
  {
    how: 'status.json has a bad state',
    reason: /"state" is missing or invalid/,
    make: (n) =>
      writeFileSync(file(n, 'status'), JSON.stringify(testStatus({ name: n, state: 'zombie' as never }))),
  },
  {
    how: 'status.json is a directory',
    reason: /status\.json is a directory/,
    make: (n) => {
      rmSync(file(n, 'status'));
      mkdirSync(file(n, 'status'));
    },
  },
  {
    how: 'status.json is a symlink loop',
    reason: /status\.json is a symlink loop/,
    make: (n) => {
      rmSync(file(n, 'status'));
      symlinkSync(RUN_FILES.status, file(n, 'status'));
    },
  },
  {
    how: 'exit.json is a directory',
    reason: /exit\.json is a directory/,
    make: (n) => {
      rmSync(file(n, 'exit'));
      mkdirSync(file(n, 'exit'));
    },
  },
  {
    how: 'exit.json is {}',
    reason: /exit\.json is not an exit record/,
    make: (n) => writeFileSync(file(n, 'exit'), '{}'),
  },
  {
    how: 'killed.json is a symlink loop',
    reason: /killed\.json is a symlink loop/,
    make: (n) => symlinkSync(RUN_FILES.killed, file(n, 'killed')),
  },
  {
    how: 'status.json deleted long ago',
    reason: /status\.json is missing/,
    make: (n) => {
      rmSync(file(n, 'status'));
      utimesSync(home.dir.runDir(n), new Date(LONG_AGO), new Date(LONG_AGO));
    },
  },
];

test('ls, ls --json and status: each corruption of one run dir in 100 lists 99 workcells + 1 broken, no stack trace', () => {
  const names = hundredRunDirs();
  for (const [i, c] of CORRUPTIONS.entries()) {
    const bad = names[i * 7]!;
    c.make(bad);
    const json = cli('ls', '--json');
    assert.equal(json.status, 0, `${c.how}: ${json.stderr}`);
    assert.doesNotMatch(json.stderr, /\n\s+at /, `${c.how}: a stack trace`);
    const listed = JSON.parse(json.stdout) as (WorkcellSummary | ListingProblem)[];
    assert.equal(listed.length, 100, c.how);
    const broken = listed.filter((w) => w.state === 'broken') as ListingProblem[];
    assert.deepEqual(
      broken.map((b) => b.name),
      [bad],
      c.how,
    );
    assert.match(broken[0]!.reason, c.reason, c.how);
    assert.match(broken[0]!.fix, new RegExp(`rm -r ${home.dir.runDir(bad)}`), c.how);
    assert.equal(listed.filter((w) => w.state === 'done').length, 99, c.how);

    const ls = cli('ls');
    assert.equal(ls.status, 0, `${c.how}: ${ls.stderr}`);
    assert.match(ls.stdout, new RegExp(`^\\S+ broken\\s+${bad}\\s`, 'm'), c.how);
    assert.equal((ls.stdout.match(/\sdone\s/g) ?? []).length, 99, c.how);
    assert.match(ls.stderr, new RegExp(`${bad} is broken: .*; look at`), c.how);

    const st = cli('status', bad);
    assert.equal(st.status, 1, c.how);
    assert.doesNotMatch(st.stderr, /\n\s+at /, `${c.how}: a stack trace`);
    assert.match(st.stderr, new RegExp(`workcell ${bad} is broken: `), c.how);
    if (i === 0) assert.equal(cli('status', names[99]!).status, 0, 'a healthy one still shows');

    // Put it back as it was, for the next corruption.
    rmSync(home.dir.runDir(bad), { recursive: true, force: true });
    endedRunDir(bad);
  }
});

test('an unreadable agent.log costs only the last line, not the workcell', async () => {
  hundredRunDirs();
  rmSync(file('w005', 'log'));
  mkdirSync(file('w005', 'log'));
  const r = await engine.list();
  assert.ok(r.ok);
  assert.equal(r.value.length, 100);
  assert.equal(r.value.find((w) => w.name === 'w005')!.lastLine, '(agent.log is a directory)');
});

test('ls on an unreadable home says what to do, without a stack trace', () => {
  hundredRunDirs();
  rmSync(home.dir.runs, { recursive: true });
  writeFileSync(home.dir.runs, 'not a directory');
  for (const args of [['ls'], ['ls', '--json'], ['gc']]) {
    const r = cli(...args);
    assert.equal(r.status, 4, `${args.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'a stack trace');
    assert.match(r.stderr, new RegExp(`${home.dir.runs} is not a directory: move it aside \\(mv `));
  }
});

test('a real supervisor with several broken run dirs among 100 still reports a healthy exit', async () => {
  const names = hundredRunDirs();
  // Several at once, one of each kind.
  for (const [i, c] of CORRUPTIONS.entries()) c.make(names[i * 9 + 1]!);
  const notified = join(home.dir.root, 'notified.txt');
  writeFileSync(
    home.dir.settings,
    JSON.stringify({
      notifiers: [
        {
          type: 'command',
          on: ['done', 'failed'],
          argv: [
            process.execPath,
            '-e',
            `require('fs').appendFileSync(${JSON.stringify(notified)}, process.env.WORKCELL_NAME+' '+process.env.WORKCELL_STATE+' '+process.env.WORKCELL_EXIT_CODE+'\\n')`,
          ],
        },
      ],
    }),
  );
  const logs: string[] = [];
  const r = await Supervisor.start({ dir: home.dir, log: (l) => logs.push(l) });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const sup = r.value;
  const changes: SupervisorChange[] = [];
  sup.onState((c: SupervisorChange) => changes.push(c));
  try {
    const started = await engine.start({
      name: 'healthy',
      repo,
      agent: 'command',
      args: [process.execPath, FAKE_AGENT, '--print', 'bye', '--exit', '3'],
    });
    assert.ok(started.ok, started.ok ? '' : started.error.message);
    await waitFor(
      () => existsSync(notified) && readFileSync(notified, 'utf8').includes('healthy failed 3'),
      20_000,
      'the healthy exit notified',
    );
    assert.deepEqual(
      changes.map((c) => `${c.name} ${c.state}`),
      ['healthy failed'],
      'only the healthy exit is told (the broken ones are skipped, the old ones are history)',
    );
    assert.deepEqual(
      logs.filter((l) => /reconcile failed|exit report failed/.test(l)),
      [],
      'no failed reconcile',
    );
    await waitFor(
      () => sup.snapshot().length === 100 - CORRUPTIONS.length + 1,
      15_000,
      'the readable fleet and the healthy one in the dashboard snapshot',
    );
  } finally {
    await sup.stop();
  }
});

test('a run dir deleted under a running workcell: ls shows the ghost and its fix, gc closes it, the name is free again', async () => {
  const started = await engine.start({
    name: 'haunt',
    repo,
    agent: 'command',
    args: [process.execPath, FAKE_AGENT, '--sleep', '60000'],
  });
  assert.ok(started.ok, started.ok ? '' : started.error.message);
  await waitFor(async () => {
    const s = await engine.status('haunt');
    return s.ok && s.value.state === 'running';
  });
  rmSync(home.dir.runDir('haunt'), { recursive: true, force: true });

  const ls = cli('ls');
  assert.equal(ls.status, 0, ls.stderr);
  assert.match(ls.stdout, /^\S+ ghost\s+haunt\s/m);
  assert.match(
    ls.stderr,
    /haunt is ghost: tmux session haunt runs but its run dir .* is gone; workcell gc closes/,
  );
  const json = JSON.parse(cli('ls', '--json').stdout) as ListingProblem[];
  assert.deepEqual(
    json.map((w) => [w.name, w.state]),
    [['haunt', 'ghost']],
  );
  const again = await engine.start({ name: 'haunt', repo, agent: 'command', args: ['true'] });
  assert.equal(again.ok ? 'started' : again.error.code, 'NAME_IN_USE', 'the ghost blocks its name');

  // A command holding the name (a start racing the gc) keeps the ghost: gc says busy, closes nothing.
  let release = () => {};
  const holding = new Promise<Result<void>>((resolve) => (release = () => resolve(ok(undefined))));
  let locked = () => {};
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const held = withNameLock(home.dir, 'haunt', () => (locked(), holding));
  await isLocked;
  const blocked = await engine.gc({});
  release();
  assert.ok((await held).ok);
  assert.deepEqual(blocked.ok && [blocked.value.ghosts, blocked.value.busy], [[], ['haunt']]);
  assert.ok(liveSessions(home).includes('haunt'), 'a busy ghost is left alone');

  const gc = cli('gc');
  assert.equal(gc.status, 0, gc.stderr);
  assert.match(gc.stdout, /closed ghost session haunt/);
  assert.ok(!liveSessions(home).includes('haunt'), 'the ghost session is gone');
  assert.deepEqual(JSON.parse(cli('ls', '--json').stdout), []);
  const free = await engine.start({
    name: 'haunt',
    repo,
    agent: 'command',
    args: [process.execPath, FAKE_AGENT, '--exit', '0'],
  });
  assert.ok(free.ok, free.ok ? '' : free.error.message);
});

test('the dashboard API list: 99 workcells and the broken one with its reason, over real HTTP', async () => {
  const names = hundredRunDirs();
  CORRUPTIONS[4]!.make(names[50]!); // status.json is a directory
  const staticDir = join(home.dir.root, 'static');
  mkdirSync(staticDir);
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
  const bridge = await startBridge({ engine, fleet: new RunsDirFleetSource(engine), staticDir });
  try {
    const r = await http(bridge, 'GET', '/api/workcells');
    assert.equal(r.status, 200, r.body);
    const body = JSON.parse(r.body) as { ok: true; value: (WorkcellSummary | ListingProblem)[] };
    assert.equal(body.value.filter((w) => w.state === 'done').length, 99);
    const broken = body.value.filter((w) => w.state === 'broken') as ListingProblem[];
    assert.deepEqual(
      broken.map((b) => [b.name, b.reason]),
      [[names[50], 'status.json is a directory']],
    );
  } finally {
    await bridge.close();
  }
});
