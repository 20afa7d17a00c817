// `workcell start --worktree`, and the warning when a second workcell starts on a repo a live one is changing.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
  home = makeHome('wcw-');
});
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), [], 'processes left behind');
});

const cli = (args: string[]) => runCli(args, home.env);

const start = (name: string, repo: string, ...extra: string[]) =>
  cli([
    'start',
    name,
    '--repo',
    repo,
    '--agent',
    'command',
    ...extra,
    '--',
    process.execPath,
    FAKE_AGENT,
    '--sleep',
    '20000',
  ]);

test("a second workcell on a live one's repo warns; --worktree gives it its own worktree and branch", async () => {
  const repo = makePrdRepo(home.dir.root, ['x']);
  const first = await start('one', repo);
  assert.equal(first.code, 0, first.stderr);
  assert.doesNotMatch(first.stderr, /warning/);

  const second = await start('two', repo);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /warning: one is already changing .*use --worktree/);

  const third = await start('three', repo, '--worktree');
  assert.equal(third.code, 0, third.stderr);
  assert.doesNotMatch(third.stderr, /warning/);
  const status = JSON.parse(readFileSync(join(home.dir.runDir('three'), 'status.json'), 'utf8')) as {
    repo: string;
  };
  assert.equal(status.repo, join(home.dir.root, 'worktrees', '_start', 'three'));
  const branch = execFileSync('git', ['rev-parse', '--abbrev-ref', 'HEAD'], {
    cwd: status.repo,
    encoding: 'utf8',
  });
  assert.equal(branch.trim(), 'workcell/three');
});
