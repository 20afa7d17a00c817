// The dashboard against `workcell ui` and a real tmux server on a private socket.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, FAKE_AGENT, expect, test } from './fixtures.js';

test('lists the workcells of a real tmux server and updates live', async ({ page, home, ui }) => {
  home.startFake('alpha', '--print', 'compiling the world', '--sleep', '60000');
  await page.goto(ui.launchUrl);
  await expect(page).toHaveURL(`${ui.origin}/`); // handed over by the file, then out of the address bar
  const alpha = page.getByTestId('row-alpha');
  await expect(alpha).toHaveAttribute('data-state', 'running');
  await expect(alpha.getByTestId('last-line')).toHaveText('compiling the world');
  await expect(page.getByTestId('connection')).toHaveText('live');

  // Started after the page loaded: it must appear, then end, without a reload.
  home.startFake('beta', '--print', 'all tests pass', '--sleep', '300', '--exit', '0');
  await expect(page.getByTestId('row-beta')).toBeVisible();
  await expect
    .poll(() => page.getByTestId('row-beta').getAttribute('data-state'), { timeout: 15_000 })
    .toBe('done');
  home.startFake('gamma', '--print', 'segfault in parser', '--exit', '3');
  await expect
    .poll(() => page.getByTestId('row-gamma').getAttribute('data-state'), { timeout: 15_000 })
    .toBe('failed');
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png') });

  // Keyboard: j/k move, Enter opens the detail pane, Esc closes it.
  await page.keyboard.press('j');
  await page.keyboard.press('Enter');
  const detail = page.getByTestId('detail');
  await expect(detail).toBeVisible();
  await page.getByTestId('tab-events').click();
  await expect(page.getByTestId('timeline')).toBeVisible();
  await page.screenshot({ path: join(ARTIFACTS, 'detail.png') });
  await page.keyboard.press('Escape');
  await expect(detail).toBeHidden();
  await page.getByTestId('theme-toggle').click();
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-other-theme.png') });

  // Filters.
  await page.getByTestId('filter-state').selectOption('ended');
  await expect(page.getByTestId('row-alpha')).toBeHidden();
  await expect(page.getByTestId('row-gamma')).toBeVisible();
  await page.getByTestId('filter-state').selectOption('all');
  await page.getByTestId('filter-text').fill('parser');
  await expect(page.getByTestId('row-gamma')).toBeVisible();
  await expect(page.getByTestId('row-beta')).toBeHidden();
});

test('a peek shows the pane; typing in it changes nothing; take control does', async ({ page, home, ui }) => {
  home.startFake(
    'asker',
    '--print',
    'PEEK-MARKER ready',
    '--ask',
    'Proceed with the migration?',
    '--sleep',
    '60000',
  );
  await page.goto(ui.launchUrl);
  await page.getByTestId('row-asker').click();
  await page.keyboard.press('p');
  const term = page.getByTestId('peek-terminal');
  await expect(term).toContainText('PEEK-MARKER ready');
  await expect(term).toContainText('Proceed with the migration?');
  await expect(page.getByTestId('peek-mode')).toHaveText('READ-ONLY');
  await page.screenshot({ path: join(ARTIFACTS, 'peek.png') });
  mkdirSync('/tmp/shots-peek', { recursive: true });
  await page.screenshot({ path: '/tmp/shots-peek/peek.png' });

  await term.click();
  await page.keyboard.type('typed-into-the-peek');
  await page.keyboard.press('Enter');

  await page.getByTestId('take-control').click();
  await expect(page.getByTestId('peek-mode')).toContainText('CONTROL');
  await expect(term).toContainText('Proceed with the migration?'); // tmux redrew for the new client
  await term.click();
  await page.keyboard.type('yes-from-control');
  await page.keyboard.press('Enter');
  await expect.poll(() => home.capture('asker')).toContain('got: yes-from-control');
  // The agent reads ONE line: had the peek's keys reached the pane, they would have been that line.
  expect(home.capture('asker')).not.toContain('typed-into-the-peek');
  await expect(term).toContainText('got: yes-from-control');

  await page.keyboard.press('Escape'); // xterm has focus: Esc goes to the agent, not to the page
  await page.getByTestId('peek-close').click();
  await expect(page.getByTestId('peek')).toHaveCount(0);
  // Closing the peek kills its pty: no tmux client is left attached.
  await expect.poll(() => home.clients()).toEqual([]);
});

test('the new-workcell form launches one, and shows a core error next to the field', async ({
  page,
  home,
  ui,
}) => {
  await page.goto(ui.launchUrl);
  await page.getByTestId('new-workcell').click();
  await page.getByTestId('new-name').fill('Not A Name!');
  await page.getByTestId('new-repo').fill(home.repo);
  await page.getByTestId('new-agent').selectOption('command');
  await page
    .getByTestId('new-args')
    .fill([process.execPath, FAKE_AGENT, '--print', 'from the form', '--sleep', '60000'].join('\n'));
  await page.getByTestId('new-submit').click();
  await expect(page.getByTestId('error-name')).toContainText('invalid workcell name');
  await expect(page.getByTestId('new-name')).toHaveAttribute('aria-invalid', 'true');
  await page.screenshot({ path: join(ARTIFACTS, 'new-form-error.png') });

  await page.getByTestId('new-name').fill('formed');
  await page.getByTestId('new-submit').click();
  await expect(page.getByTestId('new-dialog')).toBeHidden();
  await expect(page.getByTestId('row-formed')).toBeVisible();
  await expect(page.getByTestId('row-formed').getByTestId('last-line')).toHaveText('from the form');
  expect(home.workcell('ls')).toContain('formed');
});

test('what makes the list untrustworthy is said above it: a broken settings.json, no supervisor', async ({
  page,
  home,
  ui,
}) => {
  home.startFake('steady', '--print', 'working', '--sleep', '60000');
  await page.goto(ui.launchUrl);
  await expect(page.getByTestId('row-steady')).toBeVisible();
  await expect(page.getByTestId('notice')).toHaveCount(0);
  writeFileSync(join(home.root, 'settings.json'), '{ "verifyAt": "turn", }\n');
  // Notices travel with the fleet frames, which are re-checked every 2 s (and on every change).
  await expect(page.getByTestId('notices')).toContainText("trailing ','", { timeout: 15_000 });
  home.workcell('daemon', 'stop');
  await expect(page.getByTestId('notices')).toContainText('No supervisor is watching', { timeout: 15_000 });
  await page.screenshot({ path: join(ARTIFACTS, 'dashboard-notices.png') });
});
