// The header's counts (issue 10): rate-limited workcells are "paused", counted on their own; before,
// two of them read "2 workcells · 0 waiting · 0 in trouble · 0 working", as if nothing was there.
// Real Chromium, `workcell ui`, fake agents on real tmux that print a usage limit.
import { join } from 'node:path';
import { ARTIFACTS, expect, test } from './fixtures.js';

const LIMIT = "You've hit your usage limit. Your limit resets in 2 hours.";

test('the header counts paused (rate-limited) workcells', async ({ page, home, ui }) => {
  home.startFake('limited-a', '--print', LIMIT, '--sleep', '120000');
  home.startFake('limited-b', '--print', LIMIT, '--sleep', '120000');
  await page.goto(ui.launchUrl);
  for (const name of ['limited-a', 'limited-b'])
    await expect(page.getByTestId(`row-${name}`).getByTestId('state')).toHaveAttribute(
      'data-glance',
      'rate_limited',
      { timeout: 20_000 },
    );
  await expect(page.getByTestId('counts')).toHaveText(
    '2 workcells · 0 waiting · 0 in trouble · 2 paused · 0 working',
  );
  await page.screenshot({ path: join(ARTIFACTS, 'paused-count.png') });
  // A third, working one: counted as working, the paused ones unchanged.
  home.startFake('builder', '--print', 'compiling', '--sleep', '120000');
  await expect(page.getByTestId('counts')).toHaveText(
    '3 workcells · 0 waiting · 0 in trouble · 2 paused · 1 working',
    { timeout: 20_000 },
  );
});
