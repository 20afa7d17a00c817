// Loops and pipelines in the tray (issue 13): a group after the workcells with each loop's items done /
// total and iteration, each pipeline's stages done and current stage, peeks at the iterations in
// flight, what needs the user first, a stage's loop shown once (inside its pipeline), and a cap.
// The views are built by the same core readers the dashboard's routes use, from state as runners write it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loopView } from '../core/bridge/loopsApi.js';
import { pipelineView } from '../core/bridge/pipelinesApi.js';
import type { LoopState } from '../core/loop/loopState.js';
import { loopStateFixture } from '../core/loop/testing/loopStateFixture.js';
import { parsePrd } from '../core/loop/prd.js';
import { newStageState, type PipelineState } from '../core/pipeline/pipelineState.js';
import { summaryFixture } from './testing/summaryFixture.js';
import { buildTrayModel, TRAY, type TrayMenuItem } from './trayModel.js';
import { runsGroup } from './trayRuns.js';

const T0 = Date.parse('2026-11-30T12:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();
const PRD = '## Tasks\n- [x] add the form\n- [ ] hash passwords\n- [ ] rate-limit\n';

function loop(name: string, over: Partial<LoopState> = {}): LoopState {
  const s = loopStateFixture(name, new Date(T0));
  return { ...s, ...over };
}

function ralph(prd = PRD): LoopState {
  return loop('ralph', {
    iteration: 4,
    current: {
      item: parsePrd(prd)[prd === PRD ? 1 : 0]!.key,
      itemText: 'hash passwords',
      workcell: 'ralph-4',
      startedAt: at(0),
      tree: null,
      head: null,
    },
  });
}

function feature(status: PipelineState['status'] = 'running'): PipelineState {
  const plan = { ...newStageState('plan'), status: 'succeeded' as const, loop: 'feat-plan', runs: 1 };
  Object.assign(plan, { iterations: 1, startedAt: at(0), endedAt: at(95) });
  const impl = { ...newStageState('impl'), status: 'running' as const, loop: 'feat-impl', runs: 1 };
  Object.assign(impl, { iterations: 2, startedAt: at(100) });
  return {
    name: 'feat',
    file: '/r/feat.yaml',
    repo: '/r',
    status,
    statusReason: null,
    createdAt: at(0),
    updatedAt: at(100),
    objectives: {},
    stages: [plan, impl, newStageState('review')],
  };
}

const ids = (items: TrayMenuItem[]) => items.map((i) => i.id);
const NOW = T0 + 160_000;

test('a loop shows items done / total and its iteration, with a peek at the workcell in flight', () => {
  const g = runsGroup({ loops: [loopView(ralph(), PRD)], pipelines: [] }, TRAY.maxPerGroup);
  assert.deepEqual(ids(g), ['sep:runs', 'group:runs', 'loop:ralph']);
  assert.equal(g[1]!.label, 'Loops and pipelines (1)');
  const entry = g[2]!;
  assert.equal(entry.label, 'loop ralph · 1/3 items · iteration 4 of 10');
  const peek = entry.submenu!.find((i) => i.id === 'loop:ralph:peek:ralph-4');
  assert.deepEqual(peek?.action, { kind: 'peek', name: 'ralph-4' });
  assert.equal(peek?.label, 'Peek ralph-4 — hash passwords');
});

/** A loop whose breaker opened: 3 iterations without progress. */
const stuck = (name = 'stuck'): LoopState =>
  loop(name, {
    status: 'breaker_open',
    updatedAt: at(1),
    breaker: {
      open: true,
      reason: '3 iterations without progress',
      noProgress: 3,
      sameError: 0,
      lastError: null,
    },
  });

test('an open breaker says so and why, and comes first', () => {
  const open = stuck();
  const g = runsGroup({ loops: [loopView(ralph(), PRD), loopView(open, PRD)], pipelines: [] }, 5);
  assert.deepEqual(ids(g).slice(2), ['loop:stuck', 'loop:ralph']);
  assert.match(g[2]!.label, / · breaker open$/);
  assert.equal(g[2]!.submenu![0]!.label, '3 iterations without progress');
});

test('a pipeline shows stages done / total and its stage; its stage loop is inside it, not listed again', () => {
  const stagePrd = '## Tasks\n- [ ] implement it\n';
  const stageLoop = loopView({ ...ralph(stagePrd), name: 'feat-impl' }, stagePrd);
  const g = runsGroup(
    { loops: [stageLoop, loopView(ralph(), PRD)], pipelines: [pipelineView(feature(), true, NOW)] },
    5,
  );
  assert.deepEqual(ids(g).slice(2), ['pipeline:feat', 'loop:ralph']);
  const p = g[2]!;
  assert.equal(p.label, 'pipeline feat · 1/3 stages · stage impl');
  assert.deepEqual(
    p.submenu!.filter((i) => i.id.includes(':stage:')).map((i) => i.label),
    ['plan · succeeded · 1 iter. · 1m', 'impl · running · 2 iter. · 1m', 'review · pending · 0 iter.'],
  );
  assert.ok(p.submenu!.some((i) => i.action?.kind === 'peek' && i.action.name === 'ralph-4'));
  // A running pipeline whose runner died needs the user: it says so.
  const gone = runsGroup({ loops: [], pipelines: [pipelineView(feature(), false, NOW)] }, 5);
  assert.equal(gone[2]!.label, 'pipeline feat · 1/3 stages · stage impl · runner gone');
  const failed = feature('failed');
  failed.stages[1]!.status = 'failed';
  const f = runsGroup({ loops: [], pipelines: [pipelineView(failed, false, NOW)] }, 5);
  assert.equal(f[2]!.label, 'pipeline feat · 1/3 stages · failed');
});

test('many loops: at most the cap, then "N more… open dashboard"; none: no group at all', () => {
  const many = Array.from({ length: 12 }, (_, i) => loopView(loop(`l${i}`), PRD));
  const g = runsGroup({ loops: many, pipelines: [] }, TRAY.maxPerGroup);
  assert.equal(g.filter((i) => i.id.startsWith('loop:')).length, TRAY.maxPerGroup);
  assert.deepEqual(g.at(-1), {
    id: 'more:runs',
    label: `${12 - TRAY.maxPerGroup} more… open dashboard`,
    action: { kind: 'dashboard' },
  });
  assert.deepEqual(runsGroup({ loops: [], pipelines: [] }, 5), []);
  assert.deepEqual(runsGroup(undefined, 5), []);
});

test('buildTrayModel puts the group after the workcells and before the app entries', () => {
  const m = buildTrayModel([summaryFixture('ralph-4', 'running', { startedAt: at(0) })], NOW, undefined, {
    runs: { loops: [loopView(ralph(), PRD)], pipelines: [] },
  });
  const order = ids(m.menu);
  assert.ok(order.indexOf('wc:ralph-4') < order.indexOf('group:runs'));
  assert.deepEqual(order.slice(order.indexOf('group:runs')), [
    'group:runs',
    'loop:ralph',
    'sep:end',
    'dashboard',
    'settings',
    'quit',
  ]);
  // Without runs the menu is as before.
  assert.equal(ids(buildTrayModel([], NOW).menu).includes('group:runs'), false);
});

test('an open breaker or a pipeline whose runner died turns the icon red and counts in the badge; a running loop does not', () => {
  const open = stuck();
  const calm = buildTrayModel([summaryFixture('w', 'running', { startedAt: at(0) })], NOW, undefined, {
    runs: { loops: [loopView(ralph(), PRD)], pipelines: [pipelineView(feature(), true, NOW)] },
  });
  assert.equal(calm.icon, 'ok');
  assert.equal(calm.badge, 0);
  const breaker = buildTrayModel([summaryFixture('w', 'running', { startedAt: at(0) })], NOW, undefined, {
    runs: { loops: [loopView(ralph(), PRD), loopView(open, PRD)], pipelines: [] },
  });
  assert.equal(breaker.icon, 'alert');
  assert.equal(breaker.badge, 1);
  // No workcell at all, only a pipeline whose runner is gone: red, not "empty".
  const gone = buildTrayModel([], NOW, undefined, {
    runs: { loops: [], pipelines: [pipelineView(feature(), false, NOW)] },
  });
  assert.equal(gone.icon, 'alert');
  assert.equal(gone.badge, 1);
  // A stage's loop with an open breaker holds its pipeline: counted once.
  const stage = stuck('feat-impl');
  const held = buildTrayModel([], NOW, undefined, {
    runs: { loops: [loopView(stage, PRD)], pipelines: [pipelineView(feature(), true, NOW)] },
  });
  assert.equal(held.icon, 'alert');
  assert.equal(held.badge, 1);
  // A failed pipeline is listed first but leaves the icon as the workcells make it.
  const failed = buildTrayModel([], NOW, undefined, {
    runs: { loops: [], pipelines: [pipelineView(feature('failed'), false, NOW)] },
  });
  assert.equal(failed.icon, 'empty');
});
