import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attachKeys, detachHint } from './attachKeys.js';
import { tmuxConf } from './home.js';
import { tmuxEnv } from './tmux.js';
import { makeHome } from './testing/fixture.js';

test('the default prefix: nothing changes, the nested keys are the doubled C-b', () => {
  const k = attachKeys();
  assert.deepEqual(k.confLines, []);
  assert.equal(k.statusRight, 'detach: C-b d · nested: C-b C-b d ');
  assert.match(detachHint('w', 'C-b', true) ?? '', /C-b C-b d/);
  assert.equal(detachHint('w', 'C-b', false), null);
});

test('a prefix of our own: the status bar and the hint name it; free text never reaches the conf', () => {
  const k = attachKeys('C-a');
  assert.deepEqual(k.confLines, ['set -g prefix C-a', 'unbind-key C-b', 'bind-key C-a send-prefix']);
  assert.equal(k.statusRight, 'detach: C-a d ');
  assert.match(detachHint('w', 'C-a', true) ?? '', /detach from w with C-a d/);
  for (const bad of ['C-a; run-shell "rm -rf ~"', 'C-a\nrun x', '#(id)', 'Enter', ''])
    assert.deepEqual(attachKeys(bad).confLines, [], JSON.stringify(bad));
});

test('a real tmux server started with the generated conf uses the prefix of the settings', (t) => {
  const home = makeHome('wc-pfx-');
  t.after(() => {
    try {
      execFileSync('tmux', ['-S', sock, 'kill-server'], { env: tmuxEnv(), stdio: 'ignore' });
    } catch {
      // never started
    }
    home.cleanup();
  });
  const sock = join(home.dir.root, 'pfx.sock');
  const conf = join(home.dir.root, 'pfx.conf');
  writeFileSync(conf, tmuxConf(home.dir, attachKeys('C-a')));
  const tm = (...a: string[]) =>
    execFileSync('tmux', ['-S', sock, ...a], { env: tmuxEnv(), encoding: 'utf8' });
  tm('-f', conf, 'new-session', '-d', '-s', 'x', 'sleep', '30');
  assert.equal(tm('show-options', '-gv', 'prefix').trim(), 'C-a');
  assert.equal(tm('show-options', '-gv', 'status-right').trim(), 'detach: C-a d');
  assert.match(tm('list-keys', '-T', 'prefix'), /C-a\s+send-prefix/);
});
