// A stable dashboard URL (issue 10), in real Chromium: the tab stays live across a `workcell ui`
// restart, and after `--rotate-token` it shows "Token rotated" with what to do, not a bare "forbidden".
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ARTIFACTS, CLI, expect, test } from './fixtures.js';

async function startUi(
  env: NodeJS.ProcessEnv,
  ...extra: string[]
): Promise<{ url: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [CLI, 'ui', '--no-open', ...extra], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('http://'));
      if (line) resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`workcell ui exited ${code}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((r) => {
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

test('a restart keeps the tab working; a rotated token gets a clear page', async ({ page, home }) => {
  test.setTimeout(180_000); // three `workcell ui` starts on a shared 2-core machine
  home.startFake('steady', '--print', 'working', '--sleep', '60000');
  const first = await startUi(home.env);
  await page.goto(first.url);
  await expect(page.getByTestId('row-steady')).toBeVisible();
  await expect(page.getByTestId('connection')).toHaveText('live');
  await first.stop();
  await expect(page.getByTestId('connection')).toHaveText('reconnecting');

  const second = await startUi(home.env);
  expect(second.url).toBe(first.url);
  await expect(page.getByTestId('connection')).toHaveText('live', { timeout: 20_000 });
  await second.stop();

  const rotated = await startUi(home.env, '--rotate-token');
  expect(new URL(rotated.url).port).toBe(new URL(first.url).port);
  expect(rotated.url).not.toBe(first.url);
  await expect(page.getByTestId('access-denied')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('access-denied')).toContainText('Token rotated');
  await expect(page.getByTestId('access-denied')).toContainText('reopen it from `workcell ui`');
  await page.screenshot({ path: join(ARTIFACTS, 'token-rotated.png') });
  // The new URL works in a new tab.
  const fresh = await page.context().newPage();
  await fresh.goto(rotated.url);
  await expect(fresh.getByTestId('connection')).toHaveText('live');
  await rotated.stop();
});
