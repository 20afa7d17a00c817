// WORKCELLS_HOME is the user's text: a home path with `$()`, backticks, `#()`, quotes or a newline must
// never run anything, in tmux.conf (parsed by tmux) or in the pipe-pane shell string, and the user's
// tmux.user.conf beside it is still sourced. Real tmux, real homes with those names.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from './engine.js';
import { ensureHome } from './home.js';
import { RUN_FILES } from './paths.js';
import { Tmux, tmuxConfPath, tmuxEnv } from './tmux.js';
import { leakedProcesses, makeHome, waitFor } from './testing/fixture.js';

// The hostile paths name the canary through a variable: a path cannot hold the `/` of its own path.
let canaryDir: string;
let canary: string;
before(() => {
  canaryDir = mkdtempSync(join(tmpdir(), 'wc-canary-'));
  canary = join(canaryDir, 'canary');
  process.env.WC_CANARY = canary;
});
after(() => rmSync(canaryDir, { recursive: true, force: true }));

const HOSTILE_HOMES = [
  'h$(touch $WC_CANARY)-',
  'h`touch $WC_CANARY`-',
  'h#(touch $WC_CANARY)-',
  'h"$(touch $WC_CANARY)"-',
  "h'$(touch $WC_CANARY)'-",
  "h'\"; run-shell 'touch $WC_CANARY' #-",
  'h\nrun-shell "touch $WC_CANARY"\n-',
  'h;touch $WC_CANARY;-',
  'h*[x]?~é\\-',
  'h#{pane_pid}%1 $HOME-',
  'h%%d%Y-',
];

for (const prefix of HOSTILE_HOMES) {
  test(`home ${JSON.stringify(prefix)}: nothing runs, tmux.user.conf is sourced, the log is written`, async () => {
    const home = makeHome(prefix);
    try {
      const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
      assert.ok((await ensureHome(home.dir)).ok);
      writeFileSync(join(home.dir.root, 'tmux.user.conf'), 'set -g @user_conf_loaded yes\n');
      const repo = join(home.dir.root, 'repo');
      mkdirSync(repo);
      const r = await engine.start({
        name: 'h1',
        repo,
        agent: 'command',
        args: ['/bin/sh', '-c', 'echo hello-from-the-agent'],
      });
      assert.ok(r.ok, JSON.stringify(r));
      // pipe-pane's shell string holds the log path: the output lands in the right file.
      const log = join(home.dir.runDir('h1'), RUN_FILES.log);
      await waitFor(() => readFileSync(log, 'utf8').includes('hello-from-the-agent'), 10_000, 'agent.log');
      assert.ok(!existsSync(canary), 'the home path ran a command');
      const loaded = execFileSync(
        'tmux',
        ['-S', home.dir.socket, 'show-options', '-gv', '@user_conf_loaded'],
        { encoding: 'utf8', env: tmuxEnv() },
      );
      assert.equal(loaded.trim(), 'yes');
    } finally {
      home.cleanup();
      rmSync(canary, { force: true }); // so one failure does not fail the cases after it
    }
    assert.deepEqual(await leakedProcesses(home), []);
  });
}

test('tmuxConfPath: plain bytes stay, everything else is an octal escape, glob characters are escaped', () => {
  assert.equal(tmuxConfPath('/a/b-c_d.conf'), '"/a/b-c_d.conf"');
  assert.equal(tmuxConfPath('/a b$'), '"/a\\040b\\044"');
  assert.equal(tmuxConfPath('/x*'), '"/x\\134\\052"');
  assert.equal(tmuxConfPath('/é'), '"/\\303\\251"');
});
