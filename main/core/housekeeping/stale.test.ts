// Stale flags on a real workcell (real tmux) and a loop on disk, with an injected clock: flagged once
// past the threshold (marker, `stale` in the summary, one change with reason stale), never again after
// a restart, a per-name threshold respected, and an ended workcell never flagged.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StateChange } from '../../common/notify.js';
import type { Thresholds } from '../../common/settings.js';
import { Engine } from '../engine.js';
import { formatMessage } from '../notify/format.js';
import { FAKE_AGENT, leakedProcesses, makeHome, type TestHome } from '../testing/fixture.js';
import { Tmux } from '../tmux.js';
import { StaleWatch } from './stale.js';

let home: TestHome;
let engine: Engine;
beforeEach(() => {
  home = makeHome('wcs-');
  engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
});
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), [], 'processes left behind');
});

const HOUR = 3_600_000;

test('a live workcell past its threshold is flagged once; a per-name threshold and ended ones are respected', async () => {
  for (const name of ['long', 'own', 'quick']) {
    const r = await engine.start({
      name,
      repo: home.dir.root,
      agent: 'command',
      args: [process.execPath, FAKE_AGENT, '--sleep', name === 'quick' ? '0' : '30000'],
    });
    assert.ok(r.ok, JSON.stringify(r));
  }
  const list = async () => {
    const l = await engine.list();
    assert.ok(l.ok);
    return l.value;
  };
  // quick has ended before the check (its agent exits at once).
  for (;;) {
    const q = (await list()).find((w) => w.name === 'quick')!;
    if (q.state === 'done' || q.state === 'failed') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const thresholds: Thresholds = { idleSeconds: 30, stallSeconds: 300, staleHoursFor: { own: 5 } };
  const told: StateChange[] = [];
  const watch = new StaleWatch(
    home.dir,
    () => thresholds,
    (c) => told.push(c),
  );
  const started = Date.parse((await list()).find((w) => w.name === 'long')!.startedAt);

  assert.deepEqual(await watch.observe(await list(), started + 2 * HOUR - 1000), [], 'not before 2 h');
  assert.deepEqual(await watch.observe(await list(), started + 2 * HOUR + 1000), ['long']);
  assert.deepEqual(await watch.observe(await list(), started + 3 * HOUR), [], 'once');
  const after = new StaleWatch(
    home.dir,
    () => thresholds,
    (c) => told.push(c),
  );
  assert.deepEqual(await after.observe(await list(), started + 4 * HOUR), [], 'not again after a restart');
  assert.deepEqual(await after.observe(await list(), started + 5 * HOUR + 60_000), ['own'], 'its own 5 h');
  assert.deepEqual(
    told.map((c) => [c.name, c.reason]),
    [
      ['long', 'stale'],
      ['own', 'stale'],
    ],
  );
  const byName = Object.fromEntries((await list()).map((w) => [w.name, w.stale]));
  assert.deepEqual(byName, { long: true, own: true, quick: false });
  assert.match(formatMessage(told[0]!).title, /long has been running longer than its stale threshold/);
});

test('a running loop past its threshold is flagged once; a finished one never', async () => {
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  for (const [name, status] of [
    ['lp', 'running'],
    ['old', 'done'],
  ] as const) {
    mkdirSync(join(home.dir.root, 'loops', name), { recursive: true });
    writeFileSync(
      join(home.dir.root, 'loops', name, 'state.json'),
      JSON.stringify({ status, createdAt: new Date(t0).toISOString(), repo: '/r' }),
    );
  }
  const told: StateChange[] = [];
  const watch = new StaleWatch(
    home.dir,
    () => ({ idleSeconds: 30, stallSeconds: 300 }),
    (c) => told.push(c),
  );
  assert.deepEqual(await watch.observeLoops(t0 + HOUR), []);
  assert.deepEqual(await watch.observeLoops(t0 + 3 * HOUR), ['lp']);
  assert.deepEqual(
    await new StaleWatch(
      home.dir,
      () => ({ idleSeconds: 30, stallSeconds: 300 }),
      () => {},
    ).observeLoops(t0 + 9 * HOUR),
    [],
  );
  assert.equal(told.length, 1);
});
