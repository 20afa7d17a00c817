// A loop's breaker opening reaches the user through the settings' notifiers: here a real webhook on
// 127.0.0.1 receives it from the detached runner, with the loop's name and what to do next.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import {
  CLI,
  FAKE_LOOP_AGENT,
  leakedProcesses,
  makeHome,
  makePrdRepo,
  waitFor,
  type TestHome,
} from '../testing/fixture.js';
import { ownerAlive, readOwner } from './ownerLock.js';

let home: TestHome;
let server: Server;
const posts: Record<string, unknown>[] = [];

beforeEach(async () => {
  home = makeHome('wcn-');
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
  const r = readOwner(home.dir, 'loop', 'brk');
  if (r && ownerAlive(r)) process.kill(r.pid, 'SIGKILL');
  await new Promise((r) => server.close(r));
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), [], 'processes left behind');
});

test('the breaker opening is posted to a webhook, once, naming the loop and the resume', async () => {
  const repo = makePrdRepo(home.dir.root, ['one']);
  const port = (server.address() as AddressInfo).port;
  writeFileSync(
    home.dir.settings,
    JSON.stringify({
      notifiers: [{ type: 'webhook', url: `http://127.0.0.1:${port}/hook`, on: ['failed'] }],
    }),
  );
  const r = await new Promise<{ code: number; stderr: string }>((done) =>
    execFile(
      process.execPath,
      [
        CLI,
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
        process.execPath,
        FAKE_LOOP_AGENT,
        '--work',
        'w.txt',
        '--tick',
      ],
      { env: home.env },
      (e, _o, stderr) => done({ code: e ? 1 : 0, stderr }),
    ),
  );
  assert.equal(r.code, 0, r.stderr);
  await waitFor(() => posts.length > 0, 120_000, 'the breaker notice');
  await waitFor(
    () => {
      const o = readOwner(home.dir, 'loop', 'brk');
      return !o || !ownerAlive(o);
    },
    15_000,
    'the runner to end',
  );
  assert.equal(posts.length, 1, JSON.stringify(posts));
  const p = posts[0]!;
  assert.equal(p.name, 'brk');
  assert.equal(p.state, 'failed');
  assert.equal(p.reason, 'loop_breaker_open');
  assert.match(String(p.title), /loop brk: circuit breaker open/);
  assert.match(String(p.body), /3 iterations in a row closed no item.*workcell loop --resume brk/s);
});
