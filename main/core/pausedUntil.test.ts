import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pausedUntilText } from '../common/pausedUntil.js';

// A fixed clock and zone: 2026-11-30 13:20 UTC is 1:20 pm in London, 2:20 pm in Berlin.
const NOW = Date.parse('2026-11-30T13:20:00.000Z');
const LONDON = { now: NOW, timeZone: 'Europe/London' };
const limited = { state: 'rate_limited' as const, verified: null, resetAt: '2026-11-30T15:10:00.000Z' };

test('a scheduled resume wins over the reset time, in local and relative time', () => {
  const w = { ...limited, recovery: { resumeAt: '2026-11-30T15:12:00.000Z' } };
  assert.equal(pausedUntilText(w, LONDON), 'paused until 3:12 pm (in 1 h 52 m)');
  assert.equal(
    pausedUntilText(w, { now: NOW, timeZone: 'Europe/Berlin' }),
    'paused until 4:12 pm (in 1 h 52 m)',
  );
});

test('without a scheduled resume (recovery null or absent) the reset time is used', () => {
  assert.equal(pausedUntilText(limited, LONDON), 'paused until 3:10 pm (in 1 h 50 m)');
  assert.equal(pausedUntilText({ ...limited, recovery: null }, LONDON), 'paused until 3:10 pm (in 1 h 50 m)');
});

test('nothing for other states, no time, or an unreadable time; a past time says so', () => {
  assert.equal(pausedUntilText({ ...limited, state: 'running' }, LONDON), null);
  assert.equal(pausedUntilText({ ...limited, resetAt: null }, LONDON), null);
  assert.equal(pausedUntilText({ ...limited, resetAt: 'soon' }, LONDON), null);
  assert.equal(
    pausedUntilText({ ...limited, resetAt: '2026-11-30T12:00:00.000Z' }, LONDON),
    'paused: resume time 12:00 pm has passed',
  );
});
