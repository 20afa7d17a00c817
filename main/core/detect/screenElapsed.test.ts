// Gemini keeps "Thinking... (esc to cancel, Ns)" on screen while it retries a failing request in
// silence. Its own counter is a clock the screen carries: past the stall threshold with no answer in
// the turn, that is no progress (`stalled`), even when the supervisor has not watched that long. Screens
// are the real gemini-cli 0.61 conformance captures (server_500 settled, slow_stream mid-stream), with
// the counter set below or past the threshold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { builtinPatterns } from '../agents/patterns.js';
import { detect } from './detect.js';

const dir = fileURLToPath(
  new URL('../../../../main/core/detect/fixtures/conformance/gemini/', import.meta.url),
);
const screenOf = (id: string) =>
  (JSON.parse(readFileSync(`${dir}${id}.json`, 'utf8')) as { screen: string }).screen;
const SILENT = screenOf('interactive-server_500-80x24-settled');
const STREAMING = screenOf('interactive-slow_stream-80x24-mid_stream');
const STALL_MS = 5 * 60_000;
const look = (screen: string) =>
  detect({
    agent: 'gemini',
    screen,
    title: '✦  Working… (work)',
    now: new Date('2026-11-30T16:00:00Z'),
    patterns: builtinPatterns('gemini'),
    stallAfterMs: STALL_MS,
  });

test('the real screens carry the counter this rule reads', () => {
  assert.match(SILENT, /esc to cancel, \d+s\)/);
  assert.match(STREAMING, /esc to cancel, \d+s\)/);
});

// The capture's own counter (29 s, 34 s: whatever the re-recording caught), set by the tests below.
const silentFor = (counter: string) => SILENT.replace(/esc to cancel, \d+s\)/, `esc to cancel, ${counter})`);

test('Thinking for 29s with no answer: still running (under the threshold, a model may think that long)', () => {
  assert.equal(look(silentFor('29s'))?.state, 'running');
});

test('Thinking for 6m 2s with no answer in the turn: stalled, no progress, the line quoted', () => {
  const d = look(silentFor('6m 2s'));
  assert.equal(d?.state, 'stalled');
  assert.equal(d?.reason, 'no_progress');
  assert.match(d!.evidence.detail, /Thinking\.\.\. \(esc to cancel, 6m 2s\).*no output for 6m/);
});

test('the same counter over a streaming answer is work: running', () => {
  assert.equal(look(STREAMING.replace(/esc to cancel, \d+s\)/, 'esc to cancel, 6m 2s)'))?.state, 'running');
});

test('hours count too: 1h 0m 1s', () => {
  assert.equal(look(silentFor('1h 0m 1s'))?.state, 'stalled');
});
