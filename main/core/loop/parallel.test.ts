// --parallel: 4 items with K=2 in real git worktrees, staggered starts, merges one at a time, one conflict kept.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Engine } from '../engine.js';
import { Tmux } from '../tmux.js';
import {
  FAKE_LOOP_AGENT,
  leakedProcesses,
  makeHome,
  makePrdRepo,
  type TestHome,
} from '../testing/fixture.js';
import { LoopFiles, newLoopState } from './loopState.js';
import { acquireOwner, releaseOwner } from './ownerLock.js';
import { ParallelRunner } from './parallel.js';

let home: TestHome;

beforeEach(() => {
  home = makeHome('wcp-');
});
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), [], 'processes left behind');
});

test('4 items, K=2: worktrees per item, staggered, clean merges, the one conflict kept with its branch', async () => {
  const items = ['a1 first', 'b second', 'c third', 'a1 fourth'];
  const repo = makePrdRepo(home.dir.root, items);
  const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  const files = new LoopFiles(home.dir, 'par');
  const s = newLoopState(
    {
      name: 'par',
      repo,
      agent: 'command',
      args: [process.execPath, FAKE_LOOP_AGENT, '--work-own', '--tick'],
      prd: join(repo, 'PRD.md'),
      verify: 'ls *.txt',
      max: 10,
      retryCap: 1,
      timeoutMs: 60_000,
      headless: false,
    },
    new Date(),
  );
  s.parallel = 2;
  await mkdir(files.root, { recursive: true });
  await files.writeState(s);
  assert.ok((await acquireOwner(home.dir, 'loop', 'par')).ok);
  const STAGGER = 600;
  const end = await new ParallelRunner(engine, files, { k: 2, staggerMs: STAGGER, pollMs: 50 }).run();
  releaseOwner(home.dir, 'loop', 'par');

  const byItem = new Map(end.iterations.map((i) => [i.itemText, i]));
  assert.equal(
    end.iterations.length,
    4,
    JSON.stringify(end.iterations.map((i) => [i.itemText, i.outcome, i.reason])),
  );
  for (const t of ['b second', 'c third'])
    assert.equal(byItem.get(t)!.outcome, 'succeeded', byItem.get(t)!.reason!);
  const a = ['a1 first', 'a1 fourth'].map((t) => byItem.get(t)!);
  const conflicted = a.filter((i) => i.outcome === 'failed');
  assert.equal(conflicted.length, 1, 'exactly one of the two a1 items conflicts');
  assert.match(conflicted[0]!.reason!, /merge conflict: kept worktree .* and branch workcell\/par\//);
  assert.equal(a.filter((i) => i.outcome === 'succeeded').length, 1);

  // The conflict's worktree and branch are kept; the merged ones' worktrees are gone.
  const branches = execFileSync('git', ['branch', '--list', 'workcell/par/*'], {
    cwd: repo,
    encoding: 'utf8',
  });
  assert.equal(branches.trim().split('\n').length, 4, branches);
  const kept = /kept worktree (\S+) /.exec(conflicted[0]!.reason!)![1]!;
  assert.ok(existsSync(join(kept, 'a1.txt')));
  const worktrees = execFileSync('git', ['worktree', 'list'], { cwd: repo, encoding: 'utf8' });
  assert.equal(worktrees.trim().split('\n').length, 2, worktrees);

  // Merged work is on main, and the PRD ticks exactly the merged items.
  for (const f of ['a1.txt', 'b.txt', 'c.txt']) assert.ok(existsSync(join(repo, f)), f);
  const prd = readFileSync(join(repo, 'PRD.md'), 'utf8');
  assert.match(prd, /- \[x\] b second/);
  assert.match(prd, new RegExp(`- \\[ \\] ${conflicted[0]!.itemText}`));
  assert.equal(
    execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: repo,
      encoding: 'utf8',
    }).trim(),
    'M PRD.md',
  );

  // Starts were staggered, and never more than 2 ran at once.
  const starts = end.iterations.map((i) => Date.parse(i.startedAt)).sort((x, y) => x - y);
  for (let i = 1; i < starts.length; i++)
    assert.ok(starts[i]! - starts[i - 1]! >= STAGGER - 50, `gap ${starts[i]! - starts[i - 1]!} ms`);
  const spans = end.iterations.map((i) => [Date.parse(i.startedAt), Date.parse(i.endedAt)] as const);
  for (const [t] of spans) assert.ok(spans.filter(([b, e]) => b <= t && t < e).length <= 2);
});
