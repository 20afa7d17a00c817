// Issue 8: a hung verify.sh held its workcell for 10 minutes; neither kill nor resume could stop it.
// Now it has a timeout (settings verifyTimeoutSeconds) and kill/resume end its whole process group.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Engine } from './engine.js';
import { Tmux } from './tmux.js';
import { makeHome, waitFor, leakedProcesses, type TestHome } from './testing/fixture.js';

let home: TestHome;
let engine: Engine;
let repo: string;
beforeEach(() => {
  home = makeHome();
  engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
});
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), [], 'processes left behind');
});

// The check's own child (sleep) is what used to survive: killing sh left it holding the pipe.
const HUNG = 'echo verifying; sleep 300; echo never';

/** The process group of the running verify.sh, once it runs. */
const verifyGroup = (name: string) =>
  waitFor(
    () => {
      const f = join(home.dir.runDir(name), 'verify.proc.json');
      return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as { pid: number }).pid : null;
    },
    10_000,
    `${name}'s verify.sh to run`,
  );

/** A live member of the group (zombies are dead: this sandbox's init is slow to reap them). */
const groupAlive = (pgid: number) =>
  execFileSync('ps', ['-eo', 'pgid=,stat='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .some(([g, stat]) => Number(g) === pgid && !stat?.startsWith('Z'));

async function finished(name: string) {
  return waitFor(
    async () => {
      const ev = await engine.store.readEvents(name);
      return ev.some((e) => e.type === 'finished') ? engine.store.readStatus(name) : null;
    },
    15_000,
    `${name} to finish`,
  );
}

test('verify.sh that hangs is killed at verifyTimeoutSeconds, with the reason recorded', async () => {
  writeFileSync(home.dir.settings, JSON.stringify({ verifyTimeoutSeconds: 1 }));
  const r = await engine.start({ name: 'slow', repo, agent: 'command', verify: HUNG, args: ['true'] });
  assert.ok(r.ok, JSON.stringify(r));
  const pgid = await verifyGroup('slow');
  const s = await finished('slow');
  assert.equal(s.state, 'done');
  assert.deepEqual(
    [s.verify.ran, s.verify.exitCode, s.verify.reason],
    [true, null, 'verify timed out after 1s'],
  );
  await waitFor(() => !groupAlive(pgid), 5_000, 'the whole verify group to be gone');
  assert.match(
    readFileSync(join(home.dir.runDir('slow'), 'handoff.md'), 'utf8'),
    /verify timed out after 1s/,
  );
  assert.equal(existsSync(join(home.dir.runDir('slow'), 'verify.proc.json')), false);
});

test('kill stops a hung verify.sh at once (default timeout), and says so', async () => {
  const r = await engine.start({ name: 'hang', repo, agent: 'command', verify: HUNG, args: ['true'] });
  assert.ok(r.ok, JSON.stringify(r));
  const pgid = await verifyGroup('hang');
  const t0 = Date.now();
  const k = await engine.reap('hang');
  assert.ok(k.ok, JSON.stringify(k));
  // TERM ends sh and sleep at once; the 3 s grace is only for processes that ignore it.
  assert.ok(Date.now() - t0 < 3_000, `kill took ${Date.now() - t0} ms`);
  assert.equal(k.value.finisherStopped, true);
  assert.equal(k.value.status.state, 'done', 'the agent had exited 0: still done');
  assert.equal(k.value.status.verify.exitCode, null);
  assert.equal(k.value.status.verify.reason, 'verify.sh was stopped: the workcell was killed');
  assert.equal(groupAlive(pgid), false);
  const st = await engine.status('hang');
  assert.equal(st.ok && st.value.pane, null, 'its session is closed');
  assert.equal(st.ok && st.value.verified, false, 'claimed done, not verified');
  assert.ok(existsSync(join(home.dir.runDir('hang'), 'handoff.md')));
});
