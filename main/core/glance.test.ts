// main/common/glance.ts (tested here: main/common may not import node:test). The glance rules every view shares: urgency order, the verify-failed state, "for 12m", what counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkcellSummary } from '../common/workcell.js';
import {
  forText,
  glanceStateOf,
  groupByRepo,
  headerCountsText,
  matchesStateFilter,
  needsYouCount,
  sortByUrgency,
  verifyWord,
} from '../common/glance.js';

const NOW = Date.UTC(2030, 5, 1, 12, 0, 0);
const ago = (min: number) => new Date(NOW - min * 60_000).toISOString();
const w = (name: string, over: Partial<WorkcellSummary> = {}): WorkcellSummary => ({
  name,
  state: 'running',
  agent: 'command',
  repo: '/src/app',
  pass: 1,
  startedAt: ago(120),
  endedAt: null,
  exitCode: null,
  signal: null,
  verify: { ran: false, exitCode: null, at: null },
  verified: null,
  runDir: `/tmp/${name}`,
  lastLine: '',
  reason: null,
  resetAt: null,
  evidence: null,
  muted: false,
  pane: null,
  ...over,
});
const failedVerify = { ran: true, exitCode: 1, at: ago(1) };

test('urgency order: waiting, failed / verify failed, auth, rate-limited, stalled, working, ended', () => {
  const list = [
    w('done-ok', { state: 'done', verified: true, endedAt: ago(5) }),
    w('run-old', { state: 'running', startedAt: ago(50) }),
    w('stall', { state: 'stalled', stateSince: ago(3) }),
    w('limit', { state: 'rate_limited', stateSince: ago(3) }),
    w('auth', { state: 'auth_failed', stateSince: ago(3) }),
    w('vfail', { state: 'done', verified: false, verify: failedVerify, endedAt: ago(2) }),
    w('fail', { state: 'failed', exitCode: 2, endedAt: ago(9) }),
    w('wait-new', { state: 'waiting', stateSince: ago(1) }),
    w('wait-old', { state: 'waiting', stateSince: ago(40) }),
    w('run-new', { state: 'running', startedAt: ago(5) }),
    w('killed', { state: 'killed', endedAt: ago(1) }),
    w('idle', { state: 'idle', startedAt: ago(30) }),
  ];
  assert.deepEqual(
    sortByUrgency(list).map((x) => x.name),
    // waiting longest first; failed: longest in state first; working newest start first; ended newest end first
    [
      'wait-old',
      'wait-new',
      'fail',
      'vfail',
      'auth',
      'limit',
      'stall',
      'run-new',
      'idle',
      'run-old',
      'killed',
      'done-ok',
    ],
  );
});

test('done with a failed verify is its own state, in filters too', () => {
  const v = w('v', { state: 'done', verified: false, verify: failedVerify });
  const d = w('d', { state: 'done', verified: true });
  assert.equal(glanceStateOf(v), 'verify_failed');
  assert.equal(glanceStateOf(d), 'done');
  assert.equal(matchesStateFilter(v, 'verify_failed'), true);
  assert.equal(matchesStateFilter(v, 'done'), false);
  assert.equal(matchesStateFilter(v, 'attention'), true);
  assert.equal(matchesStateFilter(d, 'attention'), false);
  assert.equal(matchesStateFilter(v, 'ended'), true);
});

test('verify words agree for every view: done without verify is "unverified", never "–"', () => {
  assert.equal(verifyWord(w('a', { state: 'done' })).text, 'unverified');
  assert.equal(verifyWord(w('a', { state: 'running' })).text, '–');
  assert.equal(
    verifyWord(w('a', { state: 'done', verified: false, verify: failedVerify })).text,
    'verify failed',
  );
  assert.equal(verifyWord(w('a', { state: 'failed', verify: failedVerify })).text, 'exit 1');
});

test('for 12m: from stateSince, else the end, else the start', () => {
  assert.equal(forText(w('a', { state: 'waiting', stateSince: ago(12) }), NOW), 'for 12m');
  assert.equal(forText(w('a', { state: 'done', endedAt: ago(90) }), NOW), 'for 1h 30m');
  assert.equal(forText(w('a', { startedAt: ago(0.5) }), NOW), 'for 30s');
});

test('needs you: waiting, failed, verify failed, auth, stalled; not rate-limited, working, done or muted', () => {
  const list = [
    w('1', { state: 'waiting' }),
    w('2', { state: 'failed' }),
    w('3', { state: 'done', verified: false, verify: failedVerify }),
    w('4', { state: 'auth_failed' }),
    w('5', { state: 'stalled' }),
    w('6', { state: 'rate_limited' }),
    w('7', { state: 'running' }),
    w('8', { state: 'done', verified: true }),
    w('9', { state: 'waiting', muted: true }),
  ];
  assert.equal(needsYouCount(list), 5);
});

test('header counts: paused (rate-limited) counted on their own, never as trouble or working', () => {
  const limited = [w('a', { state: 'rate_limited' }), w('b', { state: 'rate_limited' })];
  assert.equal(headerCountsText(limited), '2 workcells · 0 waiting · 0 in trouble · 2 paused · 0 working');
  const mixed = [
    ...limited,
    w('c', { state: 'waiting' }),
    w('d', { state: 'done', verified: false, verify: failedVerify }),
    w('e', { state: 'stalled' }),
    w('f', { state: 'idle' }),
    w('g', { state: 'done', verified: true }),
  ];
  assert.equal(headerCountsText(mixed), '7 workcells · 1 waiting · 2 in trouble · 2 paused · 1 working');
  assert.equal(headerCountsText([]), '0 workcells · 0 waiting · 0 in trouble · 0 paused · 0 working');
});

test('group by repo: groups ordered by their most urgent member, urgency inside', () => {
  const g = groupByRepo([
    w('a', { repo: '/r/one', state: 'running' }),
    w('b', { repo: '/r/two', state: 'waiting' }),
    w('c', { repo: '/r/one', state: 'failed' }),
  ]);
  assert.deepEqual(
    g.map((x) => [x.repo, x.items.map((i) => i.name)]),
    [
      ['/r/two', ['b']],
      ['/r/one', ['c', 'a']],
    ],
  );
});
