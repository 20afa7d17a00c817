// Issue 8, B2: a full disk must not stop notifications nor turn an exit 0 into a failure. A real tmpfs
// of 2 MB holds the whole WORKCELLS_HOME; the agent fills it with dd and exits 0, so exit.json,
// status.json, events.jsonl and state/notified.json can no longer be written. The notifier writes
// outside the tmpfs, and the supervisor runs in process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../engine.js';
import { Tmux, tmuxEnv } from '../tmux.js';
import { execFileSync } from 'node:child_process';
import { makeHome, waitFor, leakedProcesses, killOrphans, type TestHome } from '../testing/fixture.js';
import { mountTmpfs, unmount } from '../testing/tmpfs.js';
import { Supervisor } from './supervisor.js';

let home: TestHome;
let outside: string;
let skip: string | null = null;

before(() => {
  home = makeHome('wcdf-');
  outside = mkdtempSync(join(tmpdir(), 'wcdf-out-'));
  skip = mountTmpfs('disk-full test', home.dir.root, '2m');
});
after(async () => {
  try {
    // Processes first (they hold files on the tmpfs and the server's socket is there), then the
    // mount, then the directories: cleanup() could not remove a mount point.
    try {
      execFileSync('tmux', ['-S', home.dir.socket, 'kill-server'], { stdio: 'ignore', env: tmuxEnv() });
    } catch {
      // no server was running
    }
    killOrphans(home.dir.root);
  } finally {
    unmount(home.dir.root);
    home.cleanup();
    rmSync(outside, { recursive: true, force: true });
  }
  assert.deepEqual(await leakedProcesses(home), []);
});

test('a full disk: the exit 0 is told as done, from memory, and the log says the disk is full', async (t) => {
  if (skip) return t.skip(skip);
  const notified = join(outside, 'notified.txt');
  const line = `process.env.WORKCELL_NAME+' '+process.env.WORKCELL_STATE+' '+process.env.WORKCELL_EXIT_CODE+'\\n'`;
  writeFileSync(
    home.dir.settings,
    JSON.stringify({
      notifiers: [
        {
          type: 'command',
          on: ['done', 'failed', 'vanished'],
          argv: [
            process.execPath,
            '-e',
            `require('fs').appendFileSync(${JSON.stringify(notified)}, ${line})`,
          ],
        },
      ],
    }),
  );
  const repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  const log: string[] = [];
  const r = await Supervisor.start({
    dir: home.dir,
    log: (l) => (log.push(l), process.env.SV_DEBUG && console.error(l)),
  });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const sup = r.value;
  try {
    const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
    const s = await engine.start({
      name: 'filler',
      repo,
      agent: 'command',
      // Once the test says go (the start has written its records): fill the disk until ENOSPC, then
      // exit 0 whatever dd said.
      args: [
        '/bin/sh',
        '-c',
        'while [ ! -e "$WORKCELL_RUN_DIR/go" ]; do sleep 0.05; done; dd if=/dev/zero of="$WORKCELL_RUN_DIR/fill" bs=64k 2>/dev/null; exit 0',
      ],
    });
    assert.ok(s.ok, s.ok ? '' : s.error.message);
    await waitFor(
      () => sup.snapshot().some((x) => x.name === 'filler' && x.state === 'running'),
      10_000,
      'running',
    );
    writeFileSync(join(home.dir.runDir('filler'), 'go'), '');
    const lines = () =>
      existsSync(notified) ? readFileSync(notified, 'utf8').split('\n').filter(Boolean) : [];
    await waitFor(() => lines().length >= 1, 20_000, 'a notification');
    assert.deepEqual(lines(), ['filler done 0']);
    const w = sup.snapshot().find((x) => x.name === 'filler');
    assert.equal(w?.state, 'done');
    assert.equal(w?.exitCode, 0);
    // The user is told why the records lag, and no reconcile died of it.
    await waitFor(() => log.some((l) => /^notify: disk full/.test(l)), 5_000, 'the ledger says disk full');
    await waitFor(() => log.some((l) => /^disk full: cannot write filler's status/.test(l)), 5_000, 'status');
    assert.deepEqual(
      log.filter((l) => /reconcile failed|not sent/.test(l)),
      [],
    );
    // Still told once: later reconciles derive the same end from tmux and repeat nothing.
    await sup.request();
    await sup.request();
    assert.deepEqual(lines(), ['filler done 0']);
    // Room again: the record the disk refused is written now, so status.json says done too.
    rmSync(join(home.dir.runDir('filler'), 'fill'), { force: true });
    await waitFor(
      async () => {
        await sup.request();
        const st = JSON.parse(readFileSync(join(home.dir.runDir('filler'), 'status.json'), 'utf8'));
        return st.state === 'done' && st.exitCode === 0;
      },
      10_000,
      'status.json written once the disk has room',
    );
  } finally {
    await sup.stop();
  }
});
