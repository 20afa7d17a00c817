// Golden files of the notification text, per state and per channel (issue 10): what a user reads on the
// desktop, in Slack, in Telegram and in a webhook payload. The clock and the zone are fixed, so the
// files do not depend on the machine. A change to the words fails here; after reading the diff,
// regenerate with UPDATE_GOLDEN=1 and commit the files with the change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StateChange } from '../../common/notify.js';
import { slackText, telegramText } from './channelText.js';
import { formatMessage } from './format.js';
import { CASES, CTX } from './testing/goldenCases.js';

const GOLDEN = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  '..',
  'main',
  'core',
  'notify',
  'fixtures',
  'golden',
);
function channels(c: StateChange): Record<string, string> {
  const m = formatMessage(c, CTX);
  return {
    desktop: `${m.title}\n---\n${m.body}\n`,
    slack: `${slackText(m)}\n`,
    telegram: `${telegramText(m)}\n`,
    webhook: `${JSON.stringify({ title: m.title, body: m.body, url: m.url, attach: m.attach, repo: m.repo, state: m.state, resetAt: m.resetAt }, null, 2)}\n`,
  };
}

test('notification text per state and channel matches the golden files', () => {
  const update = process.env.UPDATE_GOLDEN === '1';
  if (update) mkdirSync(GOLDEN, { recursive: true });
  const problems: string[] = [];
  for (const [name, change] of Object.entries(CASES)) {
    for (const [channel, text] of Object.entries(channels(change))) {
      const file = join(GOLDEN, `${name}.${channel}.txt`);
      if (update) writeFileSync(file, text);
      else if (!existsSync(file)) problems.push(`${file} is missing (UPDATE_GOLDEN=1 writes it)`);
      else if (readFileSync(file, 'utf8') !== text) problems.push(`${name}.${channel}:\n${text}`);
    }
  }
  assert.deepEqual(problems, [], 'notification text changed; read the diff, then UPDATE_GOLDEN=1');
});

test('no internal words, no box borders, the next step fits the state', () => {
  for (const [name, change] of Object.entries(CASES)) {
    const m = formatMessage(change, CTX);
    assert.doesNotMatch(m.text, /\((pane|timer|exit|hook)\)|Reason: |no_progress|[╭╮╰╯│─]/, name);
    const ended = ['done', 'failed', 'vanished'].includes(change.state);
    if (ended) assert.doesNotMatch(m.text, /workcell attach/, `${name}: attach only while live`);
    if (ended) assert.match(m.text, /workcell resume fix-login/, name);
  }
  const w = formatMessage(CASES.waiting!, CTX);
  assert.equal(w.title, 'fix-login is waiting for you');
  assert.match(w.body, /^Do you want to proceed\?$/m);
  assert.equal(formatMessage(CASES['done-verify-failed']!, CTX).title, 'fix-login finished: verify failed');
  // The zone is the context's, not the machine's: the same instant in Berlin reads 4:00 pm.
  const berlin = formatMessage(CASES['rate-limited']!, { ...CTX, timeZone: 'Europe/Berlin' });
  assert.match(berlin.body, /resets 4:00 pm, in 1 h 50 m/);
  assert.match(formatMessage(CASES['rate-limited']!, CTX).body, /resets 10:00 am, in 1 h 50 m/);
  // Without a dashboard there is no link anywhere.
  const none = formatMessage(CASES.failed!, { ...CTX, dashboard: null });
  assert.equal(none.url, null);
  assert.doesNotMatch(slackText(none) + telegramText(none), /127\.0\.0\.1/);
});
