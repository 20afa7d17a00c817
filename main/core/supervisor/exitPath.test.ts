// The exit path's work, counted (issue 7: exit -> notification p50 < 50 ms at 500 workcells): a marker
// wakes the supervisor once (removing it is no wake), and the exit is told after reading that one
// workcell only; the full reconcile of every workcell follows the notification instead of racing it.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../engine.js';
import { ensureHome } from '../home.js';
import { Tmux } from '../tmux.js';
import { makeHome, waitFor, leakedProcesses, type TestHome } from '../testing/fixture.js';
import type { NotifyMessage } from '../../common/notify.js';
import { ServerWatch } from './serverWatch.js';
import { Supervisor } from './supervisor.js';

let home: TestHome;
beforeEach(() => {
  home = makeHome();
});
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), []);
});

test('an exit marker wakes the supervisor once: removing a told marker is no wake', async () => {
  assert.ok((await ensureHome(home.dir)).ok);
  const server = new ServerWatch(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf), () => {});
  const wakes: string[] = [];
  server.onPoke.event((why) => {
    if (why === 'exit') wakes.push(why);
  });
  try {
    const started = await server.start();
    assert.ok(started.ok, started.ok ? '' : started.error.message);
    writeFileSync(join(home.dir.exits, 'a'), '');
    await waitFor(() => wakes.length === 1, 5_000, 'the wake for a');
    rmSync(join(home.dir.exits, 'a'));
    // inotify events arrive in order: a wake for the removal would come before the one for b.
    writeFileSync(join(home.dir.exits, 'b'), '');
    await waitFor(() => wakes.length >= 2, 5_000, 'the wake for b');
    assert.equal(wakes.length, 2, 'one wake per marker written, none for a removal');
  } finally {
    server.dispose();
  }
});

test('one exit marker: only that workcell is read before its notification, the full reconcile after', async () => {
  const repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  writeFileSync(home.dir.settings, JSON.stringify({ notifiers: [{ type: 'desktop', on: ['failed'] }] }));
  const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  const names = ['w0', 'w1', 'w2', 'w3'];
  for (const name of names) {
    const r = await engine.start({ name, repo, agent: 'command', args: ['sleep', '3600'], hooks: false });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
  }
  const reads: string[] = [];
  const sent: Array<{ msg: NotifyMessage; readsBefore: string[] }> = [];
  const r = await Supervisor.start({
    dir: home.dir,
    recovery: false,
    factories: {
      desktop: () => ({
        type: 'desktop',
        send: async (msg) => (sent.push({ msg, readsBefore: [...reads] }), { ok: true }),
      }),
    },
  });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const sup = r.value;
  try {
    await waitFor(
      () => sup.snapshot().length === 4 && sup.snapshot().every((w) => w.state === 'running'),
      10_000,
      'four running workcells',
    );
    await sup.request();
    // Every read of a workcell's files goes through inspect (the listing and the fast path alike).
    // What had been read when the change was handed to the dispatcher (the send itself is a later
    // turn of the loop, and on a loaded machine the full reconcile may start reading before it).
    const readsAtTold: string[][] = [];
    sup.onState((c) => {
      if (c.name === 'w2') readsAtTold.push([...reads]);
    });
    const inspect = sup.engine.inspect.bind(sup.engine);
    sup.engine.inspect = (name, ...rest) => {
      reads.push(name);
      return inspect(name, ...rest);
    };
    // What the wrapper does when its agent ends: exit.json, then the marker. The pane lives on (the
    // agent is a sleep), so tmux reports nothing and the marker alone wakes the supervisor.
    writeFileSync(
      join(home.dir.runDir('w2'), 'exit.json'),
      JSON.stringify({ exitCode: 3, endedAt: new Date().toISOString(), source: 'wrapper' }),
    );
    writeFileSync(join(home.dir.exits, 'w2'), '');
    await waitFor(() => sent.length === 1, 10_000, 'the notification');
    assert.equal(sent[0]!.msg.name, 'w2');
    assert.deepEqual(readsAtTold, [['w2']], 'only the marked workcell is read before it is told');
    assert.equal(sent[0]!.readsBefore[0], 'w2', 'and read first');
    // The full reconcile still follows: the fleet snapshot shows the exit.
    await waitFor(
      () => sup.snapshot().find((w) => w.name === 'w2')?.state === 'failed',
      10_000,
      'the snapshot to show w2 failed',
    );
    for (const name of names) assert.ok(reads.includes(name), `${name} read by the full reconcile`);
  } finally {
    await sup.stop();
  }
});
