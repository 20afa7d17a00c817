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

test('structured sources ride along and agree with the truth where the CLI gives them', () => {
  for (const c of captures) {
    for (const h of c.hooks ?? []) assert.ok(h.event && h.at, `${c.id}: a hook event without name or time`);
    for (const l of c.stream ?? []) assert.doesNotThrow(() => JSON.parse(l), `${c.id}: a torn stream line`);
    if (c.transcript)
      assert.ok(!c.transcript.file.startsWith('/'), `${c.id}: transcript path not HOME-relative`);
  }
  // Claude's stream says when a subscription's limit resets: the same minute the mock set.
  const limits = captures.filter((c) => c.mode === 'stream_json' && c.truth.label === 'usage_limit');
  for (const c of limits) {
    const ev = (c.stream ?? [])
      .map((l) => JSON.parse(l) as { type?: string; rate_limit_info?: { resetsAt?: number } })
      .find((e) => e.type === 'rate_limit_event');
    assert.equal(
      new Date((ev?.rate_limit_info?.resetsAt ?? 0) * 1000).toISOString(),
      c.truth.resetAt,
      `${c.id}: rate_limit_event.resetsAt`,
    );
  }
  // Once claude gave up on a refused login, its StopFailure hook says so (earlier it may be retrying).
  const failures = captures.filter(
    (c) => c.vendor === 'claude' && c.hooks && c.dead && c.truth.label === 'auth',
  );
  for (const c of failures)
    assert.ok(
      c.hooks!.some((h) => h.event === 'StopFailure' && h.error === 'authentication_failed'),
      `${c.id}: no StopFailure authentication_failed hook`,
    );
});

// A --headless claude workcell launches `claude -p --output-format stream-json --verbose` (adapters.ts),
// as the harness's headless mode does: while claude retries a refused, throttled or failing request,
// the pane's api_retry events name the error. Plain `-p` printed nothing then (shown as working).
test('headless claude: every retried error is named from the stream-json on the pane', () => {
  const retried = captures.filter(
    (c) => c.vendor === 'claude' && c.mode === 'headless' && !c.dead && c.truth.label !== 'working',
  );
  assert.ok(retried.length >= 8, `only ${retried.length} live headless claude error captures`);
  for (const c of retried) {
    const s = score(c);
    assert.equal(s.seen, c.truth.label, `${c.id}: ${s.detail}`);
    assert.match(s.detail, /\[stream-json\]$/, `${c.id}: decided by ${s.detail}`);
  }
});
