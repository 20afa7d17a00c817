// The finisher on a real tmux server: a repo deleted while the agent ran makes verify say so, instead of
// "FAILED (exit null)" with no reason (issue 8, B4).
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

test('a pass that ended leaves no gemini telemetry behind: the file is emptied, the rest of the trail kept', async () => {
  // The agent writes what gemini would (about 100 KB a model call) where gemini writes it, and exits.
  const script =
    'mkdir -p "$WORKCELL_RUN_DIR/hooks" && head -c 300000 /dev/zero | tr "\\0" x > "$WORKCELL_RUN_DIR/hooks/gemini-telemetry.log"';
  const started = await engine.start({
    name: 'telemetry',
    repo,
    agent: 'command',
    verify: 'true',
    args: ['/bin/sh', '-c', script],
  });
  assert.ok(started.ok, started.ok ? '' : started.error.message);
  const runDir = home.dir.runDir('telemetry');
  const file = join(runDir, 'hooks', 'gemini-telemetry.log');
  await waitFor(() => existsSync(join(runDir, RUN_FILES.handoff)), 20_000, 'the finisher to finish');
  assert.equal(statSync(file).size, 0);
  assert.ok(statSync(join(runDir, RUN_FILES.log)).size > 0, 'agent.log kept');
});

// The CI race (modes.test k1): the tmux server killed, a wrapper records its agent's end and its
// finisher starts only later (here: the home's four finisher slots are held, as 50 ending agents hold
// them); recovery resumes the workcell meanwhile. The late finisher of pass 1 used to read pass 2's
// status with no exit record and no pane, and wrote "vanished" onto the new, running pass.
test('a finisher that starts after its workcell was resumed writes nothing onto the new pass', async () => {
  // The four slots held: with flock (Linux) as its lock files, else as pid files of a live process.
  const slots = join(home.dir.root, 'state', 'finishers');
  mkdirSync(slots, { recursive: true });
  for (const i of [0, 1, 2, 3]) writeFileSync(join(slots, `${i}.pid`), `${process.pid}\n`);
  const holder = spawn(
    '/bin/sh',
    [
      '-c',
      'command -v flock >/dev/null || { echo held; exec cat; }; exec 3>>"$1/0.lock" 4>>"$1/1.lock" 5>>"$1/2.lock" 6>>"$1/3.lock"; flock 3; flock 4; flock 5; flock 6; echo held; exec cat',
      'holder',
      slots,
    ],
    { stdio: ['pipe', 'pipe', 'ignore'] },
  );
  await new Promise<void>((r) => holder.stdout.once('data', () => r()));
  const released = new Promise((r) => holder.once('exit', r));
  const r = await engine.start({
    name: 'late',
    repo,
    agent: 'command',
    args: [process.execPath, FAKE_AGENT, '--print', 'working', '--sleep', '60000'],
  });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  await waitFor(
    async () =>
      (await engine.status('late')).ok &&
      readFileSync(join(home.dir.runDir('late'), RUN_FILES.log), 'utf8').includes('working'),
    10_000,
    'pass 1 running',
  );
  const live = await engine.status('late');
  assert.ok(live.ok && live.value.pane);
  execFileSync('tmux', ['-S', home.dir.socket, 'kill-server']);
  // What the supervisor does when its tmux server dies (ServerWatch): hang up the agent's group. The
  // wrapper outlives the hangup and records the end; its finisher waits for a slot.
  process.kill(-live.value.pane.pid, 'SIGHUP');
  let seen = '';
  const st = await waitFor(
    async () => {
      const s = await engine.status('late');
      seen = JSON.stringify(s.ok ? { state: s.value.state, ev: s.value.evidence } : s.error);
      return s.ok && s.value.state === 'failed' ? s.value : null;
    },
    15_000,
    'pass 1 recorded as ended',
  ).catch((e: Error) => assert.fail(`${e.message}: ${seen}`));
  assert.equal(st.signal, 'SIGHUP');
  const resumed = await engine.resume('late');
  assert.ok(resumed.ok, resumed.ok ? '' : resumed.error.message);
  assert.equal(resumed.value.pass, 2);
  const marker = join(home.dir.exits, 'late');
  rmSync(marker, { force: true });
  // The slots free: pass 1's finisher runs now (and wakes the supervisor with the marker when done).
  for (const i of [0, 1, 2, 3]) rmSync(join(slots, `${i}.pid`), { force: true });
  holder.stdin.end();
  await released;
  await waitFor(() => existsSync(marker), 20_000, "pass 1's finisher to finish");
  // status.json itself (engine.status would read a live pane as "present again" over a wrong record).
  const now = await engine.store.readStatus('late');
  assert.equal(now?.pass, 2);
  assert.equal(now?.state, 'running', JSON.stringify(now?.evidence));
  assert.equal(now?.verify.ran, false);
  const events = await engine.store.readEvents('late');
  assert.equal(events.filter((e) => e.type === 'finished').length, 0, 'pass 2 has not finished');
  assert.ok((await engine.kill('late')).ok);
});
