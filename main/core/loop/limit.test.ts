// A usage limit the agent prints just before it exits, with no daemon to read its screen: the runner
// reads the dead pane itself (endScreen.ts), so the limit parks the item (no iteration, no retry) and
// is never recorded as `failed` (exit 1) or `no_output` (exit 0). Before that reading, nothing set the
// workcell's reason unless a daemon happened to capture the dead pane before the finisher ended, and
// without a daemon never. The clock is a seam: the reset is 3 pm UTC of a fixed fake day.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makePrdRepo } from '../testing/fixture.js';
import { LIMIT_TEXT, loopEvents, runLoopHere, useRunnerHarness } from './testing/runnerHarness.js';

const h = useRunnerHarness('wcm-');

const RESET = '2026-11-21T15:00:00.000Z';

for (const code of [1, 0])
  test(`a limit printed just before an exit ${code} parks the item, costs nothing, and it runs after the reset`, async () => {
    const repo = makePrdRepo(h.home.dir.root, ['a one', 'b two']);
    // 10 min before the reset on the fake clock (far more than an attempt takes, at any load); a sleep
    // moves the fake clock instead of waiting.
    let offset = Date.parse('2026-11-21T14:50:00.000Z') - Date.now();
    const slept: number[] = [];
    const mark = join(h.home.dir.root, 'limited');
    const { s, files } = await runLoopHere(
      h,
      repo,
      ['--limited-once', 'a one', mark, LIMIT_TEXT, String(code), '--work-own', '--tick'],
      {
        retryCap: 1, // a consumed retry would skip the item: the limit must not consume one
        runner: {
          now: () => new Date(Date.now() + offset),
          sleep: async (ms) => {
            slept.push(ms);
            offset += ms;
          },
          rand: () => 0,
        },
      },
    );
    assert.equal(s.status, 'done', s.statusReason ?? '');
    assert.equal(s.iteration, 2, 'the limited attempt consumed no iteration');
    assert.deepEqual(
      s.iterations.map((i) => `${i.itemText}: ${i.outcome} (${i.workcell})`),
      ['a one: succeeded_unverified (lp-1w1)', 'b two: succeeded_unverified (lp-2w1)'],
    );
    assert.equal(s.items['a one']!.attempts, 1);
    const wait = loopEvents(files).find((e) => e.type === 'usage_limit_wait')!;
    assert.ok(wait, JSON.stringify(loopEvents(files)));
    assert.equal(wait.resetAt, RESET);
    assert.equal(slept.length, 1);
    // The wait ran to the reset (jitter 0): what is left of the 10 min after the attempt's own time.
    assert.ok(slept[0]! > 0 && slept[0]! <= 600_000, `${slept[0]} ms`);
    assert.ok(Date.parse(s.iterations[0]!.startedAt) >= Date.parse(RESET), s.iterations[0]!.startedAt);
    // The limited workcell says why it ended, as the daemon would have written it.
    const limited = await h.engine.store.readStatus('lp-1');
    assert.equal(limited?.reason, 'rate_limited');
    assert.equal(limited?.resetAt, RESET);
  });
