// The desktop app's window flows that need no tray: the dashboard opens on launch and lists the
// workcells, the settings window opens and shows the shared settings.json, and a page cannot navigate
// away or open windows (DESIGN.md §5).
import { electronUnavailable, expect, test } from './electronApp.js';

test.describe('desktop app', () => {
  test.beforeAll(() => {
    const why = electronUnavailable();
    // One visible line, then every test in this file is skipped with the same reason.
    if (why) console.log(why);
    test.skip(why !== null, why ?? '');
  });

  test('the dashboard window opens on the bridge and lists workcells', async ({ home, app }) => {
    home.startFake('e2e-alpha', '--print', 'hello from the fake agent', '--sleep', '60000');
    const page = await app.firstWindow();
    await expect.poll(() => new URL(page.url()).hostname).toBe('127.0.0.1');
    await expect(page.getByTestId('list')).toContainText('e2e-alpha');
    expect(
      await page.evaluate(() => typeof (window as unknown as { workcellApp?: unknown }).workcellApp),
    ).toBe('object');
    expect(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe(
      'undefined',
    );
  });

  test('the settings window opens and shows the shared settings.json', async ({ home, app }) => {
    const page = await app.firstWindow();
    const opened = app.waitForEvent('window', (w) => w.url().endsWith('settings.html'));
    await page.evaluate(() =>
      (window as unknown as { workcellApp: { openSettings(): Promise<unknown> } }).workcellApp.openSettings(),
    );
    const settings = await opened;
    await expect(settings.getByTestId('settings-page')).toBeVisible();
    await expect(settings.getByTestId('settings-path')).toHaveText(`${home.root}/settings.json`);
    await expect(settings.getByTestId('idle-seconds')).toHaveValue(/^\d+$/);
  });

  test('a page can neither navigate away nor open a window', async ({ app }) => {
    const page = await app.firstWindow();
    await expect.poll(() => new URL(page.url()).hostname).toBe('127.0.0.1');
    const before = page.url();
    // file: and not https:, so a passing test opens nothing in the user's browser either.
    await page.evaluate(() => {
      window.open('file:///etc/passwd');
      location.href = 'file:///etc/passwd';
    });
    await expect.poll(() => page.url()).toBe(before);
    expect(app.windows().length).toBe(1);
  });
});
