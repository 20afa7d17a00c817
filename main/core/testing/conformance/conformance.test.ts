// The detector over every recorded conformance capture (fixtures/conformance/<vendor>/*.json), without
// the CLIs. The detector is not yet right on all of them (issue 9): what it gets right must stay
// right, and what it gets wrong is listed in known-misses.json, a list that may only shrink. A fixed
// miss fails this test too, so the list is kept exact: remove the entry it names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_DIR, readCaptures, TRUTH_LABELS } from './capture.js';
import { formatReport, report, score } from './score.js';

const captures = readCaptures();
const known = JSON.parse(readFileSync(join(FIXTURE_DIR, 'known-misses.json'), 'utf8')) as {
  misses: Record<string, string>;
};

test('the recorded captures are labelled and well formed', () => {
  assert.ok(captures.length > 0, 'no conformance captures recorded: run `npm run conformance`');
  const ids = new Set<string>();
  for (const c of captures) {
    assert.ok(!ids.has(c.id), `duplicate capture ${c.id}`);
    ids.add(c.id);
    assert.ok(TRUTH_LABELS.includes(c.truth.label), `${c.id}: unknown label ${c.truth.label}`);
    assert.ok(c.truth.why.length > 0 && c.cliVersion && c.capturedAt, `${c.id}: label without evidence`);
    assert.ok(
      c.dead || (c.exitStatus === null && !c.exitSignal),
      `${c.id}: exit status only for a dead pane`,
    );
    if (c.truth.label === 'usage_limit')
      assert.ok(c.truth.resetAt, `${c.id}: usage limit without its reset time`);
  }
});

test('the detector keeps every capture it gets right; its misses are exactly known-misses.json', (t) => {
  const r = report(captures);
  t.diagnostic(formatReport(r));
  const missed = new Map(r.misses.map((s) => [s.capture.id, `${s.capture.truth.label} -> ${s.seen}`]));
  const newMisses = [...missed]
    .filter(([id]) => !(id in known.misses))
    .map(([id, m]) => `${id}: ${m} (${score(r.misses.find((s) => s.capture.id === id)!.capture).detail})`);
  const fixed = Object.keys(known.misses).filter(
    (id) => !missed.has(id) && captures.some((c) => c.id === id),
  );
  const gone = Object.keys(known.misses).filter((id) => !captures.some((c) => c.id === id));
  assert.deepEqual(newMisses, [], 'the detector now gets these captures wrong');
  assert.deepEqual(fixed, [], 'fixed: remove these from known-misses.json');
  assert.deepEqual(gone, [], 'known-misses.json names captures that no longer exist');
});
