// PaneWatch with a scripted tmux (the Executor seam): stall thresholds, and no false `stalled` after
// the machine slept (the clock jumped; thresholds restart at wake).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkcellSummary } from '../../common/workcell.js';
import { Tmux, type Executor } from '../tmux.js';
import { PaneWatch } from './paneWatch.js';

const STALL_MS = 10 * 60_000;
const T0 = Date.parse('2026-11-21T10:00:00Z');

function setup() {
  let captures = 0;
  const exec: Executor = async (_f, args) => {
    if (args.includes('capture-pane')) captures += 1;
    return { stdout: 'Building the project\n$ npm run build\n', stderr: '', code: 0 };
  };
  const watch = new PaneWatch(
    new Tmux('/nonexistent.sock', '/dev/null', exec),
    '/nonexistent-patterns',
    () => STALL_MS,
    () => {},
  );
  const w: WorkcellSummary = {
    name: 'w',
    state: 'running',
    agent: 'command',
    repo: '/r',
    pass: 1,
    startedAt: new Date(T0).toISOString(),
    endedAt: null,
    exitCode: null,
    signal: null,
    verify: { ran: false, exitCode: null, at: null },
    verified: null,
    runDir: '/nonexistent-run',
    lastLine: '',
    reason: null,
    resetAt: null,
    evidence: null,
    muted: false,
    pane: { pid: 1, dead: false, width: 80, height: 24, title: '', activity: T0 / 1000 },
  };
  return { watch, w, captures: () => captures };
}

test('no output and no progress past the threshold: stalled, with the age as evidence', async () => {
  const { watch, w } = setup();
  assert.equal((await watch.look(w, T0, false)).state, 'running');
  const later = await watch.look(w, T0 + STALL_MS + 60_000, false);
  assert.equal(later.state, 'stalled');
  assert.match(later.detection?.evidence.detail ?? '', /\d+m/);
});

test('after a sleep the threshold restarts at wake: no false stalled', async () => {
  const { watch, w } = setup();
  await watch.look(w, T0, false);
  // The laptop slept for an hour; the supervisor noticed the clock jump at wake.
  const wake = T0 + 60 * 60_000;
  watch.wokeAt = wake;
  assert.equal((await watch.look(w, wake + 1_000, false)).state, 'running');
  assert.equal((await watch.look(w, wake + STALL_MS + 1_000, false)).state, 'stalled');
});

test('an unchanged pane is looked at once more after its last second of output, then not again', async () => {
  const { watch, w, captures } = setup();
  await watch.look(w, T0, false);
  assert.equal(captures(), 1);
  // window_activity has 1 s resolution: one recheck once that second and the settle time passed.
  await watch.look(w, T0 + 5_000, false);
  assert.equal(captures(), 2);
  await watch.look(w, T0 + 6_000, false);
  await watch.look(w, T0 + 20_000, false);
  assert.equal(captures(), 2);
  await watch.look({ ...w, pane: { ...w.pane!, activity: T0 / 1000 + 30 } }, T0 + 30_000, false);
  assert.equal(captures(), 3);
});
