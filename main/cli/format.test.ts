// `ls` says how long a workcell has waited, sat idle or made no progress, from the persisted stateSince.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkcellSummary } from '../common/workcell.js';
import { stateLabel } from './format.js';

const NOW = Date.UTC(2030, 5, 1, 12, 0, 0);
const ago = (min: number) => new Date(NOW - min * 60_000).toISOString();
const w = (over: Partial<WorkcellSummary>): WorkcellSummary => ({
  name: 'w',
  state: 'running',
  agent: 'command',
  repo: '/r',
  pass: 1,
  startedAt: ago(120),
  endedAt: null,
  exitCode: null,
  signal: null,
  verify: { ran: false, exitCode: null, at: null },
  verified: null,
  runDir: '/tmp/w',
  lastLine: '',
  reason: null,
  resetAt: null,
  evidence: null,
  muted: false,
  pane: null,
  ...over,
});

test('stateLabel: the age of waiting/idle/stalled, none for running or an unknown start', () => {
  assert.equal(stateLabel(w({ state: 'waiting', stateSince: ago(12) }), NOW), 'waiting 12m');
  assert.equal(stateLabel(w({ state: 'idle', stateSince: ago(90) }), NOW), 'idle 1h30m');
  assert.equal(stateLabel(w({ state: 'stalled', stateSince: ago(0.5) }), NOW), 'stalled 30s');
  assert.equal(stateLabel(w({ state: 'running', stateSince: ago(12) }), NOW), 'running');
  assert.equal(stateLabel(w({ state: 'waiting' }), NOW), 'waiting');
  assert.equal(stateLabel(w({ state: 'failed', exitCode: 2 }), NOW), 'failed (2)');
});

test('stateLabel (status, explain): a scheduled resume is said after the state, in the given zone', () => {
  const recovery = {
    state: 'scheduled' as const,
    resumeAt: new Date(NOW + 110 * 60_000).toISOString(),
    attempt: 1,
    how: 'relaunch' as const,
    resetSource: 'structured' as const,
  };
  assert.equal(
    stateLabel(w({ state: 'rate_limited', resetAt: null, recovery }), NOW, 'Asia/Tokyo'),
    'rate_limited, paused until 10:50 pm (in 1 h 50 m)',
  );
  assert.equal(
    stateLabel(
      w({ state: 'rate_limited', resetAt: null, recovery: { ...recovery, resetSource: 'estimated' } }),
      NOW,
      'UTC',
    ),
    'rate_limited, paused until 1:50 pm (in 1 h 50 m; reset time unknown, looking again then)',
  );
  assert.equal(
    stateLabel(w({ state: 'failed', exitCode: 1, recovery }), NOW + 111 * 60_000, 'UTC'),
    'failed (1), resuming now (due 1:50 pm, attempt 1 of 2)',
  );
});
