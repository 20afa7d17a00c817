// Reply without attaching (issue 10), in real Chromium against `workcell ui` and real tmux: the quick
// answers come from the agent's own screen, and what is typed in the box arrives in the agent exactly.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACTS, expect, test } from './fixtures.js';

const HOSTILE = `it's "quoted" $(touch /tmp/pwned-e2e) \`id\` ; -x ${'é😀'} ends;`;

test('the reply box offers the agent’s choices and sends typed text exactly', async ({ page, home, ui }) => {
  const got1 = join(home.root, 'one.got');
  const got2 = join(home.root, 'two.got');
  home.startFake(
    'asker',
    '--print',
    'Do you want to proceed?\n  1. Yes\n  2. No',
    '--read-raw',
    got1,
    '--read-raw',
    got2,
    '--sleep',
    '60000',
  );
  await expect.poll(() => home.capture('asker')).toContain('ready>');
  await page.goto(ui.launchUrl);
  await page.getByTestId('row-asker').dblclick();
  const box = page.getByTestId('reply-box');
  await expect(box).toBeVisible();
  await expect(page.getByTestId('reply-key-1')).toHaveText('1 · Yes');
  await expect(page.getByTestId('reply-key-2')).toHaveText('2 · No');
  await expect(page.getByTestId('reply-question')).toHaveText('Do you want to proceed?');
  await page.screenshot({ path: join(ARTIFACTS, 'reply-box.png') });

  // A quick answer, then Enter: the agent reads "1".
  await page.getByTestId('reply-key-1').click();
  await expect(page.getByTestId('reply-msg')).toHaveText('Sent Yes.');
  await page.getByTestId('reply-key-Enter').click();
  await expect.poll(() => existsSync(got1) && JSON.parse(readFileSync(got1, 'utf8'))).toBe('1');

  // Typed text with quotes, $(), backticks, ; and a leading dash arrives exactly, then Enter.
  await page.getByTestId('reply-text').fill(HOSTILE);
  await page.getByTestId('reply-send').click();
  await expect(page.getByTestId('reply-msg')).toHaveText(`Sent ${[...HOSTILE].length} characters.`);
  await expect.poll(() => existsSync(got2) && JSON.parse(readFileSync(got2, 'utf8'))).toBe(HOSTILE);
  expect(existsSync('/tmp/pwned-e2e')).toBe(false);
  await expect(page.getByTestId('reply-text')).toHaveValue('');
});

test('an ended workcell has no reply box; the route refuses it with what to do', async ({
  page,
  home,
  ui,
}) => {
  home.startFake('gone', '--print', 'bye', '--exit', '0');
  await page.goto(ui.launchUrl);
  await expect
    .poll(() => page.getByTestId('row-gone').getAttribute('data-state'), { timeout: 15_000 })
    .toBe('done');
  await page.getByTestId('row-gone').dblclick();
  await expect(page.getByTestId('detail')).toBeVisible();
  await expect(page.getByTestId('reply-box')).toBeHidden();
  const r = await page.request.post(`${ui.origin}/api/workcells/gone/reply`, {
    headers: { Authorization: `Bearer ${ui.token}`, Origin: ui.origin },
    data: { text: 'hello' },
  });
  expect(r.status()).toBe(404);
  expect((await r.json()).error.message).toMatch(/gone has ended \(done\).*workcell resume gone/);
  const noToken = await page.request.post(`${ui.origin}/api/workcells/gone/reply`, {
    headers: { Origin: ui.origin },
    data: { text: 'hello' },
  });
  expect(noToken.status()).toBe(403);
});
