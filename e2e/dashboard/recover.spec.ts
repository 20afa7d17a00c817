// Issue 10/11 in the dashboard: a workcell parked on a usage limit offers "Resume now" and "Cancel
// wait", each behind a confirmation that names it, calling POST /api/workcells/:name/recover
// (main/core/bridge/recoveryApi.ts). A stale run carries its mark in the list. Real Chromium, real
// `workcell ui`, real tmux on a private socket, the fake agent printing a real limit banner.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, FAKE_AGENT, expect, test } from './fixtures.js';

const SHOTS = join(ARTIFACTS, 'recover');
// Two workcells start one after another on a shared two-core machine: room for that.
test.describe.configure({ timeout: 180_000 });
const BANNER = "You've hit your usage limit. Your limit resets in 2 hours.";

test('a parked workcell: Cancel wait and Resume now ask first, then act on that workcell only', async ({
  page,
  home,
  ui,
}) => {
  const start = (name: string) =>
    home.workcell(
      'start',
      name,
      '--repo',
      home.repo,
      '--agent',
      'command',
      '--recover',
      'auto',
      '--',
      process.execPath,
      FAKE_AGENT,
      '--print',
      BANNER,
      '--sleep',
      '120000',
    );
  start('limited');
  start('also-limited');
  await page.goto(ui.launchUrl);
  for (const n of ['limited', 'also-limited'])
    await expect(page.getByTestId(`row-${n}`)).toHaveAttribute('data-state', 'rate_limited', {
      timeout: 20_000,
    });
  await page.getByTestId('row-limited').dblclick();
  await expect(page.getByTestId('detail-name')).toHaveText('limited');
  // Policy auto: the supervisor has scheduled the resume at the reset, so the wait can be cancelled.
  await expect(page.getByTestId('action-recover-cancel')).toBeVisible({ timeout: 20_000 });
  await page.getByTestId('action-recover-cancel').click();
  await expect(page.getByTestId('confirm-recover-cancel')).toHaveText('Cancel the wait of limited');
  await page.screenshot({ path: join(SHOTS, 'confirm-cancel-wait.png') });
  await page.getByTestId('confirm-recover-cancel').click();
  await expect(page.getByTestId('action-msg')).toHaveText('the wait of limited is cancelled');
  await expect(page.getByTestId('action-recover-cancel')).toHaveCount(0, { timeout: 10_000 });
  const recovery = () =>
    JSON.parse(readFileSync(join(home.root, 'runs', 'limited', 'recovery.json'), 'utf8')) as {
      limit?: { state?: string };
    };
  expect(recovery().limit?.state).toBe('cancelled');
  const other = JSON.parse(
    readFileSync(join(home.root, 'runs', 'also-limited', 'recovery.json'), 'utf8'),
  ) as {
    limit?: { state?: string };
  };
  expect(other.limit?.state, 'the other workcell keeps its schedule').toBe('scheduled');

  // Resume now: asks, then types the continue turn into that agent (and no other).
  await page.getByTestId('action-recover-now').click();
  await expect(page.getByTestId('confirm-recover-now')).toHaveText('Resume limited now');
  await page.getByTestId('confirm-cancel').click();
  await expect(page.getByTestId('confirm')).toHaveCount(0);
  await page.getByTestId('action-recover-now').click();
  await page.getByTestId('confirm-recover-now').click();
  // The action answers once the repo snapshot and the continue turn are done: seconds on a loaded machine.
  await expect(page.getByTestId('action-msg')).toContainText(/resuming limited now|waiting|limit/, {
    timeout: 45_000,
  });
  await expect.poll(() => home.capture('limited'), { timeout: 15_000 }).toMatch(/usage limit has reset/i);
  expect(home.capture('also-limited')).not.toMatch(/usage limit has reset/i);
  await page.screenshot({ path: join(SHOTS, 'resumed-now.png') });
});
