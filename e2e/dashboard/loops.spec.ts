// Loops in the dashboard (issue 13), real Chromium against `workcell ui`: a loop's state file, as the
// loop runner writes it, shows as a group with items done / total, the iteration, the breaker; an
// item links to its iteration's workcell (a real one on real tmux).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newLoopState } from '../../dist/main/core/loop/loopState.js';
import { parsePrd } from '../../dist/main/core/loop/prd.js';
import { ARTIFACTS, expect, test } from './fixtures.js';

const PRD =
  '# PRD\n\n## Tasks\n\n- [ ] add the login form\n- [ ] hash passwords\n- [ ] rate-limit attempts\n';

test('a loop shows as a group with progress, breaker and links to its workcells', async ({
  page,
  home,
  ui,
}) => {
  home.startFake('ralph-2', '--print', 'hashing passwords', '--sleep', '120000');
  const prdFile = join(home.repo, 'PRD.md');
  writeFileSync(prdFile, PRD);
  const [a, b] = parsePrd(PRD);
  const s = newLoopState(
    {
      name: 'ralph',
      repo: home.repo,
      agent: 'command',
      args: [],
      prd: prdFile,
      verify: null,
      max: 10,
      retryCap: 3,
      timeoutMs: 3_600_000,
      headless: false,
    },
    new Date('2026-11-30T12:00:00.000Z'),
  );
  s.status = 'breaker_open';
  s.iteration = 2;
  s.items[a!.key] = { text: a!.text, attempts: 1, outcome: 'succeeded', reason: null };
  s.items[b!.key] = { text: b!.text, attempts: 3, outcome: 'failed', reason: 'verify failed' };
  s.iterations.push({ n: 1, item: a!.key, itemText: a!.text, workcell: 'ralph-1' } as never);
  s.current = {
    item: b!.key,
    itemText: b!.text,
    workcell: 'ralph-2',
    startedAt: s.createdAt,
    tree: null,
    head: null,
  };
  s.breaker = {
    open: true,
    reason: '3 iterations without progress',
    noProgress: 3,
    sameError: 0,
    lastError: null,
  };
  mkdirSync(join(home.root, 'loops', 'ralph'), { recursive: true });
  writeFileSync(join(home.root, 'loops', 'ralph', 'state.json'), JSON.stringify(s));

  // The route, then the page.
  const r = await fetch(`${ui.origin}/api/loops`, { headers: { Authorization: `Bearer ${ui.token}` } });
  const body = (await r.json()) as { ok: boolean; value: { done: number; total: number }[] };
  expect(body.ok).toBe(true);
  expect(body.value[0]).toMatchObject({ done: 1, total: 3 });
  expect((await fetch(`${ui.origin}/api/loops`)).status).toBe(403);

  await page.goto(ui.launchUrl);
  const loop = page.getByTestId('loop-ralph');
  await expect(loop.getByTestId('loop-progress')).toHaveText('1/3 items done');
  await expect(loop.getByTestId('loop-iteration')).toHaveText('iteration 2 of 10');
  await expect(loop.getByTestId('loop-status')).toHaveText(
    'breaker open: waiting for you (3 iterations without progress)',
  );
  await expect(loop.getByTestId(`loop-item-${a!.key}`)).toContainText('succeeded');
  await expect(loop.getByTestId(`loop-item-${b!.key}`)).toContainText('3 tries');
  await page.screenshot({ path: join(ARTIFACTS, 'loops.png') });
  await loop.getByTestId(`loop-item-${b!.key}`).getByTestId('loop-workcell').click();
  await expect(page.getByTestId('detail-name')).toHaveText('ralph-2');
});
