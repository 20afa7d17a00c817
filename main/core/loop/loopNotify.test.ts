// A loop's breaker opening reaches the user through the daemon's notifiers: here a real webhook on
// 127.0.0.1 receives it, posted by the detached runner and sent by the daemon, with the loop's name
// and what to do next; posted twice (a runner crash), it is sent once.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { makePrdRepo, waitFor } from '../testing/fixture.js';
import { noticesDir, runnerNotifier } from './runnerNotice.js';
import { fakeAgentArgv, useRunnerHarness } from './testing/runnerHarness.js';

const h = useRunnerHarness('wcn-');
let server: Server;
const posts: Record<string, unknown>[] = [];

beforeEach(async () => {
  posts.length = 0;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      posts.push(JSON.parse(body) as Record<string, unknown>);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
afterEach(async () => {
  await new Promise((r) => server.close(r));
});

test('the breaker opening reaches a webhook through the daemon, once, even when posted again after a crash', async () => {
  // The daemon on, as for a user: the runner posts its notice and pokes it; the daemon's dispatcher
  // sends it (its ledger is what makes it once).
  Object.assign(h.home.env, { WORKCELL_DAEMON: 'on', WORKCELL_DAEMON_IDLE_EXIT_MS: '3000' });
  const repo = makePrdRepo(h.home.dir.root, ['one']);
  const port = (server.address() as AddressInfo).port;
  writeFileSync(
    h.home.dir.settings,
    JSON.stringify({
      notifiers: [{ type: 'webhook', url: `http://127.0.0.1:${port}/hook`, on: ['failed', 'done'] }],
    }),
  );
  const r = await h.cli([
    'loop',
    'brk',
    '--repo',
    repo,
    '--agent',
    'command',
    '--prd',
    'PRD.md',
    '--verify',
    'false',
    '--',
    ...fakeAgentArgv('--work', 'w.txt', '--tick'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  // The iterations' own failures are told too (on: failed), and a change within a second of a send
  // may go out folded into a digest: the loop's notice is found by its words.
  const said = (text: string) => posts.filter((p) => JSON.stringify(p).includes(text));
  const mine = () => said('loop: circuit breaker open');
  await waitFor(() => mine().length > 0, 120_000, 'the breaker notice');
  await h.runnerGone('loop', 'brk', 15_000);
  const p = JSON.stringify(mine()[0]!);
  assert.match(p, /brk loop: circuit breaker open, waiting for you/);
  assert.match(p, /Why: 3 iterations in a row closed no item/);
  assert.match(p, /Fix the cause, then: workcell loop --resume brk/);
  await waitFor(() => readdirSync(noticesDir(h.home.dir)).length === 0, 15_000, 'the notice handed on');

  // A runner that crashed after posting posts the same event again when it restarts: the daemon
  // hands it on again and its ledger refuses the known id, so nothing is sent twice.
  const again = {
    name: 'brk',
    state: 'failed' as const,
    reason: 'loop_breaker_open',
    detail: 'the same opening',
    id: 'loop:brk:breaker:3', // the id the runner gave it: the breaker opened at iteration 3
    at: new Date().toISOString(),
  };
  await runnerNotifier(h.home.dir, () => undefined)(again);
  await waitFor(() => readdirSync(noticesDir(h.home.dir)).length === 0, 15_000, 'the repost handed on');
  // A later, different event still goes out: the daemon is sending, and it did not send the repost.
  await runnerNotifier(
    h.home.dir,
    () => undefined,
  )({ ...again, id: 'loop:brk:done:test', reason: 'loop_done', state: 'done' });
  await waitFor(() => said('brk loop finished').length > 0, 30_000, 'the later notice');
  assert.equal(mine().length, 1, JSON.stringify(mine()));
});
