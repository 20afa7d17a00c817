// The settings page itself, in Debian's Chromium with a stub of the preload API, so its form logic is
// tested on machines without an Electron binary too. The stub records what the page saves.
import { chromium, expect, test, type Browser } from '@playwright/test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SettingsPatch, SettingsView } from '../../main/common/ipc.js';
import { CHROMIUM, findTool, skipUnlessTools } from '../../main/core/testing/tools.js';
import { ROOT } from './electronApp.js';

const PAGE = join(ROOT, 'dist', 'renderer', 'settings.html');

const view: SettingsView = {
  path: '/home/u/.workcells/settings.json',
  notifiers: [
    { type: 'desktop', on: ['done', 'failed'], fields: {}, secretSet: false, secretSource: '' },
    {
      type: 'slack',
      on: ['failed'],
      fields: { name: 'team' },
      secretSet: true,
      secretSource: 'app keychain',
    },
  ],
  thresholds: { idleSeconds: 30, stallSeconds: 300 },
  terminalArgv: [],
  terminalPresets: [{ label: 'kitty', argv: ['kitty', '{cmd}'] }],
  terminalPreview: 'the first terminal found (see presets)',
  launchAtLogin: false,
  secretsWarning: 'Secrets cannot be stored safely here: no OS keyring was found.',
  loadError: null,
};

let browser: Browser;
test.beforeAll(async () => {
  // A missing Chromium is reported once, by playwright.config.ts.
  const noPage = existsSync(PAGE) ? null : `settings page spec skipped: ${PAGE} not found`;
  if (noPage) console.log(noPage);
  const why = skipUnlessTools('Chromium specs', [CHROMIUM]) ?? noPage;
  test.skip(why !== null, why ?? '');
  browser = await chromium.launch({
    executablePath: findTool(CHROMIUM)!,
    args: ['--no-sandbox', '--disable-gpu'],
  });
});
test.afterAll(async () => browser?.close());

test('shows settings, the keyring warning, and saves the edited form as a patch', async () => {
  const page = await browser.newPage();
  await page.addInitScript((v) => {
    const saved: unknown[] = [];
    (window as unknown as Record<string, unknown>).__saved = saved;
    (window as unknown as Record<string, unknown>).workcellApp = {
      isElectron: true,
      getSettings: async () => v,
      saveSettings: async (patch: unknown) => {
        saved.push(patch);
        return {
          ok: false,
          error: { code: 'BAD_SETTINGS', message: 'notifier 3 (telegram): needs a chat id' },
        };
      },
    };
  }, view);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(PAGE).href);

  await expect(page.getByTestId('settings-path')).toHaveText(view.path);
  await expect(page.getByTestId('secrets-warning')).toHaveText(/no OS keyring/);
  await expect(page.getByTestId('notifier-1')).toBeVisible();
  await expect(page.getByTestId('notifier-secret-1')).toHaveAttribute(
    'placeholder',
    /stored \(app keychain\)/,
  );

  await page.getByTestId('idle-seconds').fill('45');
  await page.getByTestId('terminal-preset').selectOption({ label: 'kitty' });
  await page.getByTestId('launch-at-login').check();
  await page.getByTestId('add-notifier').click();
  await page.getByTestId('notifier-type-2').selectOption('telegram');
  await page.getByTestId('notifier-secret-2').fill('123:abc');
  await page.getByTestId('save-settings').click();

  await expect(page.getByTestId('settings-status')).toHaveText('notifier 3 (telegram): needs a chat id');
  const saved = (await page.evaluate(
    () => (window as unknown as { __saved: unknown[] }).__saved,
  )) as SettingsPatch[];
  expect(saved).toHaveLength(1);
  const patch = saved[0]!;
  expect(patch.thresholds).toEqual({ idleSeconds: 45, stallSeconds: 300 });
  expect(patch.terminalArgv).toEqual(['kitty', '{cmd}']);
  expect(patch.launchAtLogin).toBe(true);
  expect(patch.notifiers?.map((n) => n.type)).toEqual(['desktop', 'slack', 'telegram']);
  expect(patch.notifiers?.[1]).toEqual({ type: 'slack', on: ['failed'], fields: { name: 'team' } });
  expect(patch.notifiers?.[2]?.secret).toBe('123:abc');
  expect(errors).toEqual([]);
});
