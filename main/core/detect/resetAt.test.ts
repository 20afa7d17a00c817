import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseResetAt } from './resetAt.js';

const now = new Date('2026-11-21T10:00:00Z'); // a Saturday; Berlin is UTC+1 (CET), New York UTC-5

const table: [string, string | undefined, string | null][] = [
  ['resets 3pm', 'UTC', '2026-11-21T15:00:00.000Z'],
  ['resets 3pm', 'Europe/Berlin', '2026-11-21T14:00:00.000Z'],
  ['resets 9am', 'UTC', '2026-11-22T09:00:00.000Z'], // already past today: tomorrow
  ['resets at 3:45 PM (Europe/Berlin)', 'UTC', '2026-11-21T14:45:00.000Z'],
  ['Your limit will reset at 3pm (America/New_York).', 'UTC', '2026-11-21T20:00:00.000Z'],
  ['resets 12am', 'UTC', '2026-11-22T00:00:00.000Z'],
  ['resets 12pm', 'UTC', '2026-11-21T12:00:00.000Z'],
  ['Access resets at 17:30.', 'UTC', '2026-11-21T17:30:00.000Z'],
  ['try again in 2h 10m', undefined, '2026-11-21T12:10:00.000Z'],
  ['try again in 2 hours and 10 minutes', undefined, '2026-11-21T12:10:00.000Z'],
  ['in 45 minutes', undefined, '2026-11-21T10:45:00.000Z'],
  ['retry after 30s', undefined, '2026-11-21T10:00:30.000Z'],
  ['Please retry in 23.5s', undefined, '2026-11-21T10:00:23.500Z'],
  ['Retry-After: 120', undefined, '2026-11-21T10:02:00.000Z'],
  ['try again in 4 days 3 hours 5 minutes', undefined, '2026-11-25T13:05:00.000Z'],
  ['Claude AI usage limit reached|1763740800', undefined, '2025-11-21T16:00:00.000Z'],
  ['reset 1763740800000', undefined, '2025-11-21T16:00:00.000Z'],
  ['resets at 2026-11-21T18:30:00Z', undefined, '2026-11-21T18:30:00.000Z'],
  ['resets at 2026-11-21T18:30:00+02:00', undefined, '2026-11-21T16:30:00.000Z'],
  ['resets at 2026-11-21 18:30', 'Europe/Berlin', '2026-11-21T17:30:00.000Z'],
  ['resets Nov 22 at 5am', 'UTC', '2026-11-22T05:00:00.000Z'],
  ['resets Nov 22 at 5am (Europe/Berlin)', 'UTC', '2026-11-22T04:00:00.000Z'],
  ['try again at Dec 3rd, 2026 8:23 PM', 'UTC', '2026-12-03T20:23:00.000Z'],
  ['resets Jan 2 at 5am', 'UTC', '2027-01-02T05:00:00.000Z'], // month/day in the past: next year
  ['resets Nov 21', 'UTC', '2026-11-21T00:00:00.000Z'],
  ['resets 3pm (Mars/Olympus)', 'UTC', '2026-11-21T15:00:00.000Z'], // unknown zone: the default one
  ['resets 13pm', 'UTC', null],
  ['5-hour limit reached', 'UTC', null],
  ['rate limited', 'UTC', null],
  ['port 1234567890123456', 'UTC', null],
  // issue 9, class 3: tmux's own line is no reset; relative forms and zone abbreviations are.
  ['Pane is dead (status 1, Mon Nov 30 13:58:27 2026)', 'UTC', null],
  ['Pane is dead (signal 9, Sat Nov 21 11:00:00 2026)', 'UTC', null],
  ['Retrying in 28s (2:28pm)', 'UTC', '2026-11-21T10:00:28.000Z'],
  ['retry after 37s', undefined, '2026-11-21T10:00:37.000Z'],
  ['try again in 2 hours', undefined, '2026-11-21T12:00:00.000Z'],
  ['Please retry after 2733 seconds', undefined, '2026-11-21T10:45:33.000Z'],
  ['Access resets at 3:10 PM PST', 'Europe/Berlin', '2026-11-21T23:10:00.000Z'],
  ['Access resets at 3:10 PM EDT', 'UTC', '2026-11-21T19:10:00.000Z'],
];

for (const [text, timeZone, expected] of table) {
  test(`resetAt ${JSON.stringify(text)} ${timeZone ?? ''}`, () => {
    assert.equal(parseResetAt(text, { now, timeZone }), expected);
  });
}

test('DST: a wall time after the spring change uses the new offset', () => {
  const before = new Date('2026-03-28T12:00:00Z'); // Berlin switches to CEST on 2026-03-29
  assert.equal(
    parseResetAt('resets Mar 29 at 5am', { now: before, timeZone: 'Europe/Berlin' }),
    '2026-03-29T03:00:00.000Z',
  );
});
