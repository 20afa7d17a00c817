// The drift check's comparison: a recorded capture against a fresh one of the same case. Noise that
// every re-run has (temp paths, timers, one spinner verb) is not drift; a changed label, exit, moment
// or message is, and the summary names the capture and what changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compare, formatDrift, recordedFor, screenWords, signature } from './drift.js';
import type { Capture } from './capture.js';

const base: Capture = {
  id: 'claude/headless-usage_limit-80x24-after_error',
  vendor: 'claude',
  cliVersion: '2.1.197',
  scenario: 'usage_limit',
  mode: 'headless',
  width: 80,
  height: 24,
  moment: 'after_error',
  capturedAt: '2026-01-01T00:00:00.000Z',
  screen:
    "You've hit your limit · resets 3pm (UTC)\n/tmp/wcc-AbC123/work\n✻ Pondering… (12s · esc to interrupt)",
  title: '',
  dead: true,
  exitStatus: 1,
  truth: { label: 'usage_limit', why: 'the mock said so', resetAt: '2026-01-01T15:00:00.000Z' },
  mock: [],
};
const fresh = (over: Partial<Capture>): Capture => ({ ...base, ...over });

test('re-run noise is not drift: temp paths, numbers, ids and one spinner verb', () => {
  const again = fresh({
    screen:
      "You've hit your limit · resets 4pm (UTC)\n/tmp/wcc-Zz9999/work\n✻ Cogitating… (31s · esc to interrupt)\nsession 0f3a9c12-77aa\nPane is dead (status 1, Mon Nov 30 16:00:46 2026)",
  });
  assert.deepEqual(compare([base], [again]), []);
  assert.equal(signature('resets 3pm at /tmp/wcc-x/y'), signature('resets 11pm at /tmp/wcc-q/z'));
  assert.ok(screenWords('Retrying in 28s').has('retrying'));
});

test('a changed message, label, exit or moment is drift, and says which capture and what', () => {
  const changed = fresh({
    screen:
      'API Error: Request rejected (429) · This request would exceed your rate limit. Please try again later.',
    exitStatus: 0,
    truth: { label: 'throttled', why: 'x' },
  });
  const d = compare([base], [changed]);
  assert.deepEqual(
    d.map((x) => x.what.split(':')[0]!.split(' ')[0]),
    ['label', 'exit', 'screen'],
    JSON.stringify(d),
  );
  assert.match(d[2]!.what, /lost \{you've hit resets.*\} gained \{api error request rejected/);
  const text = formatDrift(d, 1);
  assert.match(text, /^DRIFT: 1 captures differ/);
  assert.match(text, /claude\/headless-usage_limit-80x24-after_error: label usage_limit -> throttled/);

  const gone = compare([base], []);
  assert.deepEqual(gone, [{ id: base.id, what: 'no longer reached (was usage_limit)' }]);
  const other = fresh({ id: `${base.id.replace('after_error', 'settled')}`, moment: 'settled' });
  assert.match(compare([], [other])[0]!.what, /^newly reached/);
  assert.match(compare([base], [fresh({ cliVersion: '2.2.0' })])[0]!.what, /^version 2.1.197 -> 2.2.0/);
  assert.equal(formatDrift([], 3), 'no drift: 3 recorded captures match a fresh run');
});

test('only the cases a run ran are compared', () => {
  const ran = [{ vendor: 'claude', scenario: 'usage_limit', mode: 'headless', width: 80, height: 24 }];
  const wide = fresh({ id: base.id.replace('80x24', '200x50'), width: 200, height: 50 });
  assert.deepEqual(
    recordedFor([base, wide], ran).map((c) => c.id),
    [base.id],
  );
});
