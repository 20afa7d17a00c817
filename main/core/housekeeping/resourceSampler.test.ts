// The daemon's resource sampler, in a real Supervisor on real tmux with an injected clock for its
// timers: with a threshold set it samples every 30 s with nobody looking, and the threshold is told
// without a viewer; without one nothing is sampled while no viewer looks; a viewer's lease starts it
// (5 s); a workcell whose agent
// spawned a busy child holding 64 MB is measured with that child (by process tree, not by name); the
// threshold notifies once per crossing through the real dispatcher and a real command notifier, not
// on every sample; a workcell that ends leaves the samples; sampling stops once the lease runs out.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StateChange } from '../../common/notify.js';
import type { ResourceSample } from '../../common/resources.js';
import type { WorkcellSummary } from '../../common/workcell.js';
import { isEnded } from '../../common/workcell.js';
import { Engine } from '../engine.js';
import { Supervisor } from '../supervisor/supervisor.js';
import { leakedProcesses, makeHome, waitFor, type TestHome } from '../testing/fixture.js';
import { ManualClock } from '../testing/manualClock.js';
import { Tmux } from '../tmux.js';
import { ResourceAlarm, resourceMarker } from './resourceAlarm.js';
import { RESOURCE_SAMPLING } from './resourceSampler.js';

let home: TestHome;
let engine: Engine;
let notified: string;
beforeEach(() => {
  home = makeHome('wcrs-');
  engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  notified = join(home.dir.root, 'notified.txt');
  const line = `process.env.WORKCELL_NAME+' '+process.env.WORKCELL_REASON+'\\n'`;
  writeFileSync(
    home.dir.settings,
    JSON.stringify({
      // 60 MB: the busy workcell (one of its processes holds 64 MB) is over it, the calm one (about
      // 20 MB) is not.
      resources: { rssMb: 60 },
      notifiers: [
        {
          type: 'command',
          on: ['over_resources'],
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
  assert.deepEqual(await leakedProcesses(home), [], 'processes left behind');
});

const lines = () => (existsSync(notified) ? readFileSync(notified, 'utf8').split('\n').filter(Boolean) : []);

// The home's path is in every argv so the fixture's cleanup finds (and the leak check sees) them.
const BUSY_CHILD = `require('child_process').spawn(process.execPath, ['-e', 'globalThis.b = Buffer.alloc(64 << 20, 1); for (;;) {}', process.argv[1]], { stdio: 'ignore' }); setInterval(() => {}, 1000);`;
const CALM = 'setInterval(() => {}, 1000);';

test(
  'a threshold set: sampled every 30 s with nobody looking and told without a viewer; a viewer speeds it to 5 s; children counted; told once; ended workcells leave; threshold removed: sampling stops',
  { skip: process.platform !== 'linux' },
  async () => {
    const clock = new ManualClock();
    const r = await Supervisor.start({
      dir: home.dir,
      resourceClock: clock,
      recovery: false,
      log: (l) => process.env.SV_DEBUG && console.error(l),
    });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    const sup = r.value;
    try {
      for (const [name, code] of [
        ['busy', BUSY_CHILD],
        ['calm', CALM],
      ] as const) {
        const s = await engine.start({
          name,
          repo: home.dir.root,
          agent: 'command',
          args: [process.execPath, '-e', code, home.dir.root],
        });
        assert.ok(s.ok, JSON.stringify(s));
      }
      await waitFor(
        async () => (await sup.request(), sup.snapshot().filter((w) => !isEnded(w.state)).length === 2),
        20_000,
        'both workcells live in the supervisor',
      );
      // No viewer, a threshold set: sampled in the background, every 30 s of the (manual) clock; the
      // busy one is told with nobody looking (its CPU needs two samples; its memory one that sees it).
      const background = async (): Promise<void> => {
        const n = sup.resources.samples;
        await waitFor(() => clock.pending === 1, 10_000, 'the next background sample to be scheduled');
        assert.equal(clock.delays.at(-1), RESOURCE_SAMPLING.backgroundMs);
        clock.advance(RESOURCE_SAMPLING.backgroundMs);
        await waitFor(() => sup.resources.samples > n, 10_000, 'a background sample');
      };
      await waitFor(() => sup.resources.samples >= 1, 10_000, 'the first background sample');
      for (let i = 0; i < 6 && lines().length === 0; i++) await background();
      await waitFor(() => lines().length >= 1, 15_000, 'the threshold told with no viewer');
      assert.deepEqual(lines(), ['busy over_resources']);
      assert.equal(sup.resources.latest().sampling, false, 'not "live" figures: nobody shows them');
      assert.equal(sup.resources.latest().intervalMs, RESOURCE_SAMPLING.backgroundMs);

      // A viewer: a sample at once (not at the end of the 30 s wait), then one per 5 s.
      const before = sup.resources.samples;
      sup.resources.touch('test', Infinity);
      await waitFor(() => sup.resources.samples > before, 10_000, 'a sample at once for the viewer');
      const next = async (): Promise<ResourceSample[]> => {
        const n = sup.resources.samples;
        await waitFor(() => clock.pending === 1, 10_000, 'the next sample to be scheduled');
        clock.advance(RESOURCE_SAMPLING.intervalMs);
        await waitFor(() => sup.resources.samples > n, 10_000, 'a sample');
        return sup.resources.latest().samples;
      };
      // CPU is real time over the real time between two samples: the manual clock only schedules them,
      // so a window can be short and noisy (calm's own start-up); polled until both settle.
      await waitFor(
        async () => {
          const all = await next();
          const b = all.find((s) => s.name === 'busy');
          const c = all.find((s) => s.name === 'calm');
          return (
            b &&
            c &&
            b.processes >= 2 &&
            b.rssBytes > 64 << 20 &&
            (b.cpuPercent ?? 0) > 20 &&
            c.processes >= 1 &&
            c.cpuPercent !== null &&
            c.cpuPercent < 20
          );
        },
        30_000,
        'the busy child to be counted, and calm to be calm',
      );
      assert.equal(sup.resources.latest().sampling, true);

      // Over 60 MB: told once, however many samples follow.
      for (let i = 0; i < 3; i++) await next();
      assert.deepEqual(lines(), ['busy over_resources'], 'once per crossing, never for calm');
      assert.ok(existsSync(resourceMarker(home.dir.runDir('busy'), 1)));

      // An ended workcell leaves the samples.
      assert.ok((await engine.kill('busy')).ok);
      await waitFor(
        async () => (await sup.request(), sup.snapshot().find((w) => w.name === 'busy' && isEnded(w.state))),
        20_000,
        'busy to end',
      );
      const after = await next();
      assert.deepEqual(
        after.map((s) => s.name),
        ['calm'],
      );

      // The viewer goes: sampling lingers a moment, then falls back to the background pace.
      sup.resources.release('test');
      for (let i = 0; i < 5 && sup.resources.latest().sampling; i++) {
        await waitFor(() => clock.pending === 1, 10_000, 'a tick');
        clock.advance(RESOURCE_SAMPLING.intervalMs);
      }
      await waitFor(() => !sup.resources.latest().sampling, 10_000, 'back to the background pace');
      // The threshold removed from settings.json (the daemon's settings watcher): at the next tick
      // sampling stops and no timer is left.
      writeFileSync(home.dir.settings, JSON.stringify({ notifiers: [] }));
      for (let i = 0; i < 20 && sup.resources.sampling; i++) {
        await waitFor(() => clock.pending === 1 || !sup.resources.sampling, 10_000, 'a tick');
        if (clock.pending === 1) clock.advance(RESOURCE_SAMPLING.backgroundMs);
        await new Promise((r) => setTimeout(r, 100)); // the settings watcher's debounce, in real time
      }
      await waitFor(() => !sup.resources.sampling, 10_000, 'sampling to stop');
      const count = sup.resources.samples;
      clock.advance(60_000);
      assert.equal(clock.pending, 0);
      assert.equal(sup.resources.samples, count, 'no sample with neither a viewer nor a threshold');
      assert.equal(sup.resources.latest().sampling, false);
      assert.deepEqual(sup.resources.latest().samples, []);
    } finally {
      await sup.stop();
    }
  },
);

test(
  'no threshold and no viewer: nothing is sampled and no timer is armed',
  { skip: process.platform !== 'linux' },
  async () => {
    writeFileSync(home.dir.settings, JSON.stringify({ notifiers: [] }));
    const clock = new ManualClock();
    const r = await Supervisor.start({ dir: home.dir, resourceClock: clock, recovery: false });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    const sup = r.value;
    try {
      const s = await engine.start({
        name: 'calm',
        repo: home.dir.root,
        agent: 'command',
        args: [process.execPath, '-e', CALM, home.dir.root],
      });
      assert.ok(s.ok, JSON.stringify(s));
      await waitFor(
        async () => (await sup.request(), sup.snapshot().some((w) => w.name === 'calm' && !isEnded(w.state))),
        20_000,
        'calm live',
      );
      clock.advance(120_000);
      assert.equal(sup.resources.sampling, false);
      assert.equal(sup.resources.samples, 0);
      assert.equal(clock.pending, 0, 'no sampling timer');
    } finally {
      await sup.stop();
    }
  },
);

test('the threshold re-arms only once back under 80% of it, and a restart does not tell a crossing again', async () => {
  const runDir = join(home.dir.root, 'runs', 'w');
  mkdirSync(runDir, { recursive: true });
  const w = {
    name: 'w',
    pass: 1,
    state: 'running',
    runDir,
    agent: 'command',
    repo: '/r',
    startedAt: '2030-01-01T00:00:00.000Z',
  } as WorkcellSummary;
  const told: StateChange[] = [];
  const alarm = () =>
    new ResourceAlarm(
      () => ({ cpuPercent: 100 }),
      (c) => told.push(c),
    );
  const a = alarm();
  const at = (cpu: number | null): ResourceSample[] => [
    { name: 'w', processes: 2, cpuPercent: cpu, rssBytes: 1 << 20 },
  ];
  const t0 = Date.UTC(2030, 0, 1);
  assert.deepEqual(await a.observe(at(null), [w], t0), [], 'no CPU figure yet');
  assert.deepEqual(await a.observe(at(99), [w], t0 + 1), []);
  assert.deepEqual(await a.observe(at(150), [w], t0 + 2), ['w']);
  assert.deepEqual(await a.observe(at(90), [w], t0 + 3), [], 'still within the hysteresis');
  assert.deepEqual(await a.observe(at(120), [w], t0 + 4), [], 'the same crossing');
  assert.deepEqual(await alarm().observe(at(130), [w], t0 + 5), [], 'not again after a restart');
  assert.deepEqual(await a.observe(at(50), [w], t0 + 6), [], 'back under 80%: re-armed');
  assert.equal(existsSync(resourceMarker(runDir, 1)), false);
  assert.deepEqual(await a.observe(at(101), [w], t0 + 7), ['w'], 'a new crossing');
  assert.equal(told.length, 2);
  assert.equal(told[0]!.reason, 'over_resources');
  assert.match(told[0]!.evidence!.detail, /CPU 150% \(threshold 100%\)/);
  assert.notEqual(told[0]!.id, told[1]!.id);
});
