// Pipelines in the dashboard (issue 13), real Chromium against `workcell ui`: pipelines' state files,
// as the pipeline runner writes them, show as groups with each stage's outcome, iterations and time
// and the stage running now; a stage links to its loop's group, whose item links on to the iteration's
// workcell (a real one on real tmux). A running pipeline with no live runner says how to resume it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { acquireOwner } from '../../dist/main/core/loop/ownerLock.js';
import { newLoopState, type LoopState } from '../../dist/main/core/loop/loopState.js';
import { parsePrd } from '../../dist/main/core/loop/prd.js';
import { ControlDir } from '../../dist/main/core/paths.js';
import { newStageState, type PipelineState } from '../../dist/main/core/pipeline/pipelineState.js';
import { ARTIFACTS, expect, test, type Home } from './fixtures.js';
import type { Locator } from '@playwright/test';

// Fixed times: the stages' lengths do not depend on when the spec runs (the running one grows).
const T0 = Date.parse('2026-11-30T12:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

/** A stage's loop as the runner leaves it: one item (the stage's objective), its iteration's workcell. */
function stageLoop(home: Home, name: string, objective: string, workcell: string, done: boolean): void {
  const prd = join(home.root, `${name}.md`);
  const text = `## Tasks\n\n- [${done ? 'x' : ' '}] ${objective}\n`;
  writeFileSync(prd, text);
  const item = parsePrd(text)[0]!;
  const s: LoopState = newLoopState(
    {
      name,
      repo: home.repo,
      agent: 'command',
      args: [],
      prd,
      verify: null,
      max: 10,
      retryCap: 3,
      timeoutMs: 3_600_000,
      headless: false,
    },
    new Date(T0),
  );
  s.iteration = 1;
  if (done) {
    s.status = 'done';
    s.items[item.key] = { text: item.text, attempts: 1, outcome: 'succeeded', reason: null };
    s.iterations.push({ n: 1, item: item.key, itemText: item.text, workcell } as never);
  } else {
    s.current = { item: item.key, itemText: item.text, workcell, startedAt: at(100), tree: null, head: null };
  }
  mkdirSync(join(home.root, 'loops', name), { recursive: true });
  writeFileSync(join(home.root, 'loops', name, 'state.json'), JSON.stringify(s));
}

function writePipeline(home: Home, s: PipelineState): void {
  mkdirSync(join(home.root, 'pipelines', s.name), { recursive: true });
  writeFileSync(join(home.root, 'pipelines', s.name, 'state.json'), JSON.stringify(s));
}

function pipeline(name: string, stages: PipelineState['stages'], status: PipelineState['status']) {
  return {
    name,
    file: `/src/${name}.yaml`,
    repo: '/src/app',
    status,
    statusReason: null,
    createdAt: at(0),
    updatedAt: at(100),
    objectives: {},
    stages,
  } satisfies PipelineState;
}

// A real workcell, a 5 s refresh to wait out, two viewports: room on a shared two-core machine.
test.describe.configure({ timeout: 120_000 });

/** The element the page's focus is on (document.activeElement). Not toBeFocused: that also needs the
 * browser window to have focus, which a page of the other parallel worker can take ("inactive" on a
 * fresh-clone run). */
const hasFocus = (l: Locator): Promise<boolean> => l.evaluate((el) => el === document.activeElement);

test('pipelines show their stages, the current one, and link a stage to its loop', async ({
  page,
  home,
  ui,
}) => {
  home.startFake('feature-impl-1', '--print', 'implementing PLAN.md', '--sleep', '120000');
  stageLoop(home, 'feature-plan', 'write the plan in PLAN.md', 'feature-plan-1', true);
  stageLoop(home, 'feature-impl', 'implement PLAN.md', 'feature-impl-1', false);
  const st = (name: string, over: Partial<PipelineState['stages'][number]>) => ({
    ...newStageState(name),
    ...over,
  });
  writePipeline(
    home,
    pipeline(
      'feature',
      [
        st('plan', {
          status: 'succeeded',
          loop: 'feature-plan',
          runs: 1,
          iterations: 1,
          startedAt: at(0),
          endedAt: at(95),
        }),
        // Running: its time runs to now, so it starts 3 minutes before now (the one clock-relative time).
        st('impl', {
          status: 'running',
          loop: 'feature-impl',
          runs: 1,
          iterations: 1,
          startedAt: new Date(Date.now() - 180_000).toISOString(),
        }),
        st('review', {}),
      ],
      'running',
    ),
  );
  writePipeline(home, {
    ...pipeline(
      'docs',
      [
        st('write', {
          status: 'succeeded',
          loop: 'docs-write',
          runs: 1,
          iterations: 2,
          startedAt: at(0),
          endedAt: at(400),
        }),
        st('check', {
          status: 'failed',
          loop: 'docs-check-r2',
          runs: 2,
          iterations: 3,
          startedAt: at(400),
          endedAt: at(1300),
          reason: 'verify failed: 2 links are broken',
        }),
      ],
      'failed',
    ),
    statusReason: 'stage check failed',
    updatedAt: at(50),
  });
  // The feature pipeline's runner: this process holds its lock (alive); docs has none (it ended).
  expect((await acquireOwner(new ControlDir(home.root), 'pipeline', 'feature')).ok).toBe(true);

  // The route, then the page.
  const r = await fetch(`${ui.origin}/api/pipelines`, { headers: { Authorization: `Bearer ${ui.token}` } });
  const body = (await r.json()) as { ok: boolean; value: { name: string; current: string | null }[] };
  expect(body.ok).toBe(true);
  expect(body.value.map((p) => [p.name, p.current])).toEqual([
    ['feature', 'impl'],
    ['docs', null],
  ]);
  expect((await fetch(`${ui.origin}/api/pipelines`)).status).toBe(403);

  await page.goto(ui.launchUrl);
  const feature = page.getByTestId('pipeline-feature');
  await expect(feature.getByTestId('pipeline-progress')).toHaveText('1/3 stages done');
  await expect(feature.getByTestId('pipeline-current')).toHaveText('stage impl');
  await expect(feature.getByTestId('pipeline-status')).toHaveText('running');
  const plan = feature.getByTestId('stage-plan');
  await expect(plan.getByTestId('stage-status')).toHaveText('succeeded');
  await expect(plan.getByTestId('stage-iterations')).toHaveText('1 iter.');
  await expect(plan.getByTestId('stage-time')).toHaveText('1m');
  await expect(feature.getByTestId('stage-review').getByTestId('stage-time')).toHaveText('–');
  const docs = page.getByTestId('pipeline-docs');
  await expect(docs.getByTestId('pipeline-status')).toHaveText('failed (stage check failed)');
  await expect(docs.getByTestId('stage-check')).toContainText('verify failed: 2 links are broken');
  await expect(docs.getByTestId('stage-check').getByTestId('stage-time')).toHaveText('15m');
  // Its loop's state is gone (no loops/docs-check-r2): named, but not a link that goes nowhere.
  await expect(docs.getByTestId('stage-check').getByTestId('stage-loop')).toHaveCount(0);
  await expect(docs.getByTestId('stage-check').getByTestId('stage-loop-gone')).toHaveText(
    'loop docs-check-r2',
  );
  // A done loop's group starts closed; the user's choice survives the 5 s refresh.
  await expect(page.getByTestId('loop-feature-plan')).not.toHaveAttribute('open', '');
  await page.screenshot({ path: join(ARTIFACTS, 'pipelines.png') });
  // Dark, at 800 px: the stage rows stay readable (the reason wraps instead of widening the page).
  await page.getByTestId('theme-toggle').click();
  await page.setViewportSize({ width: 800, height: 760 });
  await page.screenshot({ path: join(ARTIFACTS, 'pipelines-dark-800.png') });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(800);
  await page.getByTestId('theme-toggle').click();
  await page.setViewportSize({ width: 1280, height: 760 });

  // Stage -> its loop (opened and focused) -> the iteration's workcell.
  await plan.getByTestId('stage-loop').click();
  await expect(page.getByTestId('loop-feature-plan')).toHaveAttribute('open', '');
  await expect.poll(() => hasFocus(page.getByTestId('loop-feature-plan').locator('summary'))).toBe(true);
  // The loops' refresh rebuilds the groups: the focus stays where the link put it.
  await page.waitForResponse((r) => r.url().includes('/api/loops'));
  await page.waitForTimeout(200); // the render after that answer
  expect(await hasFocus(page.getByTestId('loop-feature-plan').locator('summary'))).toBe(true);
  await feature.getByTestId('stage-impl').getByTestId('stage-loop').click();
  const impl = page.getByTestId('loop-feature-impl');
  await expect.poll(() => hasFocus(impl.locator('summary'))).toBe(true);
  await expect(impl.getByTestId('loop-breaker')).toHaveText('breaker closed');
  await impl.getByTestId('loop-workcell').click();
  await expect(page.getByTestId('detail-name')).toHaveText('feature-impl-1');

  // The runner dies (its lock now names a dead process): the group says how to go on.
  writeFileSync(
    join(home.root, 'locks', 'pipeline.feature.json'),
    JSON.stringify({
      kind: 'pipeline',
      key: 'feature',
      pid: process.pid,
      startTime: 'another',
      host: hostname(),
    }),
  );
  await expect(feature.getByTestId('pipeline-status')).toHaveText(
    'running, but its runner is gone: workcell pipeline run --resume --name feature',
    { timeout: 15_000 },
  );
});
