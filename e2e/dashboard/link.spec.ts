// A notification's dashboard link (`http://127.0.0.1:PORT/#workcell=NAME`, no token) in real Chromium:
// a fresh tab borrows the token from an open dashboard tab (same origin, BroadcastChannel) and opens
// that workcell's detail; with no dashboard tab open it says to open the dashboard from `workcell ui`.
import { join } from 'node:path';
import { ARTIFACTS, expect, test } from './fixtures.js';

test('a notification link opens the workcell’s detail in a new tab', async ({ page, home, ui }) => {
  home.startFake('first', '--print', 'working', '--sleep', '60000');
  home.startFake('asker', '--print', 'Proceed? (y/n)', '--sleep', '60000');
  const link = `${ui.origin}/#workcell=asker`;

  // No dashboard tab yet: the link's tab cannot get a token, and says what to do.
  const lonely = await page.context().newPage();
  await lonely.goto(link);
  await expect(lonely.getByTestId('no-token')).toContainText('Open the dashboard from workcell ui first');
  await lonely.screenshot({ path: join(ARTIFACTS, 'link-no-token.png') });
  await lonely.close();

  await page.goto(ui.launchUrl);
  await expect(page.getByTestId('connection')).toHaveText('live');
  // sessionStorage is per tab: the new tab starts without the token, and borrows it.
  const fresh = await page.context().newPage();
  await fresh.goto(link);
  await expect(fresh.getByTestId('detail')).toBeVisible();
  await expect(fresh.getByTestId('detail-name')).toHaveText('asker');
  await expect(fresh.getByTestId('row-asker')).toHaveClass(/selected/);
  expect(new URL(fresh.url()).hash).toBe('');
  // The same tab follows a later link (hashchange), and a link with the token opens its detail too.
  await fresh.evaluate(() => (location.hash = '#workcell=first'));
  await expect(fresh.getByTestId('detail-name')).toHaveText('first');
  const handed = await page.context().newPage();
  await handed.goto(`${ui.printedUrl}&workcell=asker`);
  await expect(handed.getByTestId('detail-name')).toHaveText('asker');
  expect(new URL(handed.url()).hash).toBe('');
});

test('a page from another port cannot borrow the token', async ({ page, ui }) => {
  await page.goto(ui.launchUrl);
  await expect(page.getByTestId('connection')).toHaveText('live');
  // Same host, another port: another origin, so its BroadcastChannel is another channel.
  const other = await page.context().newPage();
  await other.route('http://127.0.0.1:1/**', (r) =>
    r.fulfill({ body: '<html></html>', contentType: 'text/html' }),
  );
  await other.goto('http://127.0.0.1:1/');
  const got = await other.evaluate(
    () =>
      new Promise<string | null>((resolve) => {
        const ch = new BroadcastChannel('workcell.token');
        ch.onmessage = (ev: MessageEvent<{ token?: string }>) => resolve(ev.data.token ?? null);
        ch.postMessage({ type: 'ask', id: 'x' });
        setTimeout(() => resolve(null), 1500);
      }),
  );
  expect(got).toBeNull();
  // The same request from the dashboard's own origin is answered, so the check above can fail.
  const same = await page.context().newPage();
  await same.route(`${ui.origin}/probe`, (r) =>
    r.fulfill({ body: '<html></html>', contentType: 'text/html' }),
  );
  await same.goto(`${ui.origin}/probe`);
  const answered = await same.evaluate(
    () =>
      new Promise<string | null>((resolve) => {
        const ch = new BroadcastChannel('workcell.token');
        ch.onmessage = (ev: MessageEvent<{ token?: string }>) => resolve(ev.data.token ?? null);
        ch.postMessage({ type: 'ask', id: 'y' });
        setTimeout(() => resolve(null), 1500);
      }),
  );
  expect(answered).toBe(ui.token);
});
