// gc of worktrees, on real git and a real workcell: a merged workcell/ branch's worktree is listed,
// then removed with its branch; an unmerged one, a dirty merged one and one a live workcell works in
// are kept, each with its reason.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  FAKE_AGENT,
  leakedProcesses,
  makeHome,
  makePrdRepo,
  runCli,
  type TestHome,
} from '../testing/fixture.js';

let home: TestHome;
beforeEach(() => {
  home = makeHome('wcg-');
});
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), [], 'processes left behind');
});

const cli = (args: string[]) => runCli(args, home.env);
const gitIn = (cwd: string, ...a: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...a], {
    cwd,
    encoding: 'utf8',
  });

test('gc removes the worktree of a merged workcell/ branch only', async () => {
  const repo = makePrdRepo(home.dir.root, ['x']);
  const wt = (n: string) => join(home.dir.root, 'worktrees', '_start', n);
  for (const n of ['merged', 'open', 'dirty', 'busy']) {
    const r = await cli([
      'start',
      n,
      '--repo',
      repo,
      '--worktree',
      '--agent',
      'command',
      '--',
      process.execPath,
      FAKE_AGENT,
      '--sleep',
      n === 'busy' ? '30000' : '0',
    ]);
    assert.equal(r.code, 0, r.stderr);
    writeFileSync(join(wt(n), `${n}.txt`), n);
    gitIn(wt(n), 'add', '-A');
    gitIn(wt(n), 'commit', '-qm', n);
  }
  for (const n of ['merged', 'dirty', 'busy']) gitIn(repo, 'merge', '-q', '--no-edit', `workcell/${n}`);
  writeFileSync(join(wt('dirty'), 'merged.txt'), 'uncommitted');

  const list = await cli(['gc', '--json']);
  const listed = (JSON.parse(list.stdout) as { worktrees: { path: string; action: string; why: string }[] })
    .worktrees;
  const by = (p: typeof listed) =>
    Object.fromEntries(p.map((w) => [w.path.split('/').pop(), `${w.action}: ${w.why}`]));
  const first = by(listed);
  assert.match(first.merged!, /^removable: workcell\/merged is merged into main/);
  assert.match(first.open!, /^kept: workcell\/open is not merged into main/);
  assert.match(first.busy!, /^kept: workcell busy is live in it/);
  assert.ok(existsSync(wt('merged')), 'listing removes nothing');

  const rm = await cli(['gc', '--remove', '--json']);
  const second = by((JSON.parse(rm.stdout) as { worktrees: typeof listed }).worktrees);
  assert.match(second.merged!, /^removed: /);
  assert.match(second.dirty!, /^kept: git refused to remove it: .*modified or untracked/);
  assert.match(second.open!, /^kept: /);
  assert.match(second.busy!, /^kept: workcell busy is live/);
  assert.ok(!existsSync(wt('merged')));
  assert.ok(existsSync(wt('open')) && existsSync(wt('dirty')) && existsSync(wt('busy')));
  const branches = gitIn(repo, 'branch', '--list', 'workcell/*');
  assert.doesNotMatch(branches, /workcell\/merged/);
  assert.match(branches, /workcell\/open/);
});
