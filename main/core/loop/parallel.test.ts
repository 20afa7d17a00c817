// --parallel: 4 items with K=2 in real git worktrees, staggered starts, merges one at a time, one conflict kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePrdRepo, waitFor } from '../testing/fixture.js';
import type { LoopFiles } from './loopState.js';
import { LIMIT_TEXT, loopEvents, runLoopHere, useRunnerHarness } from './testing/runnerHarness.js';

const h = useRunnerHarness('wcp-');

test('4 items, K=2: worktrees per item, staggered, clean merges, the one conflict kept with its branch', async () => {
  const items = ['a1 first', 'b second', 'c third', 'a1 fourth'];
  const repo = makePrdRepo(h.home.dir.root, items);
  const STAGGER = 600;
  const { s: end } = await runLoopHere(h, repo, ['--work-own', '--tick'], {
    name: 'par',
    verify: 'ls *.txt',
    retryCap: 1,
    parallel: { k: 2, staggerMs: STAGGER },
  });

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

// The agent prints a vendor's real usage-limit text and exits at once, with no daemon running: the
// runner reads the dead pane itself (endScreen.ts), so nothing here writes a state by hand and there
// is no race with the finisher (an earlier version marked the workcell rate_limited by hand while the
// agent was up, and lost to the finisher's own transition 1 run in 3). The clock is a seam: it starts
// a minute before 3 pm UTC of a fixed fake day (the reset the message names) and is moved to the
// reset only once b is parked and c has taken its slot, so no load can reorder them.
test('a usage limit in a parallel loop parks that item (no iteration, no retry), the others go on, and it is tried after the reset', async () => {
  const repo = makePrdRepo(h.home.dir.root, ['a one', 'b two', 'c three']);
  const mark = join(h.home.dir.root, 'limited');
  const resetAt = '2026-11-21T15:00:00.000Z';
  let offset = Date.parse('2026-11-21T14:59:00.000Z') - Date.now();
  let files: LoopFiles | undefined;
  const run = runLoopHere(
    h,
    repo,
    ['--limited-once', 'b two', mark, LIMIT_TEXT, '1', '--work-own', '--tick'],
    {
      name: 'pl',
      retryCap: 1, // a consumed retry would skip b: the park must not consume one
      parallel: { k: 2, staggerMs: 0, rand: () => 0, now: () => Date.now() + offset },
      started: (f) => (files = f),
    },
  );
  await waitFor(
    async () => {
      const st = await files?.readState();
      return st?.parked?.['b two'] === resetAt && st.inflight?.['c three'] !== undefined;
    },
    120_000,
    'b parked until the reset and c started in its slot',
  );
  offset = Date.parse(resetAt) - Date.now();
  const { s: end } = await run;

  assert.equal(end.status, 'done', end.statusReason ?? '');
  assert.equal(end.iteration, 3, 'the limited attempt consumed no iteration');
  assert.deepEqual(
    Object.values(end.items)
      .map((i) => `${i.text}: ${i.outcome} after ${i.attempts}`)
      .sort(),
    ['a one', 'b two', 'c three'].map((t) => `${t}: succeeded_unverified after 1`),
  );
  const wait = loopEvents(files!).find((e) => e.type === 'usage_limit_wait')!;
  assert.equal(wait.item, 'b two');
  assert.equal(wait.resetAt, resetAt);
  const limited = wait.workcell as string;
  assert.equal((await h.engine.store.readStatus(limited))?.reason, 'rate_limited');
  // b ran again only after the reset (the recovery rule: reset + jitter, jitter 0 here), under new
  // names, while c was not held up by b's wait.
  const b = end.iterations.find((i) => i.itemText === 'b two')!;
  assert.notEqual(b.workcell, limited);
  // After the wait under a new name: its iteration number can be one a later item already holds, so
  // the name may carry a suffix (pl-3w1r2), never a NAME_IN_USE.
  assert.match(b.workcell, /w1(r\d+)?$/);
  assert.ok(Date.parse(b.startedAt) >= Date.parse(resetAt), `${b.startedAt} before ${resetAt}`);
  const c = end.iterations.find((i) => i.itemText === 'c three')!;
  assert.ok(Date.parse(c.startedAt) < Date.parse(b.startedAt), 'c started while b waited');
  assert.equal(end.parked?.['b two'], undefined);
  for (const f of ['a.txt', 'b.txt', 'c.txt']) assert.ok(existsSync(join(repo, f)), f);
});
