// The supervisor against a real tmux server, real `workcell watch` processes and a real command
// notifier: exits are reported once, a SIGKILLed watcher loses nothing and repeats nothing.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../engine.js';
import { Tmux } from '../tmux.js';
import { makeHome, waitFor, FAKE_AGENT, leakedProcesses, type TestHome } from '../testing/fixture.js';
import { Supervisor, type SupervisorChange } from './supervisor.js';

let home: TestHome;
let engine: Engine;
let repo: string;
let notified: string;
const watchers: ChildProcess[] = [];

beforeEach(() => {
  home = makeHome();
  engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  notified = join(home.dir.root, 'notified.txt');
  // A command notifier that appends one line per delivery: name state exit code (from its environment).
  const line = `process.env.WORKCELL_NAME+' '+process.env.WORKCELL_STATE+' '+process.env.WORKCELL_EXIT_CODE+'\\n'`;
  writeFileSync(
    home.dir.settings,
    JSON.stringify({
      notifiers: [
        {
          type: 'command',
          on: ['done', 'failed', 'waiting', 'vanished'],
          argv: [
            process.execPath,
            '-e',
            `require('fs').appendFileSync(${JSON.stringify(notified)}, ${line})`,
          ],
        },
      ],
    }),
  );
});
afterEach(async () => {
  for (const w of watchers.splice(0)) if (w.exitCode === null) w.kill('SIGKILL');
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), []);
});

const lines = () =>
  existsSync(notified)
    ? readFileSync(notified, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
    : [];
const fake = (...a: string[]) => [process.execPath, FAKE_AGENT, ...a];

test('in process: an exit and a question are reported once each, with evidence', async () => {
  const r = await Supervisor.start({ dir: home.dir, log: (l) => process.env.SV_DEBUG && console.error(l) });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const sup = r.value;
  const changes: SupervisorChange[] = [];
  sup.onState((c: SupervisorChange) => changes.push(c));
  try {
    await engine.start({
      name: 'q',
      repo,
      agent: 'command',
      args: fake('--print', 'thinking', '--ask', 'Do you want to proceed? (y/n)'),
    });
    await engine.start({ name: 'x', repo, agent: 'command', args: fake('--print', 'bye', '--exit', '7') });
    await waitFor(() => lines().length >= 2, 15_000, 'two notifications');
    assert.deepEqual(lines().sort(), ['q waiting', 'x failed 7']);
    const q = changes.find((c) => c.name === 'q')!;
    assert.equal(q.evidence?.source, 'pane');
    assert.match(q.evidence?.detail ?? '', /proceed/);
    const events = await engine.store.readEvents('x');
    assert.ok(events.some((e) => e.type === 'state' && e.state === 'failed'));
    // Answering the question moves it on; the answer arrives through tmux like a user's keys.
    execFileSync('tmux', ['-S', home.dir.socket, 'send-keys', '-t', '=q:', 'y', 'Enter']);
    await waitFor(() => lines().includes('q done 0'), 15_000, 'q done');
    assert.equal(lines().length, 3);
  } finally {
    await sup.stop();
  }
});

// A SIGKILLed supervisor losing and repeating nothing is tested on the daemon (daemon/daemon.test.ts):
// `workcell watch` is a viewer of it now, not a supervisor of its own.

test('the tmux server dies: running workcells end, the watcher reconnects and keeps watching', async () => {
  const r = await Supervisor.start({ dir: home.dir });
  assert.ok(r.ok);
  const sup = r.value;
  try {
    await engine.start({ name: 'doomed', repo, agent: 'command', args: fake('--sleep', '60000') });
    await waitFor(
      () => sup.snapshot().some((w) => w.name === 'doomed' && w.state === 'running'),
      10_000,
      'running',
    );
    execFileSync('tmux', ['-S', home.dir.socket, 'kill-server']);
    await waitFor(
      () => sup.snapshot().find((w) => w.name === 'doomed' && ['failed', 'vanished'].includes(w.state)),
      10_000,
      'doomed ended',
    );
    // The supervisor brings its server back; a new workcell is seen and its exit reported.
    await waitFor(
      async () => (await engine.tmux.listPanes()).ok && (await engine.tmux.hasSession('_sv')),
      15_000,
      'server back',
    );
    await engine.start({ name: 'after', repo, agent: 'command', args: fake('--exit', '0') });
    await waitFor(() => lines().includes('after done 0'), 15_000, 'after reported');
  } finally {
    await sup.stop();
  }
});

test('an agent that exits after "not logged in" is failed with reason auth_failed, in status and notification', async () => {
  writeFileSync(
    home.dir.settings,
    JSON.stringify({
      notifiers: [
        {
          type: 'command',
          on: ['failed'],
          argv: [
            process.execPath,
            '-e',
            `require('fs').appendFileSync(${JSON.stringify(notified)}, process.env.WORKCELL_NAME+' '+process.env.WORKCELL_REASON+'\\n')`,
          ],
        },
      ],
    }),
  );
  const r = await Supervisor.start({ dir: home.dir });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  try {
    await engine.start({
      name: 'nologin',
      repo,
      agent: 'command',
      args: fake('--print', 'Error: not logged in. Run /login first.', '--exit', '1'),
    });
    await waitFor(() => lines().includes('nologin auth_failed'), 15_000, 'reason in the notification');
    const s = await waitFor(async () => {
      const st = await engine.store.readStatus('nologin');
      return st?.reason ? st : null;
    });
    assert.equal(s.reason, 'auth_failed');
  } finally {
    await r.value.stop();
  }
});
