// How the token reaches the browser (issue 8, S1 and S2), in real Chromium against `workcell ui`:
// never through an argv (other local users read /proc/PID/cmdline), and never in a cookie (cookies are
// not scoped by port, so an agent's dev server on 127.0.0.1:3000 would receive it).
import { statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect, test } from './fixtures.js';

test('the opener gets a 0600 hand-over file, not the token; the file opens the dashboard', async ({
  page,
  ui,
}) => {
  expect(ui.token.length).toBeGreaterThanOrEqual(40);
  expect(ui.openerArgv.join(' ')).not.toContain(ui.token);
  expect(ui.launchUrl).toMatch(/^file:\/\//);
  expect(statSync(fileURLToPath(ui.launchUrl)).mode & 0o777).toBe(0o600);

  await page.goto(ui.launchUrl);
  await expect(page).toHaveURL(`${ui.origin}/`); // the token left the address bar
  await expect(page.getByTestId('connection')).toHaveText('live');
  // A reload keeps the tab's token (sessionStorage) without any cookie.
  await page.reload();
  await expect(page.getByTestId('connection')).toHaveText('live');
  expect(await page.context().cookies()).toEqual([]);
});

test('another server on 127.0.0.1 receives no workcell token', async ({ page, ui }) => {
  const seen: IncomingHttpHeaders[] = [];
  const other = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>dev server</title><img src="/pixel.png">');
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  try {
    await page.goto(ui.launchUrl);
    await expect(page.getByTestId('connection')).toHaveText('live');
    // The probe's own power: a cookie set on the dashboard's origin DOES reach the other port, so a
    // token cookie would have been caught.
    await page.evaluate(() => (document.cookie = 'probe=1; path=/'));
    await page.goto(`${otherUrl}/`);
    await expect.poll(() => seen.length).toBeGreaterThanOrEqual(2); // the page and its image
    const all = JSON.stringify(seen);
    expect(seen[0]!.cookie ?? '').toContain('probe=1');
    expect(all).not.toContain(ui.token);
    expect(all).not.toContain('workcell');
  } finally {
    await new Promise((r) => other.close(r));
  }
});
