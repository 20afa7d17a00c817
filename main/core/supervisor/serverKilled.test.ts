// Killing the tmux server ends every workcell at once: each is told ONCE (the wrapper's record of the
// hangup, failed 129), never "vanished" first and "failed" after it (issue 8, N6).
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../engine.js';
import { Tmux } from '../tmux.js';
import { makeHome, waitFor, FAKE_AGENT, leakedProcesses, type TestHome } from '../testing/fixture.js';
import { Supervisor, type SupervisorChange } from './supervisor.js';

let home: TestHome;
let engine: Engine;
let repo: string;
let notified: string;

beforeEach(() => {
  home = makeHome();
  engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  notified = join(home.dir.root, 'notified.txt');
  const line = `process.env.WORKCELL_NAME+' '+process.env.WORKCELL_STATE+'\\n'`;
  writeFileSync(
    home.dir.settings,
    JSON.stringify({
      notifiers: [
        {
          type: 'command',
          on: ['done', 'failed', 'vanished', 'orphaned', 'killed'],
          argv: [
            process.execPath,
            '-e',
            `require('fs').appendFileSync(${JSON.stringify(notified)}, ${line})`,
          ],
        },
      ],
    }),
  );
});
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), []);
});

const lines = () =>
  existsSync(notified)
    ? readFileSync(notified, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
    : [];

test('the tmux server killed under 3 running workcells: one notification per workcell', async () => {
  const r = await Supervisor.start({ dir: home.dir, log: (l) => process.env.SV_DEBUG && console.error(l) });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const sup = r.value;
  const changes: SupervisorChange[] = [];
  sup.onState((c: SupervisorChange) => changes.push(c));
  const names = ['k1', 'k2', 'k3'];
  try {
    for (const name of names)
      await engine.start({
        name,
        repo,
        agent: 'command',
        args: [process.execPath, FAKE_AGENT, '--sleep', '60000'],
      });
    await waitFor(
      () => names.every((n) => sup.snapshot().some((w) => w.name === n && w.state === 'running')),
      10_000,
      'all running',
    );
    execFileSync('tmux', ['-S', home.dir.socket, 'kill-server']);
    // Each wrapper records the hangup (failed, SIGHUP): that is what the user hears, once.
    await waitFor(
      () => names.every((n) => changes.some((c) => c.name === n && c.state === 'failed')),
      20_000,
      'each exit told',
    );
    // Whatever would follow or precede it (a "vanished" or "orphaned" told first) has landed by the
    // time the delivery is in the timeline.
    await waitFor(() => lines().length > 0, 15_000, 'a delivery');
    // What each was told after it started: the hangup, once. ('running' may be told first when the
    // supervisor's first look caught a workcell still starting.)
    const told = (n: string) =>
      changes
        .filter((c) => c.name === n && c.state !== 'running' && c.state !== 'starting')
        .map((c) => c.state);
    assert.deepEqual(
      names.map(told),
      names.map(() => ['failed']),
    );
    // The finisher writes status.json, then appends its 'state' event once the status lock is released:
    // the supervisor can tell the change in between, so the timeline is waited for, then checked whole.
    const timeline = async (n: string) =>
      (await engine.store.readEvents(n)).filter((e) => e.type === 'state').map((e) => e.state);
    for (const n of names) {
      await waitFor(
        async () => (await timeline(n)).at(-1) === 'failed',
        10_000,
        `${n}'s timeline to say failed`,
      );
      const states = await timeline(n);
      assert.deepEqual(
        states.filter((s) => s !== 'running' && s !== 'starting'),
        ['failed'],
        `${n}: ${JSON.stringify(states)}`,
      );
    }
  } finally {
    await sup.stop();
  }
  assert.deepEqual(
    names.map(
      (n) => changes.filter((c) => c.name === n && c.state !== 'running' && c.state !== 'starting').length,
    ),
    [1, 1, 1],
    'nothing more after the stop either',
  );
});
