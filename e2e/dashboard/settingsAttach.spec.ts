// The settings page's Attach prefix field (settings.json "attachPrefix", main/core/attachKeys.ts), in a
// browser against `workcell ui`: shown from the file, a key that is not a tmux prefix is refused with
// what to type (in the page's status line and on the field itself) and the file is left alone;
// a good key is saved; an empty field removes it (back to C-b). The refusal is also on the field.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, expect, test } from './fixtures.js';

test('attach prefix: shown, validated, saved and cleared', async ({ page, home, ui }) => {
  const file = join(home.root, 'settings.json');
  writeFileSync(file, JSON.stringify({ attachPrefix: 'M-b' }), { mode: 0o600 });
  const read = () => JSON.parse(readFileSync(file, 'utf8')) as { attachPrefix?: string };

  await page.goto(ui.launchUrl);
  await expect(page.getByTestId('connection')).toHaveText('live');
  const [settings] = await Promise.all([
    page.context().waitForEvent('page'),
    page.getByTestId('settings-link').click(),
  ]);
  const field = settings.getByTestId('attach-prefix');
  await expect(field).toHaveValue('M-b');

  await field.fill('ctrl-a');
  await settings.getByTestId('save-settings').click();
  const status = settings.getByTestId('settings-status');
  await expect(status).toContainText('attach prefix: "ctrl-a" is not a tmux prefix key');
  await expect(status).toHaveClass('error');
  expect(read().attachPrefix).toBe('M-b');
  // On the field too (far down the page from the status line), and gone once the user types.
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  await expect(settings.getByTestId('attach-prefix-error')).toContainText('is not a tmux prefix key');
  // What the user sees: the window scrolled to the end (a full-page capture draws the fixed footer
  // over the middle of the page).
  await settings.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await settings.screenshot({ path: join(ARTIFACTS, 'settings-attach-prefix.png') });

  await field.fill('C-a');
  await expect(settings.getByTestId('attach-prefix-error')).toBeHidden();
  await expect(field).not.toHaveAttribute('aria-invalid', 'true');
  await settings.getByTestId('save-settings').click();
  await expect(status).toHaveText('Saved.');
  expect(read().attachPrefix).toBe('C-a');
  await settings.reload();
  await expect(settings.getByTestId('attach-prefix')).toHaveValue('C-a');

  await settings.getByTestId('attach-prefix').fill('');
  await settings.getByTestId('save-settings').click();
  await expect(settings.getByTestId('settings-status')).toHaveText('Saved.');
  expect('attachPrefix' in read()).toBe(false);
});
