// A loop's breaker opening reaches the user through the settings' notifiers: here a real webhook on
// 127.0.0.1 receives it from the detached runner, with the loop's name and what to do next.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { makePrdRepo, waitFor } from '../testing/fixture.js';
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

test('the breaker opening is posted to a webhook, once, naming the loop and the resume', async () => {
  const repo = makePrdRepo(h.home.dir.root, ['one']);
  const port = (server.address() as AddressInfo).port;
  writeFileSync(
    h.home.dir.settings,
    JSON.stringify({
      notifiers: [{ type: 'webhook', url: `http://127.0.0.1:${port}/hook`, on: ['failed'] }],
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
  await waitFor(() => posts.length > 0, 120_000, 'the breaker notice');
  await h.runnerGone('loop', 'brk', 15_000);
  assert.equal(posts.length, 1, JSON.stringify(posts));
  const p = posts[0]!;
  assert.equal(p.name, 'brk');
  assert.equal(p.state, 'failed');
  assert.equal(p.reason, 'loop_breaker_open');
  assert.match(String(p.title), /loop brk: circuit breaker open/);
  assert.match(String(p.body), /3 iterations in a row closed no item.*workcell loop --resume brk/s);
});
