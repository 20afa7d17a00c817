// A usage-limit firing whose action fails midway (issue 11): the claim is taken (scheduled -> firing)
// before the relaunch, and nothing but a daemon restart moves a `firing` claim on. A relaunch that threw
// (a status lock still held after its wait, an fs error) or never answered left the schedule at `firing`
// for good: the workcell was never resumed and nothing said why. Now it moves to `confirming` (the check
// says what came of it, as after a daemon stopped mid-resume), the attempt counted, with an audit line.
// An engine whose resume throws or hangs stands in for the failure; the rest is real (files and locks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkcellStatus, WorkcellSummary } from '../../common/workcell.js';
import type { Engine } from '../engine.js';
import { RunStore } from '../runStore.js';
import type { Tmux } from '../tmux.js';
import { makeHome } from '../testing/fixture.js';
import { fireLimit, type ActDeps } from './act.js';
import { readRecovery, updateRecovery, type LimitSchedule } from './record.js';

const LIMIT: LimitSchedule = {
  kind: 'limit',
  state: 'scheduled',
  id: '1:0:2030-01-02T15:00:00.000Z',
  pass: 1,
  vendor: 'command',
  resetAt: '2030-01-02T15:00:00.000Z',
  resetSource: 'parsed',
  dueAt: '2030-01-02T15:00:00.000Z',
  attempts: 0,
  window: '2030-01-02T15:00:00.000Z',
};

/** A home with one run dir `name` whose recovery record holds `limit`, and a repo that is not a git
 * repo (no snapshot to take). */
async function limitHome(name: string, limit: LimitSchedule) {
  const home = makeHome('wcfs-');
  const repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  mkdirSync(home.dir.runDir(name), { recursive: true });
  assert.ok((await updateRecovery(home.dir, name, (r) => ({ ...r, limit }))).ok);
  return { home, repo, store: new RunStore(home.dir) };
}

async function fireWith(
  resume: () => Promise<never>,
  fireDeadlineMs?: number,
  o: { status?: boolean; limit?: LimitSchedule } = {},
) {
  const name = 'stuck';
  const { home, repo, store } = await limitHome(name, o.limit ?? LIMIT);
  try {
    if (o.status)
      await store.writeStatus({ name, state: 'failed', pass: 1, reason: 'rate_limited' } as WorkcellStatus);
    const d: ActDeps = {
      dir: home.dir,
      engine: { store, resume, status: async () => ({ ok: false }) } as unknown as Engine,
      tmux: {} as Tmux,
      now: () => Date.parse(LIMIT.dueAt),
      log: () => undefined,
      ...(fireDeadlineMs ? { fireDeadlineMs } : {}),
    };
    // Ended on its limit, pane closed: the relaunch path.
    const w = {
      name,
      repo,
      pass: 1,
      state: 'failed',
      reason: 'rate_limited',
      pane: null,
      agent: 'command',
      stateSince: '2026-01-01T00:00:00.000Z',
    } as unknown as WorkcellSummary;
    const out = await fireLimit(d, w, o.limit ?? LIMIT, 'auto');
    const limit = (await readRecovery(home.dir, name)).limit;
    const events = (await store.readEvents(name)).filter((e) => e.type === 'recovery');
    return { out, limit, events };
  } finally {
    home.cleanup();
  }
}

test('a relaunch that throws: the claim moves from firing to confirming, the attempt counted, audited', async () => {
  const { out, limit, events } = await fireWith(() =>
    Promise.reject(Object.assign(new Error('Lock file is already being held'), { code: 'ELOCKED' })),
  );
  assert.equal(limit?.state, 'confirming', 'never left at firing');
  assert.equal(limit?.attempts, 1);
  assert.equal(limit?.seenPass, 1);
  assert.match(limit?.how ?? '', /^unsure: the resume failed midway \(Lock file is already being held\)/);
  assert.equal(out.kind, 'fired');
  assert.deepEqual(
    events.map((e) => e.action),
    ['resume-unsure'],
  );
  assert.match(String(events[0]!.detail), /confirming what happened/);
});

test('a relaunch that never answers: past the deadline the claim moves on to confirming', async () => {
  const started = Date.now();
  const { limit, events } = await fireWith(() => new Promise<never>(() => undefined), 300);
  assert.ok(Date.now() - started < 10_000, 'the firing returned at its deadline');
  assert.equal(limit?.state, 'confirming');
  assert.equal(limit?.attempts, 1);
  assert.match(limit?.how ?? '', /did not finish within 0 s/);
  assert.deepEqual(
    events.map((e) => e.action),
    ['resume-unsure'],
  );
});

test('a relaunch that threw before it started anything: due again at once, the attempt not spent; a second throw is confirmed', async () => {
  const locked = () =>
    Promise.reject(Object.assign(new Error('Lock file is already being held'), { code: 'ELOCKED' }));
  const first = await fireWith(locked, undefined, { status: true });
  assert.equal(first.limit?.state, 'scheduled', 'the pass that hit the limit is still the last: nothing ran');
  assert.equal(first.limit?.attempts, 0);
  assert.equal(first.limit?.dueAt, LIMIT.dueAt, 'due at once (the recovery clock)');
  assert.match(
    first.limit?.note ?? '',
    /^the relaunch failed before it started \(Lock file is already being held\)/,
  );
  assert.equal(first.out.kind, 'waiting');
  assert.deepEqual(
    first.events.map((e) => e.action),
    ['retry'],
  );
  // The retry throws too: no third try from here, the check decides (and parks it with backoff).
  const second = await fireWith(locked, undefined, { status: true, limit: first.limit });
  assert.equal(second.limit?.state, 'confirming');
  assert.equal(second.limit?.attempts, 1);
});

test('a firing acts on the workcell as it is now: an agent that exited since the fleet was read is relaunched, not typed to', async () => {
  const name = 'gone';
  const { home, repo, store } = await limitHome(name, LIMIT);
  try {
    const base = { name, repo, pass: 1, agent: 'command', stateSince: '2026-01-01T00:00:00.000Z' };
    // What the recoverer's fleet said: live, on its limit line. What is true now: exited, pane closed.
    const seen = { ...base, state: 'rate_limited', pane: { dead: false } } as unknown as WorkcellSummary;
    const now = {
      ...base,
      state: 'failed',
      reason: 'rate_limited',
      pane: null,
    } as unknown as WorkcellSummary;
    const calls: string[] = [];
    const d: ActDeps = {
      dir: home.dir,
      engine: {
        store,
        status: async () => ({ ok: true, value: now }),
        resume: async () => {
          calls.push('resume');
          return { ok: true, value: { pass: 2, evidence: { detail: 'pass 2 launched' } } };
        },
      } as unknown as Engine,
      tmux: {
        capture: async () => (calls.push('capture'), { ok: true, value: '' }),
        run: async () => (calls.push('type'), { ok: true, value: '' }),
      } as unknown as Tmux,
      now: () => Date.parse(LIMIT.dueAt),
      log: () => undefined,
    };
    const out = await fireLimit(d, seen, LIMIT, 'auto');
    assert.equal(out.kind, 'fired');
    assert.deepEqual(calls, ['resume'], 'relaunched; nothing typed into the closed pane');
    const limit = (await readRecovery(home.dir, name)).limit;
    assert.equal(limit?.state, 'confirming');
    assert.match(limit?.how ?? '', /^relaunched: pass 2 launched/);
  } finally {
    home.cleanup();
  }
});
