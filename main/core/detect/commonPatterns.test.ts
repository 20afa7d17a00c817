// The shared patterns (every vendor, and the only ones for `command`): messages that mean a state, and
// ordinary prose that merely mentions one. Found with `workcell demo`, whose banner said "rate_limited".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPatterns } from '../agents/patterns.js';
import { detect } from './detect.js';

const patterns = loadPatterns('command').patterns;
const now = new Date('2026-11-21T10:00:00Z');
const cases: [string, string | null][] = [
  ["You've hit your usage limit · resets 2pm", 'rate_limited'],
  ['Error: rate limit exceeded, try again in 2h 10m', 'rate_limited'],
  ["You're being rate limited by the API", 'rate_limited'],
  ['demo agent (rate limited scenario): a simulated coding agent', null],
  ['Implementing the rate limited HTTP client', null],
  // Google's UNAUTHENTICATED wording (gemini with an expired OAuth token, conformance captures).
  ['Error: Request had invalid authentication credentials. Expected OAuth 2 access token', 'auth_failed'],
  ['Adding a rate_limited flag to the config', null],
];

for (const [line, expected] of cases) {
  test(`${JSON.stringify(line)} -> ${expected}`, () => {
    const d = detect({ agent: 'command', screen: `● Working\n${line}\n`, now, patterns, timeZone: 'UTC' });
    assert.equal(d?.state ?? null, expected);
  });
}

test('a usage limit with a wall-clock reset gets resetAt', () => {
  const d = detect({
    agent: 'command',
    screen: "You've hit your usage limit · resets 2pm\n",
    now,
    patterns,
    timeZone: 'UTC',
  });
  assert.equal(d?.resetAt, '2026-11-21T14:00:00.000Z');
});
