// A dispatcher in its own process for the crash test: posts to a webhook, is fed COUNT changes one
// after another, and stays up until it is killed (mode feed), or resumes what a dead predecessor left
// pending, replays all COUNT changes as a restarted supervisor would, and exits 0 (mode resume).
// Run: node crashChild.js <home> <webhook url> <feed|resume> <count> <change time ISO>
import { setTimeout as sleep } from 'node:timers/promises';
import { ControlDir } from '../../paths.js';
import { parseSettings } from '../../settings.js';
import { NotificationDispatcher } from '../dispatcher.js';

async function main(): Promise<void> {
  const [home, url, mode, count, at] = process.argv.slice(2);
  if (!home || !url || !at || (mode !== 'feed' && mode !== 'resume')) {
    process.stderr.write('usage: crashChild <home> <url> <feed|resume> <count> <at>\n');
    process.exit(2);
  }
  const settings = parseSettings({ notifiers: [{ type: 'webhook', url }] });
  if (!settings.ok) throw new Error(settings.error.message);
  const d = new NotificationDispatcher({
    dir: new ControlDir(home),
    settings: settings.value,
    appendEvent: () => {},
    burstWindowMs: 100,
    retry: { attempts: 3, firstDelayMs: 50, maxDelayMs: 200, timeoutMs: 10_000 },
    log: (l) => process.stderr.write(`${l}\n`),
  });
  if (mode === 'resume') await d.resume();
  for (let i = 0; i < Number(count); i++) {
    await d.notify({ id: `cell${i}:1:${i}:done`, name: `cell${i}`, state: 'done', from: 'running', at });
    process.stdout.write(`fed ${i}\n`);
    if (mode === 'feed') await sleep(10);
  }
  if (mode === 'resume') {
    await d.flush();
    await d.close();
    process.stdout.write('resumed\n');
    return;
  }
  // Stay up, mid-delivery, until the test kills us.
  setInterval(() => {}, 60_000);
}

main().catch((e: unknown) => {
  process.stderr.write(`crashChild: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
