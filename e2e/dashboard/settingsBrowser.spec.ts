// The settings page in a plain browser (issue 10), real Chromium against `workcell ui`: it opens from
// the dashboard's ⚙ in a new tab (which borrows the token), shows settings.json with every secret as
// where it lives and never its value, and saves validated edits back to the same file.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, expect, test } from './fixtures.js';

const INLINE = 'https://hooks.example.test/T0/B0/INLINE-SECRET-4711';

test('settings in a browser: secrets as references, edits saved through the schema', async ({
  page,
  home,
  ui,
}) => {
  const file = join(home.root, 'settings.json');
  writeFileSync(
    file,
    JSON.stringify({
      notifiers: [
        { type: 'slack', name: 'team', on: ['failed'], url: { env: 'SLACK_HOOK' } },
        { type: 'webhook', on: ['waiting'], url: INLINE },
        { type: 'telegram', on: ['done'], token: { file: '/home/u/.tg-token' }, chatId: '42' },
      ],
      thresholds: { idleSeconds: 30, stallSeconds: 300 },
    }),
    { mode: 0o600 },
  );
  // The API itself: sources only, never a value.
  const got = await fetch(`${ui.origin}/api/settings`, { headers: { Authorization: `Bearer ${ui.token}` } });
  const text = await got.text();
  expect(got.status).toBe(200);
  expect(text).not.toContain('INLINE-SECRET');
  expect(text).toContain('env SLACK_HOOK');
  expect(text).toContain('file /home/u/.tg-token');
  // Without the token: refused like every /api route.
  expect((await fetch(`${ui.origin}/api/settings`)).status).toBe(403);

  await page.goto(ui.launchUrl);
  await expect(page.getByTestId('connection')).toHaveText('live');
  const [settings] = await Promise.all([
    page.context().waitForEvent('page'),
    page.getByTestId('settings-link').click(),
  ]);
  await expect(settings.getByTestId('settings-path')).toHaveText(file);
  await expect(settings.getByTestId('idle-seconds')).toHaveValue('30');
  await expect(settings.getByTestId('notifier-secret-0')).toHaveAttribute(
    'placeholder',
    'stored (env SLACK_HOOK); type to replace',
  );
  await expect(settings.getByTestId('notifier-secret-1')).toHaveAttribute(
    'placeholder',
    'stored (inline in settings.json); type to replace',
  );
  await expect(settings.getByTestId('secrets-warning')).toContainText('env:NAME');
  await expect(settings.getByTestId('launch-at-login')).toBeHidden();
  expect(await settings.content()).not.toContain('INLINE-SECRET');
  await settings.screenshot({ path: join(ARTIFACTS, 'settings-browser.png'), fullPage: true });

  // A secret's value is refused; a reference is saved; other edits go through the schema.
  await settings.getByTestId('idle-seconds').fill('42');
  await settings.getByTestId('notifier-secret-0').fill('https://hooks.slack.com/services/X');
  await settings.getByTestId('save-settings').click();
  await expect(settings.getByTestId('settings-status')).toContainText('not sent from a browser');
  expect(JSON.parse(readFileSync(file, 'utf8')).thresholds.idleSeconds).toBe(30);
  await settings.getByTestId('notifier-secret-0').fill('env:TEAM_HOOK');
  await settings.getByTestId('save-settings').click();
  await expect(settings.getByTestId('settings-status')).toHaveText('Saved.');
  const saved = JSON.parse(readFileSync(file, 'utf8'));
  expect(saved.thresholds.idleSeconds).toBe(42);
  expect(saved.notifiers[0].url).toEqual({ env: 'TEAM_HOOK' });
  expect(saved.notifiers[1].url).toBe(INLINE); // kept, though the page never saw it
  expect(saved.notifiers[2].token).toEqual({ file: '/home/u/.tg-token' });
  // The schema answers for what the model does not check.
  await settings.getByTestId('idle-seconds').fill('-1');
  await settings.getByTestId('save-settings').click();
  await expect(settings.getByTestId('settings-status')).toContainText('positive');
});
