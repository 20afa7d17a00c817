// Loops end to end with the runner in this process: fake agents in real tmux on a real git repo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePrdRepo } from '../testing/fixture.js';
import { loopEvents as events, runHeld, runLoopHere, useRunnerHarness } from './testing/runnerHarness.js';

const h = useRunnerHarness('wcl-');

async function runLoop(
  items: string[],
  agentArgs: string[],
  o: { verify?: string; max?: number; timeoutMs?: number } = {},
) {
  const repo = makePrdRepo(h.home.dir.root, items);
  const r = await runLoopHere(h, repo, agentArgs, {
    verify: o.verify ?? null,
    max: o.max ?? 10,
    timeoutMs: o.timeoutMs ?? 60_000,
  });
  return { ...r, repo };
}

test('a box ticked with no change is unticked and recorded as no_output, never succeeded', async () => {
  const { s, repo, files } = await runLoop(['add a greeting'], ['--tick'], { max: 2 });
  assert.equal(s.status, 'max_reached');
  assert.deepEqual(
    s.iterations.map((i) => i.outcome),
    ['no_output', 'no_output'],
  );
  assert.match(s.iterations[0]!.reason!, /ticked without a change and is unticked/);
  assert.match(readFileSync(join(repo, 'PRD.md'), 'utf8'), /- \[ \] add a greeting/);
  assert.equal(events(files).filter((e) => e.type === 'unticked').length, 2);
  assert.match(readFileSync(files.progress, 'utf8'), /add a greeting: no_output/);
});

test('a change with no signal is no_signal and the item stays open', async () => {
  const { s, repo } = await runLoop(['write the file'], ['--work', 'w.txt'], { max: 1 });
  assert.equal(s.iterations[0]!.outcome, 'no_signal');
  assert.deepEqual(s.iterations[0]!.files, ['w.txt']);
  assert.match(readFileSync(join(repo, 'PRD.md'), 'utf8'), /- \[ \] write the file/);
});

test('a real worker closes every item (succeeded), passes patterns on, and the loop is done', async () => {
  const { s, repo, files } = await runLoop(
    ['first thing', 'second thing'],
    ['--brief-to', 'last-brief.txt', '--work', 'w.txt', '--tick', '--note', 'PATTERN: keep w.txt sorted'],
    { verify: 'test -s w.txt' },
  );
  assert.equal(s.status, 'done', s.statusReason ?? '');
  assert.deepEqual(
    s.iterations.map((i) => [i.itemText, i.outcome, i.verify]),
    [
      ['first thing', 'succeeded', 'passed'],
      ['second thing', 'succeeded', 'passed'],
    ],
  );
  assert.deepEqual(s.patterns, ['keep w.txt sorted']);
  // The second brief carried the first iteration's entry and the pattern it learned.
  const brief = readFileSync(join(repo, 'last-brief.txt'), 'utf8');
  assert.match(brief, /Item: second thing/);
  assert.match(brief, /1\. first thing: succeeded/);
  assert.match(brief, /- keep w\.txt sorted/);
  assert.match(readFileSync(join(repo, 'PRD.md'), 'utf8'), /- \[x\] first thing\n- \[x\] second thing/);
  assert.match(readFileSync(files.progress, 'utf8'), /files changed: .*w\.txt/);
  // Loop overhead beyond the agent's own time (start, poll, finisher, git evidence), for the report.
  for (const it of s.iterations)
    process.stdout.write(
      `# iteration ${it.n}: total ${it.ms} ms = agent ${it.agentMs} ms + finisher ${it.finishMs} ms + loop ${it.ms - (it.agentMs ?? 0) - (it.finishMs ?? 0)} ms\n`,
    );
});

test('verify failing three times opens the circuit breaker and the ticked box is unticked', async () => {
  const { s, repo, files } = await runLoop(['fix it', 'then this'], ['--work', 'w.txt', '--tick'], {
    verify: 'echo nope; exit 1',
  });
  assert.equal(s.status, 'breaker_open');
  assert.equal(s.iteration, 3, 'exactly three iterations before it opened');
  assert.ok(s.iterations.every((i) => i.outcome === 'failed' && /verify failed: nope/.test(i.reason!)));
  assert.match(s.breaker.reason!, /3 iterations in a row closed no item/);
  assert.match(readFileSync(join(repo, 'PRD.md'), 'utf8'), /- \[ \] fix it/);
  assert.ok(events(files).some((e) => e.type === 'breaker_open'));
  assert.equal(s.items['then this'], undefined, 'the next item was never started');

  // Resumed (as `loop --resume` does: the breaker closed), the item past its retry cap is skipped with
  // its reason and the next one is worked on.
  s.breaker = { ...s.breaker, open: false, reason: null, noProgress: 0 };
  s.status = 'running';
  s.max = 4;
  await files.writeState(s);
  const again = await runHeld(h, files);
  assert.equal(again.items['fix it']!.outcome, 'skipped');
  assert.match(again.items['fix it']!.reason!, /^3 attempts without success \(last: verify failed: nope\)/);
  assert.deepEqual(
    again.iterations.slice(3).map((i) => [i.itemText, i.outcome]),
    [
      ['fix it', 'skipped'],
      ['then this', 'failed'],
    ],
  );
  assert.equal(again.status, 'max_reached');
});

test('an iteration past its time limit is killed and recorded as timed_out; its ticked box is unticked', async () => {
  // The agent ticks its box, then hangs: the tick must not count, and the loop must go on to its end.
  const { s, repo, files } = await runLoop(['slow thing'], ['--tick', '--sleep', '60000'], {
    max: 1,
    timeoutMs: 2_000,
  });
  const started = Date.parse(s.iterations[0]!.startedAt);
  assert.equal(s.status, 'max_reached', s.statusReason ?? '');
  assert.deepEqual(
    s.iterations.map((i) => [i.workcell, i.outcome]),
    [['lp-1', 'timed_out']],
  );
  assert.match(s.iterations[0]!.reason!, /past its time limit and was killed/);
  assert.equal(s.items['slow thing']!.attempts, 1, 'a timeout consumes a retry like any failure');
  assert.ok(
    Date.parse(s.iterations[0]!.endedAt) - started < 30_000,
    'killed near the limit, not at the agent end',
  );
  assert.equal((await h.engine.store.readStatus('lp-1'))?.state, 'killed');
  assert.match(readFileSync(join(repo, 'PRD.md'), 'utf8'), /- \[ \] slow thing/);
  assert.ok(events(files).some((e) => e.type === 'unticked' && e.item === 'slow thing'));
});
