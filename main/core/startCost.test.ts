// What a start costs its caller (issues 11-13: resume, recover and loop iterations all go through it):
// the tmux processes it starts, counted through the Tmux executor seam, and no checkpoint on its path
// (the daemon's keeper takes the first one). Real tmux, a real git repo, the fake agent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from './engine.js';
import { Tmux, execFileExecutor, type Executor } from './tmux.js';
import { CHECKPOINT_FILE, readCheckpoint } from './continuity/checkpoint.js';
import { ContinuityKeeper } from './continuity/keeper.js';
import { Transitions } from './transition.js';
import { FAKE_AGENT, leakedProcesses, makeHome, waitFor } from './testing/fixture.js';

test('a start runs two tmux processes once tmux was checked, writes no checkpoint, and the keeper takes the first', async () => {
  const home = makeHome('wc-cost-');
  try {
    const calls: string[][] = [];
    const counting: Executor = (file, args, opts) => {
      calls.push(args);
      return execFileExecutor(file, args, opts);
    };
    const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf, counting));
    const repo = join(home.dir.root, 'repo');
    mkdirSync(repo);
    const git = (...a: string[]) => execFileSync('git', a, { cwd: repo, stdio: 'ignore' });
    git('init', '-q');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '--allow-empty', '-m', 'start');
    const args = [process.execPath, FAKE_AGENT, '--print', 'up', '--sleep', '60000'];

    assert.ok((await engine.start({ name: 'one', repo, agent: 'command', args })).ok);
    assert.equal(calls.filter((a) => a[0] === '-V').length, 1, 'tmux -V on the first start');
    calls.length = 0;
    const r = await engine.start({ name: 'two', repo, agent: 'command', args });
    assert.ok(r.ok);
    // has-session (the name check) and the one new-session chain; the version is known already.
    assert.deepEqual(
      calls.map((a) => a.find((x) => x === '-V' || x === 'has-session' || x === 'new-session')),
      ['has-session', 'new-session'],
    );
    assert.equal(r.value.git.headAtStart?.length, 40, 'the head at start is still recorded');

    const runDir = home.dir.runDir('two');
    assert.ok(!existsSync(join(runDir, CHECKPOINT_FILE)), 'no checkpoint on the caller path');
    const keeper = new ContinuityKeeper(engine.store, new Transitions(engine.store));
    const list = await engine.list();
    assert.ok(list.ok);
    await keeper.observe(list.value);
    const cp = await waitFor(() => readCheckpoint(runDir), 5_000, 'the first checkpoint');
    assert.deepEqual([cp.why, cp.pass, cp.state, cp.cwd], ['started', 1, 'running', repo]);
  } finally {
    home.cleanup();
    assert.deepEqual(await leakedProcesses(home), []);
  }
});
