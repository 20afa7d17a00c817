// Measures how long after the last change of a burst its digest reaches a local webhook.
// Run: node dist/main/core/notify/testing/digestLatency.js 50 200
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ControlDir } from '../../paths.js';
import { parseSettings } from '../../settings.js';
import { NotificationDispatcher } from '../dispatcher.js';
import { startServer } from './httpServer.js';
import type { NotifyMessage } from '../../../common/notify.js';

async function measure(n: number): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'wc-latency-'));
  let arrived = 0;
  const srv = await startServer((r) => {
    if ((r.json as NotifyMessage).digest) arrived = performance.now();
    return 200;
  });
  const s = parseSettings({ notifiers: [{ type: 'webhook', url: `${srv.url}/hook` }] });
  if (!s.ok) throw new Error(s.error.message);
  const d = new NotificationDispatcher({
    dir: new ControlDir(root),
    settings: s.value,
    appendEvent: () => {},
  });
  const at = new Date().toISOString();
  const started = performance.now();
  const calls: Promise<void>[] = [];
  for (let i = 0; i < n; i++)
    calls.push(d.notify({ id: `c${i}:1:${i}:done`, name: `c${i}`, state: 'done', from: 'running', at }));
  const lastFed = performance.now();
  await Promise.all(calls);
  const recorded = performance.now();
  await d.flush();
  await d.close();
  const digest = srv.received.find((r) => (r.json as NotifyMessage).digest)?.json as
    NotifyMessage | undefined;
  process.stdout.write(
    `${n} changes: fed in ${(lastFed - started).toFixed(1)} ms, on disk after ${(recorded - lastFed).toFixed(0)} ms; ` +
      `${srv.received.length} requests; digest of ${digest?.digest?.count} arrived ` +
      `${(arrived - lastFed).toFixed(0)} ms after the last change\n`,
  );
  await srv.close();
  rmSync(root, { recursive: true, force: true });
}

for (const n of process.argv.slice(2).map(Number)) await measure(n);
