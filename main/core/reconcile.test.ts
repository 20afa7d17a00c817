import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkcellState, WorkcellStatus } from '../common/workcell.js';
import { deriveState, signalOfShellCode } from './reconcile.js';
import type { PaneInfo } from './tmux.js';
import { testStatus } from './testing/status.js';

const now = new Date('2026-11-21T10:00:00Z');
const status = (state: WorkcellState): WorkcellStatus => testStatus({ state });
const pane = (dead: boolean, deadStatus: number | null = null): PaneInfo => ({
  session: 'w',
  pid: 1,
  dead,
  deadStatus,
  deadSignal: null,
  activity: 0,
  width: 80,
  height: 24,
  currentCommand: 'sh',
  title: '',
});
const exit = (exitCode: number) => ({ exitCode, endedAt: '2026-11-21T09:59:00Z', source: 'wrapper' });
const killed = { at: '2026-11-21T09:58:00Z', by: 'user' };

// [what, status.state, exit record, killed record, pane, expected state, expected exit code, evidence source]
const cases: [
  string,
  WorkcellState,
  number | null,
  boolean,
  PaneInfo | null,
  WorkcellState,
  number | null,
  string | null,
][] = [
  ['live pane, nothing ended', 'running', null, false, pane(false), 'running', null, null],
  ['a detected live state is kept', 'waiting', null, false, pane(false), 'waiting', null, null],
  ['exit 0 is done', 'running', 0, false, pane(true, 0), 'done', 0, 'exit'],
  ['exit 3 is failed', 'waiting', 3, false, pane(true, 3), 'failed', 3, 'exit'],
  ['the exit record outranks a gone session', 'running', 0, false, null, 'done', 0, 'exit'],
  ['a kill outranks the exit code', 'running', 143, true, pane(true, 143), 'killed', 143, 'user'],
  ['wrapper died: tmux status is the record', 'running', null, false, pane(true, 2), 'failed', 2, 'tmux'],
  [
    'dead, no record, no tmux status: failed, code unknown',
    'running',
    null,
    false,
    pane(true, null),
    'failed',
    null,
    'tmux',
  ],
  ['gone without a record: vanished', 'running', null, false, null, 'vanished', null, 'tmux'],
  ['an ended state is final', 'done', null, false, null, 'done', null, null],
  ['a vanished one whose exit appears later is done', 'vanished', 0, false, null, 'done', 0, 'exit'],
];

// [what, status.state, exit record, pane, live pids, expected state, evidence source]
const orphanCases: [
  string,
  WorkcellState,
  number | null,
  PaneInfo | null,
  number[],
  WorkcellState,
  string | null,
][] = [
  ['session gone, processes live: orphaned', 'running', null, null, [41, 42], 'orphaned', 'process'],
  [
    'a persisted vanished one with live processes is orphaned',
    'vanished',
    null,
    null,
    [41],
    'orphaned',
    'process',
  ],
  [
    'pane dead (wrapper killed), agent lives: orphaned',
    'running',
    null,
    pane(true, 137),
    [42],
    'orphaned',
    'process',
  ],
  ['an orphan whose processes are gone is vanished', 'orphaned', null, null, [], 'vanished', 'tmux'],
  ['the exit record outranks live leftovers', 'running', 0, null, [42], 'done', 'exit'],
  ['a live pane is running whatever the scan says', 'running', null, pane(false), [42], 'running', null],
  ['an orphan whose pane is back is running', 'orphaned', null, pane(false), [], 'running', 'tmux'],
];

for (const [what, state, code, p, live, expState, source] of orphanCases) {
  test(what, () => {
    const d = deriveState(status(state), code === null ? null : exit(code), null, p, now, live);
    assert.equal(d.state, expState);
    assert.equal(d.evidence?.source ?? null, source);
    assert.equal(d.changed, d.state !== state);
    if (expState === 'orphaned') {
      assert.equal(d.endedAt, null);
      for (const pid of live) assert.match(d.evidence!.detail, new RegExp(`\\b${pid}\\b`));
    }
  });
}

test('an orphan stays orphaned (unchanged) and names the pids that run now', () => {
  const was = testStatus({
    state: 'orphaned',
    evidence: { source: 'process', detail: 'pid 41', at: '2026-11-21T09:00:00Z' },
  });
  const d = deriveState(was, null, null, null, now, [43]);
  assert.deepEqual([d.state, d.changed, d.evidence?.at], ['orphaned', false, '2026-11-21T09:00:00Z']);
  assert.match(d.evidence!.detail, /pid 43\b/);
});

test('a kill outranks live processes (kill reaps them)', () => {
  assert.equal(deriveState(status('orphaned'), null, killed, null, now, [41]).state, 'killed');
});

for (const [what, state, code, isKilled, p, expState, expCode, source] of cases) {
  test(what, () => {
    const d = deriveState(status(state), code === null ? null : exit(code), isKilled ? killed : null, p, now);
    assert.equal(d.state, expState);
    assert.equal(d.exitCode, expCode);
    assert.equal(d.evidence?.source ?? null, source);
    assert.equal(d.changed, d.state !== state || (source !== null && state !== expState));
  });
}

test('shell codes above 128 name their signal', () => {
  assert.equal(signalOfShellCode(130), 'SIGINT');
  assert.equal(signalOfShellCode(137), 'SIGKILL');
  assert.equal(signalOfShellCode(1), null);
  assert.equal(signalOfShellCode(255), null);
});

test('a workcell still being launched (starting, no session yet) is not vanished; one stuck there is', () => {
  const starting = testStatus({ state: 'starting', startedAt: '2026-01-01T00:00:00.000Z' });
  assert.equal(
    deriveState(starting, null, null, null, new Date('2026-01-01T00:00:01.000Z')).state,
    'starting',
  );
  assert.equal(
    deriveState(starting, null, null, null, new Date('2026-01-01T00:01:00.000Z')).state,
    'vanished',
  );
});
