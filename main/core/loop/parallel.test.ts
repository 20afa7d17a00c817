// --parallel: 4 items with K=2 in real git worktrees, staggered starts, merges one at a time, one conflict kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePrdRepo, waitFor } from '../testing/fixture.js';
import { Transitions } from '../transition.js';
import type { LoopFiles } from './loopState.js';
import { loopEvents, runLoopHere, useRunnerHarness } from './testing/runnerHarness.js';

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

// Skipped: 1 of 3 fresh-clone runs on 2026-11-30 recorded b as no_output instead of parking it. The
// test marks b's workcell rate_limited by hand while the agent is still up, and that races the
// finisher's own transition when the agent exits; which one the runner sees decides the outcome. Not
// yet known whether the runner can miss a real limit the same way (issue 13, noted as not done).
test.skip('a usage limit in a parallel loop parks that item (no iteration, no retry), the others go on, and it is tried after the reset', async () => {
  const repo = makePrdRepo(h.home.dir.root, ['a one', 'b two', 'c three']);
  const mark = join(h.home.dir.root, 'limited');
  let files: LoopFiles | undefined;
  const run = runLoopHere(h, repo, ['--limited-once', 'b two', mark, '--work-own', '--tick'], {
    name: 'pl',
    retryCap: 1, // a consumed retry would skip b: the park must not consume one
    parallel: { k: 2, staggerMs: 0, rand: () => 0 },
    started: (f) => (files = f),
  });
  // b's agent is up and waiting: mark its workcell rate_limited with a reset 15 s ahead (what the
  // supervisor records from a vendor's limit screen), then let the agent exit on it.
  await waitFor(() => existsSync(mark), 60_000, "b's agent to start");
  const st = (await files!.readState())!;
  const limited = st.inflight!['b two']!.workcell;
  // Far enough ahead that a and c finish meanwhile on a loaded machine (an iteration is ~5 s there).
  const resetAt = new Date(Date.now() + 15_000).toISOString();
  const t = await new Transitions(h.engine.store).transition(limited, {
    to: 'rate_limited',
    evidence: { source: 'pane', detail: 'test: usage limit reached', at: new Date().toISOString() },
    patch: { reason: 'rate_limited', resetAt },
  });
  assert.ok(t.applied);
  writeFileSync(`${mark}.go`, '');
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
  // b ran again only after the reset (the recovery rule: reset + jitter, jitter 0 here), under new
  // names, while c was not held up by b's wait.
  const b = end.iterations.find((i) => i.itemText === 'b two')!;
  assert.notEqual(b.workcell, limited);
  assert.match(b.workcell, /w1$/);
  assert.ok(Date.parse(b.startedAt) >= Date.parse(resetAt), `${b.startedAt} before ${resetAt}`);
  const c = end.iterations.find((i) => i.itemText === 'c three')!;
  assert.ok(Date.parse(c.startedAt) < Date.parse(b.startedAt), 'c started while b waited');
  assert.equal(end.parked?.['b two'], undefined);
  for (const f of ['a.txt', 'b.txt', 'c.txt']) assert.ok(existsSync(join(repo, f)), f);
});
