// The evidence rules (table) and the PRD checklist parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judge, type Judged } from './iteration.js';
import { parsePrd, setBox } from './prd.js';

const base: Judged = {
  state: 'done',
  exitCode: 0,
  signal: null,
  timedOut: false,
  cancelled: false,
  ticked: true,
  marker: false,
  change: { files: ['a.ts'], commits: 1 },
  verify: 'passed',
  verifyWhy: null,
};

test('judge: an item is done only with a signal, a change and verify', () => {
  const rows: [Partial<Judged>, string, boolean][] = [
    [{}, 'succeeded', false],
    [{ ticked: false, marker: true }, 'succeeded', false],
    [{ verify: 'none' }, 'succeeded_unverified', false],
    [{ verify: 'failed', verifyWhy: 'nope' }, 'failed', true],
    [{ change: { files: [], commits: 0 } }, 'no_output', true],
    [{ change: { files: [], commits: 1 } }, 'no_output', true], // a commit touching only the PRD
    [{ ticked: false, change: { files: [], commits: 0 } }, 'no_output', false],
    [{ ticked: false }, 'no_signal', false],
    [{ state: 'failed', exitCode: 2 }, 'failed', true],
    [{ state: 'vanished' }, 'failed', true],
    [{ state: 'killed' }, 'cancelled', true],
    [{ timedOut: true, state: 'killed' }, 'timed_out', true],
  ];
  for (const [patch, outcome, untick] of rows) {
    const v = judge({ ...base, ...patch });
    assert.equal(v.outcome, outcome, JSON.stringify(patch));
    assert.equal(v.untick, untick, `untick for ${JSON.stringify(patch)}`);
  }
});

test('parsePrd: only items under a Tasks heading, until the next heading of its level', () => {
  const text =
    '# P\n- [ ] before\n## Tasks\n- [ ] one\n  * [x] two\n### detail\n- [ ] three\n## Notes\n- [ ] after\n';
  assert.deepEqual(
    parsePrd(text).map((i) => [i.text, i.done]),
    [
      ['one', false],
      ['two', true],
      ['three', false],
    ],
  );
  const ticked = setBox(text, 'one', true)!;
  assert.match(ticked, /- \[x\] one/);
  assert.equal(setBox(ticked, 'one', false), text);
  assert.equal(setBox(text, 'missing', true), null);
});
