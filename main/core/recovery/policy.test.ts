// The recovery policy's three sources, on real workcells: the per-workcell choice over the repo's
// SUPERVISOR.md (as it was at start) over the settings default.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../engine.js';
import { Tmux } from '../tmux.js';
import { FAKE_AGENT, leakedProcesses, makeHome, waitFor, type TestHome } from '../testing/fixture.js';
import { setPolicy } from './manual.js';
import { effectivePolicy } from './policy.js';
import { readRecovery } from './record.js';

let home: TestHome;
let engine: Engine;
beforeEach(() => {
  home = makeHome('wcp-');
  engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
});
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), []);
});

async function startIn(name: string, rules: string | null) {
  const repo = join(home.dir.root, `repo-${name}`);
  mkdirSync(repo);
  if (rules !== null) writeFileSync(join(repo, 'SUPERVISOR.md'), rules);
  const r = await engine.start({
    name,
    repo,
    agent: 'command',
    args: [process.execPath, FAKE_AGENT, '--sleep', '60000'],
  });
  assert.ok(r.ok, JSON.stringify(r));
  return repo;
}
const policy = async (name: string) =>
  effectivePolicy(home.dir, name, await readRecovery(home.dir, name), () => 'suggest');

test("SUPERVISOR.md's Recovery section sets the policy; the workcell's own choice wins; no rules, the default", async () => {
  const repo = await startIn('ruled', '# Rules for agents\n\n## Recovery\n- auto\n');
  await startIn('plain', null);
  try {
    assert.equal(await policy('ruled'), 'auto');
    assert.equal(await policy('plain'), 'suggest');
    // The agent rewriting SUPERVISOR.md mid-run does not change the policy it was started under.
    writeFileSync(join(repo, 'SUPERVISOR.md'), '## Recovery\n- off\n');
    assert.equal(await policy('ruled'), 'auto');
    assert.ok((await setPolicy(engine, 'ruled', 'off')).ok);
    assert.equal(await policy('ruled'), 'off');
  } finally {
    for (const n of ['ruled', 'plain']) await engine.kill(n);
  }
});

test('start --recover: the policy is on disk before the agent runs (a run that ends at once is judged by it)', async () => {
  const repo = join(home.dir.root, 'repo-fast');
  mkdirSync(repo);
  writeFileSync(join(repo, 'SUPERVISOR.md'), '## Recovery\n- off\n');
  const r = await engine.start({
    name: 'fast',
    repo,
    agent: 'command',
    args: ['/bin/sh', '-c', 'cat "$WORKCELL_RUN_DIR/recovery.json"; echo'],
    recoverPolicy: 'auto',
  });
  assert.ok(r.ok, JSON.stringify(r));
  const log = await waitFor(
    () => {
      const t = readFileSync(join(home.dir.runDir('fast'), 'agent.log'), 'utf8');
      return /"policy"/.test(t) ? t : null;
    },
    15_000,
    'the agent to print what it found',
  );
  assert.match(log, /"policy":\s*"auto"/);
  assert.equal(await policy('fast'), 'auto');
});
