// The exit path inside the pane (home.ts WRAP_SH): between the agent's end and the supervisor's
// wake-up (the marker in exits/) no process may start. Each one is a fork and exec, and on a busy
// machine a wait for a core: a `date` and an `mv` there were most of the 30 ms from exit to marker.
// The real wrapper under /bin/sh, with every command it could call shadowed by a shim that notes
// whether the marker already exists when it runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WRAP_SH } from './home.js';
import { RunStore } from './runStore.js';
import { ControlDir } from './paths.js';

const SHIMMED = ['date', 'mv', 'rm', 'cat', 'tmux', 'sleep', 'mkdir', 'flock', 'nice', 'touch', 'cp', 'sync'];

function runWrapper(agentScript: string) {
  const root = mkdtempSync(join(tmpdir(), 'wrap-exit-'));
  const home = join(root, 'home');
  const name = 'w1';
  const rundir = join(home, 'runs', name);
  const shims = join(root, 'shims');
  const log = join(root, 'calls.log');
  mkdirSync(join(rundir, 'tmp'), { recursive: true });
  mkdirSync(join(home, 'exits'));
  mkdirSync(shims);
  const marker = join(home, 'exits', name);
  for (const cmd of SHIMMED) {
    const real = spawnSync('/bin/sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim();
    const body = [
      '#!/bin/sh',
      `if [ -e '${marker}' ]; then echo "${cmd} after-marker" >> '${log}'; else echo "${cmd} before-marker" >> '${log}'; fi`,
      real ? `exec '${real}' "$@"` : 'exit 0',
    ].join('\n');
    writeFileSync(join(shims, cmd), body);
    chmodSync(join(shims, cmd), 0o755);
  }
  const wrap = join(root, 'wrap.sh');
  writeFileSync(wrap, WRAP_SH, { mode: 0o700 });
  const agent = join(root, 'agent.sh');
  writeFileSync(agent, `#!/bin/sh\necho agent-ended >> '${log}'\n${agentScript}\n`, { mode: 0o755 });
  // NODE and FINISH: /bin/true stands in for the finisher (verify and the git summary are not this test's).
  const r = spawnSync('/bin/sh', [wrap, rundir, root, '/bin/true', '/dev/null', '--', agent], {
    env: { PATH: `${shims}:${process.env.PATH}`, HOME: root },
    encoding: 'utf8',
    timeout: 30_000,
  });
  const calls = readFileSync(log, 'utf8').trim().split('\n');
  return { root, home, name, rundir, marker, calls, status: r.status };
}

test('no process starts between the agent ending and the marker; exit.json is whole before it', () => {
  const w = runWrapper('exit 7');
  try {
    assert.equal(w.status, 0, 'the wrapper ran its (stand-in) finisher');
    const ended = w.calls.indexOf('agent-ended');
    assert.ok(ended >= 0, w.calls.join('\n'));
    const between = w.calls.slice(ended + 1).filter((c) => c.endsWith('before-marker'));
    assert.deepEqual(between, [], `commands run before the supervisor was woken: ${between.join(', ')}`);
    assert.deepEqual(JSON.parse(readFileSync(join(w.rundir, 'exit.json'), 'utf8')), {
      exitCode: 7,
      source: 'wrapper',
    });
  } finally {
    rmSync(w.root, { recursive: true, force: true });
  }
});

test("an exit record without endedAt is dated by the file's mtime; a half-written one reads as absent", async () => {
  const w = runWrapper('exit 3');
  try {
    const store = new RunStore(new ControlDir(w.home));
    const exitPath = join(w.rundir, 'exit.json');
    const mtime = statSync(exitPath).mtime.toISOString();
    assert.deepEqual(await store.readExit(w.name), { exitCode: 3, endedAt: mtime, source: 'wrapper' });
    assert.deepEqual(store.readChecked(w.name).exit, { exitCode: 3, endedAt: mtime, source: 'wrapper' });
    // An older wrapper's record keeps its own time.
    writeFileSync(exitPath, '{"exitCode":1,"endedAt":"2020-01-02T03:04:05Z","source":"wrapper"}\n');
    assert.equal((await store.readExit(w.name))?.endedAt, '2020-01-02T03:04:05Z');
    // Opened (truncated) but not yet written, or cut short: not an exit yet, never a broken run.
    for (const torn of ['', '{"exitCode":4,"sou']) {
      writeFileSync(exitPath, torn);
      assert.equal(await store.readExit(w.name), null);
      assert.equal(store.readChecked(w.name).exit, null);
    }
  } finally {
    rmSync(w.root, { recursive: true, force: true });
  }
});
