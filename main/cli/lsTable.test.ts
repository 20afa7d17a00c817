// `workcell ls`: colour only on a terminal, plain when piped or NO_COLOR, widths that fit, urgency order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkcellSummary } from '../common/workcell.js';
import { renderLs, wantsColor } from './lsTable.js';

const NOW = Date.UTC(2030, 5, 1, 12, 0, 0);
const ago = (min: number) => new Date(NOW - min * 60_000).toISOString();
const w = (name: string, over: Partial<WorkcellSummary> = {}): WorkcellSummary => ({
  name,
  state: 'running',
  agent: 'claude',
  repo: '/home/me/src/some-long-project-name',
  pass: 1,
  startedAt: ago(120),
  endedAt: null,
  exitCode: null,
  signal: null,
  verify: { ran: false, exitCode: null, at: null },
  verified: null,
  runDir: `/tmp/${name}`,
  lastLine: 'the agent is printing a rather long line about what it is doing right now in the repo',
  reason: null,
  resetAt: null,
  evidence: null,
  muted: false,
  pane: null,
  ...over,
});
const FLEET = [
  w('builder', { state: 'running' }),
  w('fix-login', { state: 'waiting', stateSince: ago(12), lastLine: 'Proceed? (y/n)' }),
  w('claims', {
    state: 'done',
    verified: false,
    verify: { ran: true, exitCode: 1, at: ago(1) },
    endedAt: ago(3),
  }),
  w('limited', { state: 'rate_limited', resetAt: new Date(NOW + 110 * 60_000).toISOString() }),
];
// eslint-disable-next-line no-control-regex -- SGR sequences
const SGR = /\x1b\[[0-9;]*m/;

test('plain when asked: no escape sequence at all', () => {
  const out = renderLs(FLEET, [], { now: NOW, width: 120, color: false });
  assert.doesNotMatch(out, SGR);
});

test('colour on a terminal: the state cell is painted, columns still line up', () => {
  /* eslint-disable no-control-regex -- SGR sequences */
  const out = renderLs(FLEET, [], { now: NOW, width: 160, color: true });
  assert.match(out, /\x1b\[1;35m\? waiting for you for 12m\x1b\[0m/);
  assert.match(out, /\x1b\[1;31m! done · verify failed for 3m\x1b\[0m/);
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  assert.equal(plain, renderLs(FLEET, [], { now: NOW, width: 160, color: false }));
  /* eslint-enable no-control-regex */
  const [header, ...rows] = plain.split('\n');
  const col = header!.indexOf('NAME');
  for (const [i, name] of ['fix-login', 'claims', 'limited', 'builder'].entries())
    assert.ok(rows[i]!.slice(col).startsWith(`${name} `), `NAME column aligned: ${rows[i]}`);
});

test('wantsColor: TTY only, and NO_COLOR wins', () => {
  assert.equal(wantsColor(true, {}), true);
  assert.equal(wantsColor(false, {}), false);
  assert.equal(wantsColor(undefined, {}), false);
  assert.equal(wantsColor(true, { NO_COLOR: '1' }), false);
});

test('urgency order and the verify-failed state', () => {
  const lines = renderLs(FLEET, [], { now: NOW, width: null, color: false }).split('\n');
  assert.deepEqual(
    lines.slice(1).map((l) => l.split(/\s{2,}/)[1]),
    ['fix-login', 'claims', 'limited', 'builder'],
  );
  assert.match(lines[2]!, /done · verify failed/);
  assert.match(lines[2]!, /verify failed\s/);
  assert.match(lines[3]!, /resets in 1h 50m/);
});

test('widths fit the terminal: no line longer than it, the last line keeps at least 30 characters', () => {
  for (const width of [60, 80, 100, 140]) {
    const lines = renderLs(FLEET, [], { now: NOW, width, color: false }).split('\n');
    for (const l of lines.slice(1)) {
      // Narrower than the state and name columns plus 30: the line wraps rather than say nothing.
      if (width >= 80) assert.ok(l.length <= width, `${width}: ${l.length} ${l}`);
      const last = l.split(/\s{2,}/).at(-1)!;
      assert.ok(last.length >= Math.min(30, 'Proceed? (y/n)'.length), `${width}: last cell "${last}"`);
    }
    const header = lines[0]!;
    if (width <= 80) assert.doesNotMatch(header, /REPO/, 'REPO dropped first on a narrow terminal');
    if (width >= 140) assert.match(header, /REPO/);
  }
  // Piped: nothing cut.
  const piped = renderLs(FLEET, [], { now: NOW, width: null, color: false });
  assert.match(piped, /what it is doing right now in the repo/);
});

test('--group repo: a heading per repo, groups by their most urgent member', () => {
  const out = renderLs(
    [w('a', { repo: '/r/one' }), w('b', { repo: '/r/two', state: 'waiting', stateSince: ago(1) })],
    [],
    { now: NOW, width: null, color: false, group: 'repo' },
  );
  const lines = out.split('\n');
  assert.deepEqual(
    lines.filter((l) => l.startsWith('/r/')),
    ['/r/two (1)', '/r/one (1)'],
  );
  assert.doesNotMatch(lines[0]!, /REPO/);
});

test('a scheduled resume: "paused until" in the reader\'s zone, relative to now; suggest and confirming say so', () => {
  const rec = (over: Partial<NonNullable<WorkcellSummary['recovery']>> = {}) =>
    w('parked', {
      state: 'rate_limited',
      resetAt: new Date(NOW + 110 * 60_000).toISOString(),
      recovery: {
        state: 'scheduled',
        resumeAt: new Date(NOW + 110 * 60_000).toISOString(),
        attempt: 1,
        how: 'continue',
        resetSource: 'parsed',
        ...over,
      },
    });
  const cell = (x: WorkcellSummary, timeZone: string) =>
    renderLs([x], [], { now: NOW, width: 200, color: false, timeZone }).split('\n')[1]!;
  // 13:50 UTC is 2:50 pm in London (BST) and 9:50 am in New York (EDT) on 1 June.
  assert.match(cell(rec(), 'Europe/London'), /paused until 2:50 pm \(in 1 h 50 m\)/);
  assert.match(cell(rec(), 'America/New_York'), /paused until 9:50 am \(in 1 h 50 m\)/);
  assert.match(cell(rec(), 'UTC'), /paused until 1:50 pm \(in 1 h 50 m\)/);
  // A longer note is cut in the table (status and explain print it whole).
  assert.match(
    cell(rec({ resetSource: 'estimated' }), 'UTC'),
    /paused until 1:50 pm \(in 1 h 50 m; [^ ]*… {2}parked/,
  );
  assert.match(cell(rec({ how: 'suggest' }), 'UTC'), /limit resets 1:50 pm \(in 1 h 50 m\): the…/);
  assert.match(
    cell(rec({ state: 'confirming', resumeAt: new Date(NOW - 60_000).toISOString() }), 'UTC'),
    /resumed at 11:59 am: confirming/,
  );
  // Without a schedule the state cell is what it was.
  assert.match(
    cell(w('plain', { state: 'rate_limited', resetAt: rec().resetAt }), 'UTC'),
    /resets in 1h 50m/,
  );
});
