// agent.log is bounded (issue 8: 270 MB from one flood): the pane's writer rotates it to agent.log.1
// at settings.agentLogMaxMB, byte-exact, and the readers (status's last line, peek) keep working.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../engine.js';
import { readTail } from '../fsutil.js';
import { Tmux } from '../tmux.js';
import { makeHome, waitFor, leakedProcesses, FAKE_AGENT, type TestHome } from '../testing/fixture.js';

const WRITER = fileURLToPath(new URL('./logWriter.js', import.meta.url));
// One read of the writer's buffer may land past the cap before it rotates.
const READ_CHUNK = 256 * 1024;

let home: TestHome;
beforeEach(() => (home = makeHome()));
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), [], 'processes left behind');
});

test('the writer keeps every byte, in order, across rotations; at most two files', async () => {
  const capBytes = 64 * 1024;
  writeFileSync(home.dir.settings, JSON.stringify({ agentLogMaxMB: capBytes / 1024 / 1024 }));
  const runDir = home.dir.runDir('w');
  mkdirSync(runDir, { recursive: true });
  const log = join(runDir, 'agent.log');
  writeFileSync(log, 'earlier\n'); // a pass's log exists before the pane starts: appended to
  const input = randomBytes(1_000_003); // every byte value, an odd length
  const child = spawn(process.execPath, [WRITER, log], { stdio: ['pipe', 'ignore', 'inherit'] });
  // Uneven writes, as a pty delivers them.
  for (let off = 0, i = 0; off < input.length; i++) {
    const n = [1, 4096, 70_000, 333][i % 4]!;
    if (!child.stdin.write(input.subarray(off, off + n)))
      await new Promise((r) => child.stdin.once('drain', r));
    off += n;
  }
  child.stdin.end();
  assert.equal(await new Promise((r) => child.once('exit', r)), 0);
  const cur = readFileSync(log);
  const prev = readFileSync(`${log}.1`);
  assert.ok(cur.length < capBytes, `agent.log ${cur.length} bytes`);
  assert.ok(prev.length >= capBytes && prev.length <= capBytes + READ_CHUNK, `agent.log.1 ${prev.length}`);
  const kept = Buffer.concat([prev, cur]);
  assert.ok(kept.equals(input.subarray(input.length - kept.length)), 'the newest bytes, exactly');
});

test('a flooding agent in a real pane: agent.log is capped, the last line and peek still read it', async () => {
  const capBytes = 256 * 1024;
  writeFileSync(home.dir.settings, JSON.stringify({ agentLogMaxMB: capBytes / 1024 / 1024 }));
  const repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  const r = await engine.start({
    name: 'flood',
    repo,
    agent: 'command',
    args: [process.execPath, FAKE_AGENT, '--flood', '3000000', '--print', 'THE-END'],
  });
  assert.ok(r.ok, JSON.stringify(r));
  await waitFor(
    async () => {
      const s = await engine.status('flood');
      return s.ok && s.value.state === 'done' && s.value.pane?.dead ? s.value : null;
    },
    60_000,
    'the flood to end',
  );
  const log = join(home.dir.runDir('flood'), 'agent.log');
  // The pane's pipe may still be draining for a moment after the agent's exit.
  // (Either file: the writer may rotate right after the chunk holding the last words.)
  await waitFor(async () => (await readTail(log, 4096)).includes('THE-END'), 10_000, 'THE-END logged');
  assert.ok(existsSync(`${log}.1`), 'rotated');
  assert.ok(statSync(log).size <= capBytes + READ_CHUNK, `agent.log ${statSync(log).size}`);
  assert.ok(statSync(`${log}.1`).size <= capBytes + READ_CHUNK, `agent.log.1 ${statSync(`${log}.1`).size}`);
  assert.ok(statSync(`${log}.1`).size >= capBytes);
  await engine.gc({}); // close the dead pane: peek then falls back to agent.log
  const peek = await engine.peek('flood', { lines: 5 });
  assert.match(peek.ok ? peek.value : '', /THE-END/);
  const after = await engine.status('flood');
  assert.match(after.ok ? after.value.lastLine : '', /THE-END|\[workcell\]/);
});

test('readTail of a just-rotated log tops up from agent.log.1', async () => {
  const log = join(home.dir.root, 'agent.log');
  writeFileSync(`${log}.1`, 'older line\nlast words before the rotation\n');
  writeFileSync(log, '');
  assert.equal(await readTail(log, 31), 'last words before the rotation\n');
  writeFileSync(log, 'new\n');
  assert.equal(await readTail(log, 10), 'otation\nnew\n'.slice(-10));
  assert.equal(await readTail(log, 4), 'new\n', 'a long enough current file is read alone');
});
