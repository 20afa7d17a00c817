// GET /api/resources end to end: a real supervisor daemon on real tmux, a bridge that only views it
// (as `workcell ui` and the app do when the daemon leads) and real HTTP on 127.0.0.1. The dashboard's
// poll is what starts the daemon's sampling; the figures come back over the daemon's socket. Without
// the token the route is refused like every other; without a supervisor it says why there are none.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESOURCES_ROUTE, type ResourceSnapshot } from '../../common/resources.js';
import { DaemonViewer, ensureDaemon } from '../daemon/client.js';
import { RemoteResourceFeed } from '../daemon/resourceFeed.js';
import { Engine } from '../engine.js';
import { leakedProcesses, makeHome, waitFor, type TestHome } from '../testing/fixture.js';
import { Tmux } from '../tmux.js';
import { RunsDirFleetSource } from './runsDirFleetSource.js';
import { startBridge } from './server.js';
import { http } from './testing/testClient.js';

let home: TestHome;
let engine: Engine;
let staticDir: string;
beforeEach(() => {
  home = makeHome('wcra-');
  engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  staticDir = mkdtempSync(join(tmpdir(), 'wc-static-'));
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
});
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), [], 'processes left behind');
});

test(
  "the dashboard's poll makes the daemon sample; figures per live workcell over HTTP",
  { skip: process.platform !== 'linux' },
  async () => {
    const s = await engine.start({
      name: 'calm',
      repo: home.dir.root,
      agent: 'command',
      args: [process.execPath, '-e', 'setInterval(() => {}, 1000);', home.dir.root],
    });
    assert.ok(s.ok, JSON.stringify(s));
    const d = await ensureDaemon(home.dir, { ...home.env, WORKCELL_DAEMON_IDLE_EXIT_MS: '600000' });
    assert.ok(d.ok, d.ok ? '' : d.error.message);
    const viewer = await DaemonViewer.connect(home.dir);
    assert.ok(viewer.ok);
    const bridge = await startBridge({
      engine,
      fleet: new RunsDirFleetSource(engine),
      staticDir,
      resources: new RemoteResourceFeed(viewer.value),
    });
    try {
      assert.equal((await http(bridge, 'GET', RESOURCES_ROUTE, { token: null })).status, 403);
      const snap = await waitFor(
        async () => {
          const r = await http(bridge, 'GET', RESOURCES_ROUTE);
          assert.equal(r.status, 200);
          const v = (JSON.parse(r.body) as { ok: true; value: ResourceSnapshot }).value;
          const calm = v.samples.find((x) => x.name === 'calm');
          return calm && calm.cpuPercent !== null && calm.processes >= 1 ? v : null;
        },
        30_000,
        'the daemon to sample calm',
      );
      assert.equal(snap.sampling, true);
      assert.ok(snap.at !== null && snap.intervalMs > 0);
      assert.ok(snap.samples.find((x) => x.name === 'calm')!.rssBytes > 1 << 20);
    } finally {
      await bridge.close();
      viewer.value.close();
    }
  },
);

test('without a supervisor the route says why there are no figures', async () => {
  const bridge = await startBridge({ engine, fleet: new RunsDirFleetSource(engine), staticDir });
  try {
    const r = await http(bridge, 'GET', RESOURCES_ROUTE);
    const v = (JSON.parse(r.body) as { value: ResourceSnapshot }).value;
    assert.deepEqual(v.samples, []);
    assert.match(v.unavailable ?? '', /no supervisor/);
  } finally {
    await bridge.close();
  }
});
