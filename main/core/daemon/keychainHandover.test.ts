// A secret the tray app keeps in its keychain (settings.json names it `WORKCELL_KEYCHAIN_<ID>`) reaches
// the daemon over daemon.sock, so the daemon's webhook/Slack sends work while the app is closed. Real
// daemon process, real viewer socket, a real HTTP server on 127.0.0.1 standing in for the webhook.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CLI, FAKE_AGENT, leakedProcesses, makeHome, waitFor, type TestHome } from '../testing/fixture.js';
import { DaemonViewer } from './client.js';
import { daemonLogPath } from './daemonLog.js';

const SECRET_NAME = 'WORKCELL_KEYCHAIN_0A1B2C';
let home: TestHome;
let repo: string;
let env: NodeJS.ProcessEnv;
let server: Server;
const hits: { path: string; body: string }[] = [];

beforeEach(async () => {
  home = makeHome('wck-');
  repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  hits.length = 0;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      hits.push({ path: req.url ?? '', body });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  env = { ...home.env, WORKCELL_DAEMON: 'on', WORKCELL_DAEMON_IDLE_EXIT_MS: '5000' };
  writeFileSync(
    home.dir.settings,
    JSON.stringify({
      notifiers: [{ type: 'webhook', url: { env: SECRET_NAME }, on: ['done', 'failed'] }],
    }),
  );
});
afterEach(async () => {
  spawnSync(process.execPath, [CLI, 'daemon', 'stop'], { env });
  await new Promise((r) => server.close(r));
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), []);
});

const start = (name: string, ...a: string[]) => {
  const r = spawnSync(
    process.execPath,
    [CLI, 'start', name, '--repo', repo, '--agent', 'command', '--', process.execPath, FAKE_AGENT, ...a],
    { env, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
};
const daemonLog = () => readFileSync(daemonLogPath(home.dir), 'utf8');

test('without the app the daemon says the secret is in its keychain; handed over, the webhook is sent', async () => {
  // Keeps the daemon up for the whole test: at 60 s it ended while a loaded machine was still starting
  // 'after', the idle daemon left, and the new one had no keychain (the CI failure this replaced).
  start('keeper', '--print', 'working', '--sleep', '600000', '--exit', '0');
  start('before', '--print', 'hi', '--exit', '0');
  await waitFor(() => /keychain/.test(daemonLog()), 20_000, 'the daemon explains the missing secret');
  assert.match(daemonLog(), /start the app once/);
  assert.equal(hits.length, 0);

  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook-7f3a`;
  const v = await DaemonViewer.connect(home.dir);
  assert.ok(v.ok, v.ok ? '' : v.error.message);
  v.value.handOverKeychain({ [SECRET_NAME]: url, NOT_A_KEYCHAIN_NAME: 'ignored' });
  v.value.close(); // the app quits: the daemon keeps what it was handed
  // The hand-over goes out after the daemon's hello: on a loaded machine later than a fixed 300 ms, and
  // an end told before it arrived is (rightly) not sent. Wait until the daemon says it has the secret.
  await waitFor(
    () => /keychain: 1 secret\(s\) from the app \(WORKCELL_KEYCHAIN_0A1B2C\)/.test(daemonLog()),
    20_000,
    'the hand-over to arrive',
  );
  start('after', '--print', 'hi', '--exit', '0');
  // A CLI start alone took up to 20 s on a loaded 2-core machine: the wait covers the start and the send.
  await waitFor(() => hits.some((h) => h.body.includes('after')), 60_000, 'the webhook got the end');
  assert.equal(hits.find((h) => h.body.includes('after'))!.path, '/hook-7f3a');
  // The secret URL never lands in the daemon's log.
  assert.doesNotMatch(daemonLog(), /hook-7f3a/);
});
