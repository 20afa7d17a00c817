// notify-send against a real D-Bus: a PRIVATE bus (own config, no service activation) and our test
// daemon owning org.freedesktop.Notifications. The user's session bus is never touched. Without
// dbus-daemon or notify-send that test skips with one line, or fails under CI=true (testing/tools.ts).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../testing/fixture.js';
import { DBUS_DAEMON, NOTIFY_SEND, findTool, skipUnlessTools } from '../testing/tools.js';
import { desktopNotifier, desktopArgv } from './exec.js';
import { formatMessage } from './format.js';
import { makeSecretResolver } from './secrets.js';
import type { RecordedNotify } from './testing/notifyDaemon.js';

const here = dirname(fileURLToPath(import.meta.url));
const DAEMON = join(here, 'testing', 'notifyDaemon.js');
const root = mkdtempSync(join(tmpdir(), 'wc-dbus-'));
const started: ChildProcess[] = [];
const needsDbus = {
  skip: skipUnlessTools('desktop notifier D-Bus test', [DBUS_DAEMON, NOTIFY_SEND]) ?? false,
};

after(async () => {
  // Only the processes this file started, by pid; then prove they are gone.
  for (const p of started.reverse()) if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
  await waitFor(
    () => started.every((p) => p.exitCode !== null || p.signalCode !== null),
    5_000,
    'bus and daemon to exit',
  );
  rmSync(root, { recursive: true, force: true });
});

function lines(p: ChildProcess): string[] {
  const out: string[] = [];
  let buf = '';
  p.stdout!.setEncoding('utf8');
  p.stdout!.on('data', (d: string) => {
    buf += d;
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    out.push(...parts);
  });
  return out;
}

async function startBus(): Promise<string> {
  const config = join(root, 'bus.conf');
  // No <servicedir>: nothing can be auto-started on this bus, so only our daemon can answer.
  writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${join(root, 'bus')}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
  );
  const bus = spawn(findTool(DBUS_DAEMON)!, [`--config-file=${config}`, '--nofork', '--print-address=1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(bus);
  // Kept for the failure message only: unprivileged dbus-daemon warns about its fd limit on every start.
  let stderr = '';
  bus.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const out = lines(bus);
  return waitFor(() => out[0]?.trim(), 5_000, 'dbus-daemon to print its address').catch((e: Error) => {
    throw new Error(`${e.message}; dbus-daemon said: ${stderr}`);
  });
}

const at = '2025-01-02T03:04:05.000Z';
const msg = formatMessage({
  id: 'api-fix:1:3:failed',
  name: 'api-fix',
  state: 'failed',
  from: 'running',
  at,
  exitCode: 1,
  evidence: { source: 'exit', detail: 'exit 1', at },
  excerpt: `Error: expected <div> & "quotes" $(rm -rf ~); done`,
});

test('desktopArgv per platform: argv only, text never becomes code', () => {
  assert.deepEqual(desktopArgv(msg, 'linux'), [
    'notify-send',
    '--app-name=Session Supervisor',
    '--urgency=critical',
    '--',
    'api-fix failed (exit code 1)',
    'Why: exit 1\nLast output:\nError: expected &lt;div&gt; &amp; "quotes" $(rm -rf ~); done\nRead it: workcell peek api-fix · continue it: workcell resume api-fix',
  ]);
  const mac = desktopArgv(msg, 'darwin')!;
  assert.deepEqual(mac.slice(0, 7), [
    'osascript',
    '-e',
    'on run argv',
    '-e',
    'display notification (item 2 of argv) with title (item 1 of argv)',
    '-e',
    'end run',
  ]);
  assert.deepEqual(mac.slice(7), [msg.title, msg.body]);
  assert.equal(desktopArgv(msg, 'win32'), null);
});

test('desktopArgv: a sound hint or silence, as the sound setting decides', () => {
  assert.ok(desktopArgv(msg, 'linux', true)!.includes('--hint=string:sound-name:message-new-instant'));
  const quiet = desktopArgv(msg, 'linux', false)!;
  assert.ok(quiet.includes('--hint=boolean:suppress-sound:true'));
  // Hints are options: before the `--` that ends them.
  assert.ok(quiet.indexOf('--hint=boolean:suppress-sound:true') < quiet.indexOf('--'));
  assert.match(desktopArgv(msg, 'darwin', true)![4]!, /sound name "Glass"$/);
  assert.doesNotMatch(desktopArgv(msg, 'darwin', false)![4]!, /sound/);
});

test('notify-send reaches a notification daemon on a private D-Bus', needsDbus, async () => {
  const address = await startBus();
  assert.ok(address.startsWith('unix:'), address);
  // The notifier runs `notify-send` from PATH: put the one findTool chose first.
  const PATH = dirname(findTool(NOTIFY_SEND)!) + delimiter + (process.env.PATH ?? '');
  const env = { ...process.env, PATH, DBUS_SESSION_BUS_ADDRESS: address };
  const notifier = desktopNotifier(
    { type: 'desktop', on: [] },
    { env, platform: 'linux', secrets: makeSecretResolver(env, root) },
  );

  // Nobody owns org.freedesktop.Notifications yet: a failure value, not a throw, not a hang.
  const none = await notifier.send(msg, AbortSignal.timeout(10_000));
  assert.equal(none.ok, false);
  assert.match(none.ok ? '' : none.error, /notify-send: exit \d+/);

  const daemon = spawn(process.execPath, [DAEMON], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  started.push(daemon);
  const out = lines(daemon);
  await waitFor(() => out.includes('{"ready":true}'), 10_000, 'the test daemon to own the name');

  const sent = await notifier.send(msg, AbortSignal.timeout(10_000));
  assert.deepEqual(sent, { ok: true });
  const line = await waitFor(() => out.find((l) => l.includes('"summary"')), 5_000, 'a Notify call');
  const rec = JSON.parse(line) as RecordedNotify;
  assert.equal(rec.app, 'Session Supervisor');
  assert.equal(rec.summary, 'api-fix failed (exit code 1)');
  assert.equal(
    rec.body,
    'Why: exit 1\nLast output:\nError: expected &lt;div&gt; &amp; "quotes" $(rm -rf ~); done\nRead it: workcell peek api-fix · continue it: workcell resume api-fix',
  );
  assert.equal(rec.hints.urgency, 2, 'critical');
  // A failure rings by default (notifySound.ts): the server gets the sound hint.
  assert.equal(rec.hints['sound-name'], 'message-new-instant');
  assert.equal(rec.hints['suppress-sound'], undefined);

  const quiet = formatMessage({ id: 'x', name: 'idle-one', state: 'idle', from: 'running', at });
  assert.deepEqual(await notifier.send(quiet, AbortSignal.timeout(10_000)), { ok: true });
  const second = await waitFor(
    () => out.filter((l) => l.includes('"summary"'))[1],
    5_000,
    'a second Notify call',
  );
  assert.equal((JSON.parse(second) as RecordedNotify).hints.urgency, 0, 'low');
  // An idle agent is not in the default sound list: silence is asked for.
  assert.equal((JSON.parse(second) as RecordedNotify).hints['suppress-sound'], true);
});
