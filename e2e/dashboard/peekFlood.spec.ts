// A peek of a pane that floods: the page stays usable while megabytes scroll through the pane, and the
// peek ends showing the end of the flood (tmux skips what a slow viewer cannot keep up with, then
// redraws; the bridge pauses the pty when the socket backs up).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from './fixtures.js';

const SHOTS = '/tmp/shots-peek';
const END = 'FLOOD-END-MARK';

test('a flooding pane: the peek stays responsive and ends on the end of the flood', async ({
  page,
  home,
  ui,
}) => {
  // Megabytes through tmux, the bridge and xterm on two shared cores: more than the default minute.
  test.setTimeout(180_000);
  mkdirSync(SHOTS, { recursive: true });
  home.startFake('flooder', '--ask', 'flood now?', '--flood', '8000000', '--print', END, '--sleep', '60000');
  home.startFake('quiet', '--print', 'nothing to see here', '--sleep', '60000');
  await page.goto(ui.launchUrl);
  await expect(page.getByTestId('row-flooder')).toBeVisible();
  await page.screenshot({ path: join(SHOTS, 'dashboard.png') });
  await page.getByTestId('row-flooder').click();
  await page.keyboard.press('p');
  const term = page.getByTestId('peek-terminal');
  await expect(term).toContainText('flood now?');
  await expect(page.getByTestId('peek-status')).toContainText('attached read-only');

  home.sendLine('flooder', 'go');
  // While the pane floods, the page answers: a search box takes typing and a round trip through the
  // page's event loop stays short (a page drowning in terminal writes would stall both).
  await expect.poll(() => home.capture('flooder')).not.toContain('flood now?');
  const search = page.getByTestId('peek-search');
  await search.fill('00000');
  await expect(search).toHaveValue('00000');
  const worstMs = await page.evaluate(async () => {
    let worst = 0;
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, 0));
      worst = Math.max(worst, performance.now() - t0);
      await new Promise((r) => setTimeout(r, 25));
    }
    return worst;
  });
  expect(worstMs).toBeLessThan(1_000);
  await page.getByTestId('theme-toggle').evaluate((b: HTMLButtonElement) => b.isConnected);

  await expect.poll(() => home.capture('flooder'), { timeout: 60_000 }).toContain(END);
  await expect(term).toContainText(END, { timeout: 30_000 });
  // The last numbered line of the flood is on screen, i.e. the peek shows the end, not a stale frame.
  const lastLine = home
    .capture('flooder')
    .split('\n')
    .filter((l) => /^\d{8} x+$/.test(l))
    .pop();
  expect(lastLine).toBeTruthy();
  await expect(term).toContainText(lastLine!.slice(0, 8));
  await expect(page.getByTestId('peek-mode')).toHaveText('READ-ONLY');
  await page.screenshot({ path: join(SHOTS, 'peek-after-flood.png') });

  await page.getByTestId('peek-close').click();
  await expect(page.getByTestId('peek')).toHaveCount(0);
  await expect(page.getByTestId('row-quiet')).toBeVisible(); // the dashboard is still there and live
  await expect.poll(() => home.clients()).toEqual([]);
});
