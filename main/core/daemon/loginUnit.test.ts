// The login unit: what `workcell daemon unit` prints is a unit systemd/launchd reads as meant (a home
// with spaces, quotes, `%` and `$` survives their quoting), and WORKCELL_DAEMON_STAY keeps a real
// daemon up with nothing to watch (the unit would otherwise see it leave a minute after login).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, makeHome, waitFor } from '../testing/fixture.js';
import { liveLeader } from './leaderLock.js';
import { DAEMON_MAIN } from './layout.js';
import { launchdPlist, systemdUnit, unitInputProblem } from './loginUnit.js';

const HOSTILE = '/home/a b/"q" 100%/$HOME/x&y<z>';

/** systemd's unquoting of one double-quoted word (the subset sdQuote produces). */
function sdUnquote(word: string): string {
  assert.match(word, /^".*"$/);
  return word.slice(1, -1).replace(/%%/g, '%').replace(/\\(.)/g, '$1');
}

test('systemd unit: hostile paths come back intact through systemd quoting', () => {
  const unit = systemdUnit({
    home: HOSTILE,
    node: '/opt/n de/node',
    path: '/usr/bin:/bin',
    daemonMain: '/d/m.js',
  });
  const env = unit.split('\n').filter((l) => l.startsWith('Environment='));
  const home = env
    .filter((l) => l.startsWith('Environment="'))
    .map((l) => sdUnquote(l.slice('Environment='.length)))
    .find((v) => v.startsWith('WORKCELLS_HOME='));
  assert.equal(home, `WORKCELLS_HOME=${HOSTILE}`);
  assert.ok(env.includes('Environment=WORKCELL_DAEMON_STAY=1'));
  const exec = unit.split('\n').find((l) => l.startsWith('ExecStart='))!;
  assert.equal(exec, 'ExecStart="/opt/n de/node" "/d/m.js"');
  assert.match(unit, /^KillMode=process$/m);
  assert.match(unit, /^WantedBy=default\.target$/m);
});

test('systemd-analyze verify accepts the unit (where systemd is installed)', (t) => {
  const which = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' });
  if (which.status !== 0) return t.skip('systemd-analyze is not installed here');
  const dir = mkdtempSync(join(tmpdir(), 'wcunit-'));
  try {
    const file = join(dir, 'workcell-daemon.service');
    writeFileSync(file, systemdUnit({ home: HOSTILE, node: process.execPath, path: '/usr/bin:/bin' }));
    const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.trim(), '', 'no warnings');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('launchd plist: values are XML-escaped; a newline in a path is refused with a reason', () => {
  const plist = launchdPlist({ home: HOSTILE, node: '/n', path: '/bin', daemonMain: '/d/m.js' });
  assert.ok(plist.includes('<string>/home/a b/&quot;q&quot; 100%/$HOME/x&amp;y&lt;z&gt;</string>'));
  assert.doesNotMatch(plist, /x&y/);
  assert.match(
    unitInputProblem({ home: '/a\nExecStart=/bin/evil', node: '/n', path: '/bin' }) ?? '',
    /control character/,
  );
  assert.equal(unitInputProblem({ home: HOSTILE, node: '/n', path: '/bin' }), null);
});

test('workcell daemon unit prints a unit for this home; WORKCELL_DAEMON_STAY keeps an idle daemon up', async () => {
  const home = makeHome('wcu-');
  try {
    const r = spawnSync(process.execPath, [CLI, 'daemon', 'unit', '--systemd'], {
      env: home.env,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes(`Environment="WORKCELLS_HOME=${home.dir.root}"`));
    assert.ok(r.stdout.includes(DAEMON_MAIN));
    // What the unit runs, run as systemd would (foreground), with an idle exit of 300 ms that STAY beats.
    const env = { ...home.env, WORKCELL_DAEMON_STAY: '1', WORKCELL_DAEMON_IDLE_EXIT_MS: '300' };
    const keeper = spawn(process.execPath, [DAEMON_MAIN], { env, stdio: 'ignore' });
    try {
      const leader = await waitFor(() => liveLeader(home.dir), 15_000, 'daemon up');
      await new Promise((res) => setTimeout(res, 2_500)); // negative check: 8 idle-exit periods
      assert.equal(liveLeader(home.dir)?.pid, leader.pid, 'still the same daemon');
      assert.equal(keeper.exitCode, null);
    } finally {
      keeper.kill('SIGTERM');
      await waitFor(() => keeper.exitCode !== null || keeper.signalCode !== null, 15_000, 'keeper stopped');
    }
    assert.equal(liveLeader(home.dir), null);
  } finally {
    home.cleanup();
  }
});
