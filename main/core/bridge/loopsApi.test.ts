// loopView (GET /api/loops, and the tray's loop entries): every PRD item, each linked to the workcell of
// its latest iteration (the one in flight first), and the breaker's state, closed ones included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOOP_DEFAULTS, type IterationRecord } from '../loop/loopState.js';
import { loopStateFixture } from '../loop/testing/loopStateFixture.js';
import { parsePrd } from '../loop/prd.js';
import { loopView } from './loopsApi.js';

const PRD = '## Tasks\n- [ ] add the form\n- [ ] hash passwords\n- [ ] rate-limit\n';
const T0 = new Date('2026-11-30T12:00:00.000Z');

test("items link to their latest iteration's workcell, the one in flight first; breaker counts shown", () => {
  const [a, b, c] = parsePrd(PRD);
  const s = loopStateFixture('ralph', T0);
  const it = (n: number, item: string, workcell: string) => ({ n, item, workcell }) as IterationRecord;
  s.iterations.push(it(1, a!.key, 'ralph-1'), it(2, b!.key, 'ralph-2'), it(3, b!.key, 'ralph-3'));
  s.items[a!.key] = { text: a!.text, attempts: 1, outcome: 'succeeded', reason: null };
  s.items[b!.key] = { text: b!.text, attempts: 2, outcome: 'no_signal', reason: null };
  s.current = { item: b!.key, itemText: b!.text, workcell: 'ralph-4', startedAt: '', tree: null, head: null };
  s.breaker.noProgress = 2;
  const v = loopView(s, PRD);
  assert.deepEqual(
    v.items.map((i) => [i.key, i.workcell, i.inFlight, i.done]),
    [
      [a!.key, 'ralph-1', false, true],
      [b!.key, 'ralph-4', true, false],
      [c!.key, null, false, false],
    ],
  );
  assert.deepEqual(v.breaker, {
    open: false,
    reason: null,
    noProgress: 2,
    limit: LOOP_DEFAULTS.breaker.noProgress,
  });
  // Without the in-flight one, the latest finished iteration of that item.
  assert.equal(loopView({ ...s, current: null }, PRD).items[1]!.workcell, 'ralph-3');
});
