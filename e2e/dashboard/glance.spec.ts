// Issue 10, the glance and the detail: urgency order, "done · verify failed" as its own state, the
// needs-you count in the title and favicon, a detail pane that always shows the clicked row (50 quick
// clicks under live updates), Kill behind a confirmation that names the workcell, keys, and an 800 px
// layout. Real Chromium, real `workcell ui`, real tmux on a private socket.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { ARTIFACTS, FAKE_AGENT, expect, test, type Home } from './fixtures.js';

const SHOTS = join(ARTIFACTS, 'glance');

function gitInit(repo: string): void {
  const git = (...a: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...a], { cwd: repo, stdio: 'ignore' });
  git('init', '-q');
  execFileSync('sh', ['-c', 'printf "one\\ntwo\\nthree\\n" > notes.txt'], { cwd: repo });
  git('add', '.');
  git('commit', '-qm', 'start');
}

/** A mixed fleet: one of each urgency class that a fake agent can reach. */
function startFleet(home: Home): void {
  gitInit(home.repo);
  const node = process.execPath;
  const start = (name: string, verify: string | null, ...agent: string[]) =>
    home.workcell(
      'start',
      name,
      '--repo',
      home.repo,
      '--agent',
      'command',
      ...(verify ? ['--verify', verify] : []),
      '--',
      ...agent,
    );
  start('builder', null, node, FAKE_AGENT, '--print', 'compiling module 7 of 12', '--sleep', '120000');
  start(
    'claims-done',
    'echo "2 tests failed"; exit 1',
    node,
    FAKE_AGENT,
    '--print',
    'all done!',
    '--exit',
    '0',
  );
  start('crashed', null, node, FAKE_AGENT, '--print', 'panic: segfault in parser', '--exit', '3');
  start(
    'edits-notes',
    'true',
    'sh',
    '-c',
    'printf "one\\nTWO\\nthree\\nfour\\n" > notes.txt; echo "edited notes.txt"',
  );
  start(
    'limited',
    null,
    node,
    FAKE_AGENT,
    '--print',
    "You've hit your usage limit. Your limit resets in 2 hours.",
    '--sleep',
    '120000',
  );
  start(
    'fix-login',
    null,
    node,
    FAKE_AGENT,
    '--print',
    'Changed 3 files.',
    '--ask',
    'Apply the migration to prod? (y/n)',
    '--sleep',
    '120000',
  );
}

async function waitForFleet(page: Page): Promise<void> {
  const want: Record<string, string> = {
    builder: 'running',
    'claims-done': 'verify_failed',
    crashed: 'failed',
    'edits-notes': 'done',
    limited: 'rate_limited',
    'fix-login': 'waiting',
  };
  for (const [name, glance] of Object.entries(want))
    await expect(page.getByTestId(`row-${name}`).getByTestId('state'), name).toHaveAttribute(
      'data-glance',
      glance,
      {
        timeout: 20_000,
      },
    );
}

// Six workcells start one after another on a shared two-core machine: give the fleet specs room.
test.describe.configure({ timeout: 180_000 });

const rowOrder = (page: Page) =>
  page
    .getByTestId('list')
    .locator('tr[data-name]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')));

test('urgency order, the verify-failed state, "for", title and favicon; screenshots', async ({
  page,
  home,
  ui,
}) => {
  mkdirSync(SHOTS, { recursive: true });
  startFleet(home);
  await page.goto(ui.launchUrl);
  await waitForFleet(page);
  // waiting, then failed / verify failed (longest in state first), rate-limited, working, ended.
  const order = await rowOrder(page);
  expect(order[0]).toBe('fix-login');
  expect(new Set(order.slice(1, 3))).toEqual(new Set(['crashed', 'claims-done']));
  expect(order.slice(3)).toEqual(['limited', 'builder', 'edits-notes']);

  const claims = page.getByTestId('row-claims-done');
  await expect(claims.getByTestId('state')).toHaveText('!done · verify failed');
  await expect(claims.getByTestId('verify')).toHaveText('verify failed');
  await expect(page.getByTestId('row-edits-notes').getByTestId('verify')).toHaveText('verified');
  await expect(page.getByTestId('row-fix-login').getByTestId('since')).toHaveText(/^for \d+s$/);

  // A rate-limited row says when it goes on, in local and relative time ("resets in 2 hours").
  await expect(page.getByTestId('row-limited').getByTestId('paused-until')).toHaveText(
    /^paused until \d{1,2}:\d\d [ap]m \(in (1 h \d+ m|2 h)\)$/,
  );
  // 3 need you: waiting, failed, verify failed (rate-limited resumes on its own).
  await expect(page).toHaveTitle('(3) Session Supervisor');
  await expect(page.locator('link[rel="icon"]')).toHaveAttribute('data-count', '3');

  await page.getByTestId('filter-state').selectOption('verify_failed');
  await expect(page.getByTestId('list').locator('tr[data-name]')).toHaveCount(1);
  await page.getByTestId('filter-state').selectOption('attention');
  expect(await rowOrder(page)).toEqual(
    expect.arrayContaining(['fix-login', 'crashed', 'claims-done', 'limited']),
  );
  expect(await rowOrder(page)).toHaveLength(4);
  await page.getByTestId('filter-state').selectOption('all');

  // `ls` says the same words.
  const ls = home.workcell('ls');
  expect(ls).toMatch(/done · verify failed/);
  expect(ls.split('\n')[1]).toMatch(/fix-login/);
  expect(ls).not.toMatch(/\x1b\[/); // eslint-disable-line no-control-regex -- piped: no colour

  await page.getByTestId('theme-toggle').click();
  const dark = (await page.evaluate(() => document.documentElement.dataset.theme)) === 'dark';
  if (!dark) await page.getByTestId('theme-toggle').click();
  await page.screenshot({ path: join(SHOTS, 'list-dark.png') });
  await page.getByTestId('theme-toggle').click();
  await page.screenshot({ path: join(SHOTS, 'list-light.png') });

  // The detail opens on what matters: the question, the verify output, the log, the diff.
  await page.keyboard.press('w');
  await expect(page.getByTestId('detail-name')).toHaveText('fix-login');
  await expect(page.getByTestId('question')).toContainText('Apply the migration to prod? (y/n)');
  await expect(page.getByTestId('state-times')).toBeVisible();
  await expect(page.getByTestId('state-times')).toContainText('waiting for you');
  await expect(page.locator('#reply-slot')).toHaveCount(1);
  await expect(page.getByTestId('reply-box')).toBeVisible();
  await page.screenshot({ path: join(SHOTS, 'detail-waiting.png') });
  await page.getByTestId('row-claims-done').click();
  await expect(page.getByTestId('verify-head')).toHaveText('verify failed');
  await expect(page.getByTestId('tab-body-verify')).toContainText('2 tests failed');
  await page.getByTestId('row-crashed').click();
  await expect(page.getByTestId('log-text')).toContainText('panic: segfault in parser');
  await page.getByTestId('log-search').fill('segfault');
  await expect(page.getByTestId('log-matches')).toHaveText('1 match');
  await page.getByTestId('row-edits-notes').click();
  await expect(page.getByTestId('diff-head')).toContainText('1 file');
  await expect(page.getByTestId('diff-file')).toContainText('+TWO');
  await page.screenshot({ path: join(SHOTS, 'detail-diff.png') });

  // Group by repo (one repo here: one group row), and the ? overlay.
  await page.keyboard.press('g');
  await expect(page.getByTestId('group-row')).toHaveCount(1);
  await page.keyboard.press('?');
  await expect(page.getByTestId('keys-overlay')).toBeVisible();
  await expect(page.getByTestId('keys-overlay')).toContainText('jump to the next workcell waiting for you');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('keys-overlay')).toBeHidden();
});

test('Kill asks first, names the workcell, and kills only that one', async ({ page, home, ui }) => {
  home.startFake('keep-me', '--print', 'working', '--sleep', '120000');
  home.startFake('stop-me', '--print', 'working', '--sleep', '120000');
  await page.goto(ui.launchUrl);
  await page.getByTestId('row-stop-me').dblclick();
  await expect(page.getByTestId('detail-name')).toHaveText('stop-me');
  await page.getByTestId('action-kill').click();
  await expect(page.getByTestId('confirm-kill')).toHaveText('Kill stop-me');
  await page.getByTestId('confirm-cancel').click();
  await expect(page.getByTestId('confirm')).toHaveCount(0);
  await expect(page.getByTestId('row-stop-me')).toHaveAttribute('data-state', 'running');
  await page.getByTestId('action-kill').click();
  // Another row is clicked while the confirmation is open: it must not carry over to that workcell.
  await page.getByTestId('row-keep-me').click();
  await expect(page.getByTestId('detail-name')).toHaveText('keep-me');
  await expect(page.getByTestId('confirm')).toHaveCount(0);
  await page.getByTestId('row-stop-me').click();
  await page.getByTestId('action-kill').click();
  await page.getByTestId('confirm-kill').click();
  await expect(page.getByTestId('row-stop-me')).toHaveAttribute('data-state', 'killed', { timeout: 15_000 });
  await expect(page.getByTestId('row-keep-me')).toHaveAttribute('data-state', 'running');
});

test('the detail always shows the clicked row: 50 quick clicks under live updates', async ({
  page,
  home,
  ui,
}) => {
  const names = Array.from({ length: 7 }, (_, i) => `w${i}`);
  for (const n of names.slice(0, 6)) home.startFake(n, '--print', `row ${n}`, '--sleep', '600000');
  // A chatty one keeps fleet frames (and detail refreshes) coming during the clicks.
  for (const n of names.slice(6))
    home.workcell(
      'start',
      n,
      '--repo',
      home.repo,
      '--agent',
      'command',
      '--',
      'sh',
      '-c',
      'i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.3; done',
    );
  await page.goto(ui.launchUrl);
  for (const n of names) await expect(page.getByTestId(`row-${n}`)).toBeVisible({ timeout: 20_000 });
  await page.getByTestId('row-w0').dblclick();
  // Every change of the shown workcell, with the row clicked last at that moment.
  await page.evaluate(() => {
    const w = window as unknown as { __seen: [string | null, string | null][]; __clicked: string | null };
    w.__seen = [];
    w.__clicked = null;
    const detail = document.querySelector('[data-testid="detail"]')!;
    new MutationObserver(() => {
      const shown = detail.querySelector('[data-testid="detail-name"]')?.textContent ?? null;
      const last = w.__seen.at(-1);
      if (!last || last[1] !== shown) w.__seen.push([w.__clicked, shown]);
    }).observe(detail, { subtree: true, childList: true, characterData: true });
  });
  // A fixed pseudo-random order (no Math.random: the run is repeatable), clicked from inside the page
  // 10-40 ms apart: quicker than any answer from the bridge, so answers arrive out of order.
  const clicks = Array.from({ length: 50 }, (_, i) => names[(i * 3 + (i >> 1)) % names.length]!);
  const immediate = await page.evaluate(async (order) => {
    const w = window as unknown as { __clicked: string | null };
    const bad: string[] = [];
    for (const [i, n] of order.entries()) {
      w.__clicked = n;
      document.querySelector<HTMLElement>(`[data-testid="row-${n}"]`)!.click();
      // The header switches at once: never the previous workcell, not even for a moment.
      const shown = document.querySelector('[data-testid="detail-name"]')?.textContent;
      if (shown !== n) bad.push(`${n} showed ${shown}`);
      await new Promise((r) => setTimeout(r, 10 + (i % 4) * 10));
    }
    return bad;
  }, clicks);
  expect(immediate).toEqual([]);
  const last = clicks.at(-1)!;
  // The bridge still answers the 49 abandoned requests first (it cannot cancel them): allow for that
  // on a loaded two-core machine.
  await expect(page.getByTestId('detail')).not.toHaveAttribute('aria-busy', 'true', { timeout: 45_000 });
  // Live updates keep arriving; the pane stays on the last click and shows its row's state.
  await expect(page.getByTestId('detail-state')).toHaveAttribute(
    'data-glance',
    (await page.getByTestId(`row-${last}`).getByTestId('state').getAttribute('data-glance'))!,
  );
  await expect(page.getByTestId('detail-name')).toHaveText(last);
  const seen = await page.evaluate(() => (window as unknown as { __seen: [string, string][] }).__seen);
  const wrong = seen.filter(([clicked, shown]) => clicked !== null && clicked !== shown);
  expect(wrong, 'a detail that did not match the clicked row').toEqual([]);
  expect(seen.length).toBeGreaterThanOrEqual(40);
  // The Kill button belongs to the shown workcell.
  await page.getByTestId('action-kill').click();
  await expect(page.getByTestId('confirm-kill')).toHaveText(`Kill ${last}`);
});

test('Resume asks first, names the workcell, and resumes only that one', async ({ page, home, ui }) => {
  home.startFake('back-again', '--print', 'working', '--sleep', '120000');
  home.startFake('stays-down', '--print', 'working', '--sleep', '120000');
  home.workcell('kill', 'back-again');
  home.workcell('kill', 'stays-down');
  await page.goto(ui.launchUrl);
  await expect(page.getByTestId('row-back-again')).toHaveAttribute('data-state', 'killed');
  await page.getByTestId('row-back-again').dblclick();
  await expect(page.getByTestId('detail-name')).toHaveText('back-again');
  await page.getByTestId('action-resume').click();
  await expect(page.getByTestId('confirm-resume')).toHaveText('Resume back-again');
  await page.getByTestId('confirm-cancel').click();
  await expect(page.getByTestId('confirm')).toHaveCount(0);
  await expect(page.getByTestId('row-back-again')).toHaveAttribute('data-state', 'killed');
  // Another row is clicked while the confirmation is open: it must not carry over to that workcell.
  await page.getByTestId('action-resume').click();
  await page.getByTestId('row-stays-down').click();
  await expect(page.getByTestId('detail-name')).toHaveText('stays-down');
  await expect(page.getByTestId('confirm')).toHaveCount(0);
  await page.getByTestId('row-back-again').click();
  await page.getByTestId('action-resume').click();
  await page.getByTestId('confirm-resume').click();
  await expect(page.getByTestId('row-back-again')).toHaveAttribute('data-state', 'running', {
    timeout: 15_000,
  });
  await expect(page.getByTestId('row-stays-down')).toHaveAttribute('data-state', 'killed');
});

test('800 px: the header and the list fit, the detail opens beside them', async ({ page, home, ui }) => {
  mkdirSync(SHOTS, { recursive: true });
  await page.setViewportSize({ width: 800, height: 600 });
  startFleet(home);
  await page.goto(ui.launchUrl);
  await waitForFleet(page);
  const overflow = () =>
    page.evaluate(() => {
      const top = document.querySelector('.topbar')!;
      return {
        page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        header: top.scrollWidth - top.clientWidth,
        headerRight: Math.max(...[...top.children].map((c) => c.getBoundingClientRect().right)),
      };
    });
  let o = await overflow();
  expect(o.page).toBeLessThanOrEqual(0);
  expect(o.header).toBeLessThanOrEqual(0);
  expect(o.headerRight).toBeLessThanOrEqual(800);
  await page.getByTestId('row-claims-done').dblclick();
  await expect(page.getByTestId('verify-head')).toBeVisible();
  o = await overflow();
  expect(o.page).toBeLessThanOrEqual(0);
  expect(o.header).toBeLessThanOrEqual(0);
  await expect(page.getByTestId('settings-link')).toBeVisible();
  await expect(page.getByTestId('action-kill')).toBeInViewport();
  // The longest state with its time is not cut; the last line gives way to the detail.
  const state = page.getByTestId('row-claims-done').locator('td.col-state');
  await expect(state).toContainText('done · verify failed');
  await expect(state).toContainText('for');
  expect(await state.evaluate((td) => td.scrollWidth - td.clientWidth)).toBeLessThanOrEqual(0);
  await expect(page.locator('th.col-last')).toBeHidden();
  await page.screenshot({ path: join(SHOTS, 'narrow-800.png') });
});
