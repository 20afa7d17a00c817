// An error printed below a "Retrying..." line is what the retry ended on, and stays the current
// blocker while the busy line below it winds down (copilot 1.0.102 keeps "Working" under
// "Authentication failed ... (HTTP 401)" for a moment; conformance copilot/interactive-auth_401-*).
// Screens are shaped like the vendors' but hand-made; the clock and zone are injected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinPatterns } from '../agents/patterns.js';
import { detect } from './detect.js';

const NOW = new Date('2026-11-30T14:20:00Z');
const run = (agent: string, lines: string[]) =>
  detect({ agent, screen: lines.join('\n'), now: NOW, timeZone: 'UTC', patterns: builtinPatterns(agent) });

const RETRY = ' ● Request failed due to a transient API error. Retrying...';
const AUTH = ' ✗ Authentication failed with provider at http://127.0.0.1:9/v1 (HTTP 401).';
const FOOT = ['────', '❯', '────', ' ◎ Working esc esc interrupt        gpt-4.1'];

test('an error below the retry line, busy line still below: the error is current', () => {
  const d = run('copilot', [
    ' ❯ Say hello.',
    RETRY,
    RETRY,
    AUTH,
    '     Check your COPILOT_PROVIDER_API_KEY.',
    ...FOOT,
  ]);
  assert.equal(d?.state, 'auth_failed');
  assert.equal(d?.evidence.detail, AUTH.trim());
});

test('the retry line alone under a busy line: stalled on the API error (unchanged)', () => {
  const d = run('copilot', [' ❯ Say hello.', RETRY, ...FOOT]);
  assert.equal(d?.state, 'stalled');
  assert.equal(d?.reason, 'api_error');
});

test('an error above the retry line is still history: the retry is newer', () => {
  const d = run('copilot', [' ❯ Say hello.', AUTH, RETRY, ...FOOT]);
  assert.equal(d?.state, 'stalled');
  assert.equal(d?.reason, 'api_error');
});

test('the same error followed by a newer prompt is history', () => {
  const d = run('copilot', [' ❯ Say hello.', RETRY, AUTH, ' ❯ Try again please.', ...FOOT]);
  assert.equal(d?.state, 'running');
});
