// At most 4 finishers (verify.sh, git summary, handoff) run at once per home: a burst of exits must
// not start one node process per exit (200 at nice 19 outweighed the supervisor three to one). Real
// tmux, real wrappers, a verify.sh that counts how many checks run beside it.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from './engine.js';
import { Tmux } from './tmux.js';
import { makeHome, waitFor, leakedProcesses, type TestHome } from './testing/fixture.js';

let home: TestHome;
beforeEach(() => (home = makeHome()));
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), []);
});

async function burst(n: number): Promise<number[]> {
  const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  const repo = join(home.dir.root, 'repo');
  const shared = join(home.dir.root, 'shared');
  mkdirSync(repo);
  mkdirSync(join(shared, 'running'), { recursive: true });
  // Paths we own (no quotes in them: makeHome's temp dirs); each check notes how many run with it.
  const verify = [
    `touch "${shared}/running/$$"`,
    `ls "${shared}/running" | wc -l >> "${shared}/counts"`,
    'sleep 1',
    `rm -f "${shared}/running/$$"`,
  ].join('\n');
  for (let i = 0; i < n; i++) {
    const r = await engine.start({ name: `f${i}`, repo, agent: 'command', args: ['/bin/true'], verify });
    assert.ok(r.ok, JSON.stringify(r));
  }
  await waitFor(
    async () => {
      const l = await engine.list();
      return l.ok && l.value.length === n && l.value.every((w) => w.verify.ran) ? true : null;
    },
    60_000,
    `all ${n} verified`,
  );
  return readFileSync(join(shared, 'counts'), 'utf8').trim().split(/\s+/).map(Number);
}

test('a burst of exits: every pass is verified, never more than 4 checks at once (flock)', async () => {
  const counts = await burst(10);
  assert.equal(counts.length, 10);
  assert.ok(Math.max(...counts) <= 4, `at most 4 at once: ${counts.join(',')}`);
});

test('without flock (its lock files unusable, as where flock is missing): the pid-file slots hold the line', async () => {
  const slots = join(home.dir.state, 'finishers');
  for (let i = 0; i < 4; i++) mkdirSync(join(slots, `${i}.lock`), { recursive: true }); // `exec 9>` fails
  const counts = await burst(10);
  assert.equal(counts.length, 10);
  assert.ok(Math.max(...counts) <= 4, `at most 4 at once: ${counts.join(',')}`);
});

test('an exits/ folder that cannot be written: the wrapper still finishes (verify runs, the exit code stands)', async () => {
  const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  const repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  const r = await engine.start({
    name: 'nomarker',
    repo,
    agent: 'command',
    args: ['/bin/sh', '-c', 'sleep 1; exit 3'],
    verify: 'exit 0',
  });
  assert.ok(r.ok, JSON.stringify(r));
  rmSync(home.dir.exits, { recursive: true, force: true });
  writeFileSync(home.dir.exits, 'not a folder'); // the marker's redirection fails (ENOTDIR)
  const w = await waitFor(
    async () => {
      const s = await engine.status('nomarker');
      return s.ok && s.value.verify.ran && s.value.pane?.dead ? s.value : null;
    },
    30_000,
    'verified despite the marker',
  );
  assert.equal(w.state, 'failed');
  assert.equal(w.exitCode, 3);
  assert.equal(w.pane?.dead, true);
});
