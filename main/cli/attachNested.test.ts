// `workcell attach` from inside the user's own tmux (issue 10), on real tmux: an "outer" private server
// stands in for the user's tmux, with the read-only attach running in its pane. The inner status bar
// shows READ-ONLY and the nested detach keys, and C-b C-b d detaches the workcell, not the outer session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, FAKE_AGENT, makeHome, waitFor } from '../core/testing/fixture.js';
import { tmuxEnv } from '../core/tmux.js';

test(
  'attach -r inside tmux: READ-ONLY marker, nested keys, C-b d reaching the pane detaches only the workcell',
  { timeout: 60_000 },
  async () => {
    const home = makeHome('wc-nest-');
    const outer = join(home.dir.root, 'outer.sock');
    const exitFile = join(home.dir.root, 'attach-exit');
    const t = (...args: string[]) =>
      execFileSync('tmux', ['-S', outer, ...args], { encoding: 'utf8', env: tmuxEnv() });
    try {
      const repo = join(home.dir.root, 'repo');
      mkdirSync(repo);
      execFileSync(
        process.execPath,
        [
          CLI,
          'start',
          'inner',
          '--repo',
          repo,
          '--agent',
          'command',
          '--',
          process.execPath,
          FAKE_AGENT,
          '--print',
          'inner-screen',
          '--sleep',
          '60000',
        ],
        { env: home.env },
      );
      t(
        '-f',
        '/dev/null',
        'new-session',
        '-d',
        '-s',
        'outer',
        '-x',
        '160',
        '-y',
        '30',
        '-e',
        `WORKCELLS_HOME=${home.dir.root}`,
        '-e',
        'WORKCELL_DAEMON=off',
        // The attach's exit code is written by a shell around it: tmux's pane_dead_status is recorded
        // only when tmux reaps the pane's process, which CI saw lag (or never come) after pane_dead.
        '/bin/sh',
        '-c',
        '"$1" "$2" attach -r inner; echo "$?" > "$3"',
        'sh',
        process.execPath,
        CLI,
        exitFile,
        ';',
        'set-option',
        '-w',
        'remain-on-exit',
        'on',
      );
      const screen = await waitFor(
        () => {
          const s = t('capture-pane', '-p', '-t', '=outer:');
          return /inner-screen/.test(s) && /\[READ-ONLY\] \[workcell inner\]/.test(s) ? s : null;
        },
        15_000,
        'the inner status bar inside the outer pane',
      );
      assert.match(screen, /nested: C-b C-b d/);
      // What reaches the outer pane after C-b C-b d: the outer's default send-prefix passes one C-b on, then d
      // (send-keys writes to the pane directly, past the outer key table).
      t('send-keys', '-t', '=outer:', 'C-b', 'd');
      const status = await waitFor(
        () => (existsSync(exitFile) ? readFileSync(exitFile, 'utf8').trim() || null : null),
        20_000,
        'the attach to end with its exit status',
      );
      assert.equal(status, '0');
      assert.equal(t('has-session', '-t', '=outer'), ''); // the outer session is still there
    } finally {
      try {
        t('kill-server');
      } catch {
        // the outer server already ended
      }
      home.cleanup();
    }
  },
);
