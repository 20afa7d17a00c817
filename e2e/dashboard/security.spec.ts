// Refused bridge requests, as a browser and a script would make them.
import { request as http } from 'node:http';
import { expect, test } from './fixtures.js';

function rawGet(origin: string, path: string, headers: Record<string, string>): Promise<number> {
  const u = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = http({ host: u.hostname, port: u.port, path, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

test('refuses API calls without the token, with a wrong Host, or from a foreign Origin', async ({
  ui,
  playwright,
}) => {
  const anon = await playwright.request.newContext();
  // The page is public (it holds no data); everything that does needs the token, never from a query.
  expect((await anon.get(`${ui.origin}/`)).status()).toBe(200);
  expect((await anon.get(`${ui.origin}/api/workcells`)).status()).toBe(403);
  expect((await anon.get(`${ui.origin}/api/workcells?token=${ui.token}`)).status()).toBe(403);
  const auth = { Authorization: `Bearer ${ui.token}` };
  expect((await anon.get(`${ui.origin}/api/workcells`, { headers: auth })).status()).toBe(200);
  expect(
    (
      await anon.post(`${ui.origin}/api/workcells/x/kill`, {
        headers: { ...auth, Origin: 'http://evil.example' },
      })
    ).status(),
  ).toBe(403);
  // DNS rebinding: the right token cannot help a request that arrives under another Host.
  const port = new URL(ui.origin).port;
  expect(await rawGet(ui.origin, '/api/workcells', { ...auth, Host: `evil.example:${port}` })).toBe(403);
  expect(await rawGet(ui.origin, '/api/workcells', { ...auth, Host: `localhost:${port}` })).toBe(403);
  expect(await rawGet(ui.origin, '/', { Host: `evil.example:${port}` })).toBe(403);
  await anon.dispose();
});

test('a foreign page cannot open the bridge WebSocket, even with the token', async ({ page, ui }) => {
  // A page on another origin (served by Playwright's router, no network) tries what a hostile site would.
  await page.route('http://evil.test/', (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>evil</title>' }),
  );
  await page.goto('http://evil.test/');
  const outcome = (withToken: boolean) =>
    page.evaluate(
      ([url, token, withToken]) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(url!, withToken ? ['workcell.v1', `workcell.token.${token}`] : []);
          ws.onopen = () => resolve('open');
          ws.onerror = () => resolve('refused');
        }),
      [`${ui.origin.replace('http', 'ws')}/events`, ui.token, withToken] as const,
    );
  expect(await outcome(false)).toBe('refused');
  expect(await outcome(true)).toBe('refused');
});
