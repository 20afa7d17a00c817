// main/common/stateTimes.ts (tested here: main/common may not import node:test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timeInStates } from '../common/stateTimes.js';

const T0 = Date.UTC(2030, 0, 1, 9, 0, 0);
const at = (min: number) => new Date(T0 + min * 60_000).toISOString();

test('time in each state: between changes, the live state up to now, an ended one takes none', () => {
  const events = [
    { at: at(0), type: 'started' },
    { at: at(1), type: 'state', from: 'starting' as const, state: 'running' as const },
    { at: at(11), type: 'state', from: 'running' as const, state: 'waiting' as const },
    { at: at(51), type: 'state', from: 'waiting' as const, state: 'running' as const },
    { at: at(60), type: 'notified' },
  ];
  assert.deepEqual(timeInStates(events, at(0), T0 + 70 * 60_000), [
    { state: 'starting', ms: 60_000 },
    { state: 'running', ms: (10 + 19) * 60_000 },
    { state: 'waiting', ms: 40 * 60_000 },
  ]);
  const ended = [...events, { at: at(65), type: 'state', from: 'running' as const, state: 'done' as const }];
  assert.deepEqual(timeInStates(ended, at(0), T0 + 999 * 60_000).at(-1), { state: 'done', ms: 0 });
  assert.deepEqual(timeInStates(ended, at(0), T0 + 999 * 60_000)[1], { state: 'running', ms: 24 * 60_000 });
});

test('no events: starting since the start; torn times are skipped', () => {
  assert.deepEqual(timeInStates([], at(0), T0 + 5_000), [{ state: 'starting', ms: 5_000 }]);
  assert.deepEqual(timeInStates([{ at: 'nope', type: 'state', state: 'running' }], at(0), T0 + 1_000), [
    { state: 'starting', ms: 1_000 },
  ]);
});
