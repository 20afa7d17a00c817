// Claude's StopFailure hook says `rate_limit` for the account's quota and for a plain 429 alike; the
// sink keeps the message the user saw (last_assistant_message), and that message tells the two apart
// and says when a quota lifts. Payload shape from the claude 2.1.197 binary
// ({hook_event_name:"StopFailure", error, error_details, last_assistant_message}).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinPatterns } from '../agents/patterns.js';
import { toHookEvent } from '../agents/hookSink.js';
import { detect } from './detect.js';

const NOW = new Date('2026-11-30T16:21:00Z');
const stop = (last: string) =>
  toHookEvent(
    'claude',
    JSON.stringify({
      hook_event_name: 'StopFailure',
      session_id: 's1',
      error: 'rate_limit',
      error_details: '429',
      last_assistant_message: last,
    }),
    NOW,
  );
const look = (last: string) =>
  detect({
    agent: 'claude',
    screen: '',
    title: 'vm',
    now: NOW,
    timeZone: 'UTC',
    patterns: builtinPatterns('claude'),
    hookEvents: [stop(last)],
  });

test('the sink keeps a StopFailure message: last_assistant_message', () => {
  const ev = stop("You've hit your session limit · resets 6:37pm (UTC)");
  assert.equal(ev.error, 'rate_limit');
  assert.equal(ev.message, "You've hit your session limit · resets 6:37pm (UTC)");
});

test('StopFailure rate_limit on a quota: rate_limited, the reset read from its message', () => {
  const d = look("You've hit your session limit · resets 6:37pm (UTC)");
  assert.equal(d?.state, 'rate_limited');
  assert.equal(d?.reason, undefined);
  assert.equal(d?.resetAt, '2026-11-30T18:37:00.000Z');
  assert.equal(d?.evidence.source, 'hook');
});

test('StopFailure rate_limit on a 429: a throttle, not the usage limit', () => {
  const d = look('API Error: Request rejected (429) · Rate limited. Please try again later.');
  assert.equal(d?.state, 'rate_limited');
  assert.equal(d?.reason, 'throttled');
});

test('StopFailure rate_limit without a message stays the usage limit (what claude meant by it)', () => {
  const d = detect({
    agent: 'claude',
    screen: '',
    now: NOW,
    patterns: builtinPatterns('claude'),
    hookEvents: [toHookEvent('claude', '{"hook_event_name":"StopFailure","error":"rate_limit"}', NOW)],
  });
  assert.equal(d?.state, 'rate_limited');
  assert.equal(d?.reason, undefined);
});
