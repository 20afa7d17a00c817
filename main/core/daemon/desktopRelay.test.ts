// The tray app as a viewer shows the daemon's desktop notifications (Electron's, whose click opens the
// peek): a real daemon process, a real viewer on daemon.sock, real exits. notify-send is a recording
// script on PATH, so the test sees when the daemon shows a bubble itself instead.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NotifyMessage } from '../../common/notify.js';
import { CLI, FAKE_AGENT, leakedProcesses, makeHome, waitFor, type TestHome } from '../testing/fixture.js';
import { DaemonViewer } from './client.js';

let home: TestHome;
let repo: string;
let shownByDaemon: string;
let env: NodeJS.ProcessEnv;
const viewers: DaemonViewer[] = [];

beforeEach(() => {
  home = makeHome('wcr-');
  repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  const bin = join(home.dir.root, 'fakebin');
  mkdirSync(bin);
  shownByDaemon = join(home.dir.root, 'notify-send.txt');
  // The title is the argument after `--` (see desktopArgv).
  writeFileSync(
    join(bin, 'notify-send'),
    `#!/bin/sh\nwhile [ "$1" != "--" ]; do shift; done\nprintf '%s\\n' "$2" >> '${shownByDaemon}'\n`,
  );
  chmodSync(join(bin, 'notify-send'), 0o755);
  env = {
    ...home.env,
    PATH: `${bin}:${process.env.PATH}`,
    WORKCELL_DAEMON: 'on',
    WORKCELL_DAEMON_IDLE_EXIT_MS: '5000',
  };
  writeFileSync(
    home.dir.settings,
    JSON.stringify({ notifiers: [{ type: 'desktop', on: ['done', 'failed'] }] }),
  );
});
afterEach(async () => {
  for (const v of viewers.splice(0)) v.close();
  spawnSync(process.execPath, [CLI, 'daemon', 'stop'], { env });
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
// Whole lines only: the shell creates the file (>>) before printf writes to it, so a read between
// the two sees an empty file, which is not yet a bubble.
const byDaemon = () =>
  existsSync(shownByDaemon)
    ? readFileSync(shownByDaemon, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];

test('a viewer that shows desktop notifications gets each one once; without it the daemon shows them', async () => {
  start('keeper', '--print', 'working', '--sleep', '60000', '--exit', '0'); // keeps the daemon up
  const v = await DaemonViewer.connect(home.dir);
  assert.ok(v.ok, v.ok ? '' : v.error.message);
  viewers.push(v.value);
  const shown: NotifyMessage[] = [];
  // Awaited: the start below blocks this process (spawnSync), and an offer still queued behind the
  // daemon's hello then would reach it after the exit (a fast exit path made that a real race).
  await v.value.showDesktop(async (msg) => {
    shown.push(msg);
    return { ok: true };
  });
  start('one', '--print', 'hi', '--exit', '3');
  await waitFor(() => shown.length >= 1, 20_000, 'the app shows the failure');
  assert.equal(shown[0]!.name, 'one');
  assert.match(shown[0]!.title, /one/);
  assert.deepEqual(byDaemon(), [], 'the daemon did not show it a second time');

  // The app goes away: the next one is the daemon's own bubble (at once if it saw the close, else
  // after the ack timeout).
  v.value.close();
  viewers.length = 0;
  start('two', '--print', 'hi', '--exit', '0');
  await waitFor(() => byDaemon().length >= 1, 20_000, 'the daemon shows it itself');
  assert.match(byDaemon()[0]!, /two/);
  assert.equal(shown.length, 1, 'nothing more reached the closed app');
});

test('an app that does not answer in time: the daemon shows the bubble itself, once', async () => {
  start('keeper', '--print', 'working', '--sleep', '60000', '--exit', '0');
  const v = await DaemonViewer.connect(home.dir);
  assert.ok(v.ok);
  viewers.push(v.value);
  let asked = 0;
  await v.value.showDesktop(() => {
    asked += 1;
    return new Promise(() => {}); // hung: never answers
  });
  start('slow', '--print', 'hi', '--exit', '0');
  await waitFor(() => byDaemon().length >= 1, 30_000, 'the fallback bubble');
  assert.equal(asked, 1);
  assert.match(byDaemon()[0]!, /slow/);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(byDaemon().length, 1, 'shown once, not retried');
});
