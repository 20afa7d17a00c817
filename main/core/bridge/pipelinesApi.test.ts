// GET /api/pipelines (issue 13): what `workcell pipeline status` shows, as the dashboard and tray read
// it: each stage's outcome, iterations and time (a clock passed in, never today's), the current stage,
// the loop that ran each stage, and whether a runner still holds the pipeline. Over real HTTP on
// 127.0.0.1 through the bridge, behind its token; read-only.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { PipelineView } from '../../common/pipelineView.js';
import { Engine } from '../engine.js';
import { acquireOwner, ownerLockPath } from '../loop/ownerLock.js';
import { newStageState, PipelineFiles, type PipelineState } from '../pipeline/pipelineState.js';
import { makeHome, type TestHome } from '../testing/fixture.js';
import { Tmux } from '../tmux.js';
import { pipelineView } from './pipelinesApi.js';
import { RunsDirFleetSource } from './runsDirFleetSource.js';
import { startBridge, type Bridge } from './server.js';
import { http } from './testing/testClient.js';

const T0 = Date.parse('2026-11-30T12:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function state(name: string, status: PipelineState['status'], updated: number): PipelineState {
  const plan = { ...newStageState('plan'), status: 'succeeded' as const, loop: `${name}-plan`, runs: 1 };
  Object.assign(plan, { iterations: 1, startedAt: at(0), endedAt: at(95), reason: 'item closed' });
  const impl = { ...newStageState('impl'), status: 'running' as const, loop: `${name}-impl-r2`, runs: 2 };
  Object.assign(impl, { iterations: 3, startedAt: at(100), reason: 'verify failed' });
  return {
    name,
    file: '/nowhere/p.yaml',
    repo: '/r',
    status,
    statusReason: null,
    createdAt: at(0),
    updatedAt: at(updated),
    objectives: { plan: 'plan it', impl: 'do it', review: 'look' },
    stages: [plan, impl, newStageState('review')],
  };
}

describe('pipelineView', () => {
  it('shows stages with outcome, iterations and time; the running one timed to now', () => {
    const v = pipelineView(state('feat', 'running', 130), true, T0 + 160_000);
    assert.equal(v.done, 1);
    assert.equal(v.total, 3);
    assert.equal(v.current, 'impl');
    assert.equal(v.runnerLive, true);
    assert.deepEqual(
      v.stages.map((s) => [s.name, s.status, s.iterations, s.ms, s.loop, s.reason]),
      [
        ['plan', 'succeeded', 1, 95_000, 'feat-plan', null],
        ['impl', 'running', 3, 60_000, 'feat-impl-r2', 'verify failed'],
        ['review', 'pending', 0, null, null, null],
      ],
    );
  });

  it('an ended pipeline has no current stage and its failed stage keeps its time and reason', () => {
    const s = state('feat', 'failed', 200);
    Object.assign(s.stages[1]!, { status: 'failed', endedAt: at(150) });
    const v = pipelineView(s, false, T0 + 999_000);
    assert.equal(v.current, null);
    assert.deepEqual([v.stages[1]!.ms, v.stages[1]!.reason], [50_000, 'verify failed']);
  });
});

describe('GET /api/pipelines', () => {
  let home: TestHome;
  let bridge: Bridge;
  before(async () => {
    home = makeHome('wc-pl-');
    const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
    bridge = await startBridge({ engine, fleet: new RunsDirFleetSource(engine), staticDir: home.dir.root });
  });
  after(async () => {
    await bridge.close();
    home.cleanup();
  });
  const get = async (): Promise<PipelineView[]> => {
    const r = await http(bridge, 'GET', '/api/pipelines');
    assert.equal(r.status, 200);
    const body = JSON.parse(r.body) as { ok: boolean; value: PipelineView[] };
    assert.equal(body.ok, true);
    return body.value;
  };

  it('answers an empty list in a home where no pipeline ran', async () => {
    assert.deepEqual(await get(), []);
  });

  it('lists running pipelines first, tells a live runner from a dead one, and changes nothing', async () => {
    for (const [name, status, updated] of [
      ['aaa', 'done', 500],
      ['bbb', 'running', 100],
      ['ccc', 'running', 300],
    ] as const) {
      const f = new PipelineFiles(home.dir, name);
      mkdirSync(f.root, { recursive: true });
      await f.writeState(state(name, status, updated));
    }
    // A half-created run dir (no state yet) is skipped, not an error.
    mkdirSync(join(home.dir.root, 'pipelines', 'ddd'));
    // bbb's runner is this process (alive); ccc's record names a pid whose start time differs (dead).
    assert.equal((await acquireOwner(home.dir, 'pipeline', 'bbb')).ok, true);
    mkdirSync(home.dir.locks, { recursive: true });
    const dead = { kind: 'pipeline', key: 'ccc', pid: process.pid, startTime: 'another-process' };
    writeFileSync(ownerLockPath(home.dir, 'pipeline', 'ccc'), JSON.stringify({ ...dead, host: hostname() }));
    const before = readFileSync(new PipelineFiles(home.dir, 'bbb').state, 'utf8');

    const list = await get();
    assert.deepEqual(
      list.map((p) => [p.name, p.status, p.runnerLive, p.current, `${p.done}/${p.total}`]),
      [
        ['ccc', 'running', false, 'impl', '1/3'],
        ['bbb', 'running', true, 'impl', '1/3'],
        ['aaa', 'done', false, 'impl', '1/3'],
      ],
    );
    assert.equal(list[1]!.stages[0]!.loop, 'bbb-plan');
    assert.equal(readFileSync(new PipelineFiles(home.dir, 'bbb').state, 'utf8'), before);
  });

  it('is refused without the token, and only GET is a route', async () => {
    assert.equal((await http(bridge, 'GET', '/api/pipelines', { token: null })).status, 403);
    assert.notEqual((await http(bridge, 'POST', '/api/pipelines', {}, {})).status, 200);
  });
});
