// The finisher on a real tmux server: a repo deleted while the agent ran makes verify say so, instead of
// "FAILED (exit null)" with no reason (issue 8, B4).
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from './engine.js';
import { RUN_FILES } from './paths.js';
import { Tmux, tmuxEnv } from './tmux.js';
import { CLI, FAKE_AGENT, leakedProcesses, makeHome, waitFor, type TestHome } from './testing/fixture.js';

let home: TestHome;
let engine: Engine;
let repo: string;

beforeEach(() => {
  home = makeHome();
  engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  execFileSync('git', ['init', '-q'], { cwd: repo });
});
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), [], 'processes left behind');
});

test('the repo deleted mid-run: verify says the repo is gone (status, verify.log, pane, handoff)', async () => {
  const started = await engine.start({
    name: 'orphan-repo',
    repo,
    agent: 'command',
    verify: 'true',
    args: [process.execPath, FAKE_AGENT, '--ask', 'Proceed? (y/n)'],
  });
  assert.ok(started.ok, started.ok ? '' : started.error.message);
  await waitFor(
    async () => {
      const p = await engine.peek('orphan-repo');
      return p.ok && p.value.includes('Proceed?');
    },
    10_000,
    'the question',
  );
  rmSync(repo, { recursive: true, force: true });
  execFileSync('tmux', ['-S', home.dir.socket, 'send-keys', '-t', '=orphan-repo:', 'y', 'Enter'], {
    env: tmuxEnv(),
  });
  const s = await waitFor(
    async () => {
      const st = await engine.status('orphan-repo');
      return st.ok && st.value.verify.ran ? st.value : null;
    },
    20_000,
    'verify recorded',
  );
  const gone = new RegExp(`the repo ${repo} is gone`);
  assert.equal(s.verify.exitCode, null);
  assert.match(s.verify.reason ?? '', gone);
  assert.match(readFileSync(join(s.runDir, RUN_FILES.verifyLog), 'utf8'), gone);
  assert.match(s.verify.outputTail ?? '', gone, 'the notification tail carries it');
  await waitFor(
    () =>
      /verify\.sh could not run: the repo .* is gone/.test(
        readFileSync(join(s.runDir, RUN_FILES.log), 'utf8'),
      ),
    10_000,
    'the pane (agent.log) says it',
  );
  const handoff = await waitFor(() => {
    try {
      return readFileSync(join(s.runDir, RUN_FILES.handoff), 'utf8');
    } catch {
      return null; // not written yet
    }
  });
  assert.match(handoff, /could not run: the repo .* is gone/);
  assert.doesNotMatch(handoff, /exit null/);
  const status = spawnSync(process.execPath, [CLI, 'status', 'orphan-repo'], {
    env: home.env,
    encoding: 'utf8',
  });
  assert.match(status.stdout, /verify\s+.*: verify\.sh could not run: the repo .* is gone/);
  assert.doesNotMatch(status.stdout, /null/);
});
