// agent.log is bounded (issue 8): a real flooding pane under a real supervisor passes the cap, its log
// is rotated to agent.log.1 by re-pointing tmux's pipe-pane, and not a byte is lost or reordered at
// the switch (the numbered lines run on without a gap across the two files).
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../engine.js';
import { readTail } from '../fsutil.js';
import { Tmux } from '../tmux.js';
import { makeHome, waitFor, FAKE_AGENT, leakedProcesses, type TestHome } from '../testing/fixture.js';
import { Supervisor } from './supervisor.js';

let home: TestHome;
beforeEach(() => (home = makeHome()));
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), []);
});

const CAP = 256 * 1024;
const FLOOD = 400_000;

test('a flooding agent: agent.log rotates at the cap, nothing lost at the switch, readers still see the end', async () => {
  writeFileSync(home.dir.settings, JSON.stringify({ agentLogMaxMB: CAP / 1048576 }));
  const repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  const logs: string[] = [];
  const sup = await Supervisor.start({ dir: home.dir, log: (l) => logs.push(l) });
  assert.ok(sup.ok, sup.ok ? '' : sup.error.message);
  try {
    const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
    // Four floods with pauses: each passes the cap, and the supervisor looks in between.
    const flood = ['--flood', String(FLOOD), '--sleep', '2500'];
    const r = await engine.start({
      name: 'flood',
      repo,
      agent: 'command',
      args: [process.execPath, FAKE_AGENT, ...flood, ...flood, ...flood, ...flood, '--print', 'THE-END'],
    });
    assert.ok(r.ok, JSON.stringify(r));
    await waitFor(
      async () => {
        const s = await engine.status('flood');
        return s.ok && s.value.state === 'done' ? s.value : null;
      },
      90_000,
      'the floods to end',
    );
    const log = join(home.dir.runDir('flood'), 'agent.log');
    await waitFor(async () => (await readTail(log, 4096)).includes('THE-END'), 10_000, 'THE-END logged');
    assert.ok(
      existsSync(`${log}.1`),
      `rotated (supervisor log: ${logs.filter((l) => /agent\.log/.test(l)).join(' | ')})`,
    );
    assert.ok(logs.filter((l) => /kept as agent\.log\.1/.test(l)).length >= 2, 'rotated more than once');
    // Bounded: each file holds at most the cap plus what one flood writes before the next look.
    for (const f of [log, `${log}.1`])
      assert.ok(statSync(f).size <= CAP + 2 * FLOOD, `${f}: ${statSync(f).size}`);

    // Byte-exact across the switch: the numbered lines run on without a gap.
    const text = (readFileSync(`${log}.1`, 'utf8') + readFileSync(log, 'utf8')).replace(/\r/g, '');
    const lines = text.split('\n').slice(1); // the first may be the cut end of an older, dropped file
    let prev = -1;
    let floodLines = 0;
    for (const line of lines) {
      const m = /^(\d{8}) x{70}$/.exec(line);
      if (!m) continue; // the agent's own last words, a shell's
      const n = Number(m[1]);
      assert.ok(n === prev || n === prev + 1 || n === 0 || prev === -1, `gap: ${prev} -> ${n}`);
      prev = n;
      floodLines += 1;
    }
    assert.ok(floodLines * 80 >= CAP, `kept ${floodLines} flood lines`);
    // A line cut at the switch would show as a malformed flood line: there is none.
    assert.equal(lines.filter((l) => /^\d{8} x*$/.test(l) && !/^\d{8} x{70}$/.test(l)).length, 0);
  } finally {
    await sup.value.stop();
  }
});
