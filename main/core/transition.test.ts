// When a state began is part of the record (stateSince), written by the one state path from its clock
// seam: a restarted supervisor (a new Transitions) still says "waiting for 12m", and a change of
// fields only (a verify result, a reason) does not restart it.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { RunStore } from './runStore.js';
import { makeHome, type TestHome } from './testing/fixture.js';
import { testStatus } from './testing/status.js';
import { Transitions } from './transition.js';

let home: TestHome;
beforeEach(() => (home = makeHome()));
afterEach(() => home.cleanup());

const T0 = Date.UTC(2030, 0, 2, 3, 4, 5);
const at = (min: number) => new Date(T0 + min * 60_000);

test('stateSince: set at create and at each state change, kept by field changes and by a restart', async () => {
  const store = new RunStore(home.dir);
  mkdirSync(home.dir.runDir('w'), { recursive: true });
  let now = at(0);
  const t = new Transitions(store, () => now);
  await t.create(testStatus({ state: 'starting', startedAt: at(0).toISOString() }), { type: 'created' });
  assert.equal((await store.readStatus('w'))?.stateSince, at(0).toISOString());

  now = at(1);
  await t.transition('w', { to: 'running' });
  now = at(3);
  await t.transition('w', {
    to: 'waiting',
    evidence: { source: 'pane', detail: 'Proceed? (y/n)', at: at(3).toISOString() },
  });
  assert.equal((await store.readStatus('w'))?.stateSince, at(3).toISOString());

  // A field change and the same state again (a re-detection) keep when it began.
  now = at(9);
  await t.transition('w', { patch: { reason: 'question' } });
  await t.transition('w', { to: 'waiting' });
  // A restarted supervisor: a new Transitions on the same records.
  now = at(15);
  await new Transitions(store, () => now).transition('w', { to: 'waiting' });
  assert.equal((await store.readStatus('w'))?.stateSince, at(3).toISOString());

  now = at(16);
  await t.transition('w', { to: 'running' });
  assert.equal((await store.readStatus('w'))?.stateSince, at(16).toISOString());
});
