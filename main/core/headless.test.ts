// `start --headless` end to end: a stand-in vendor CLI on PATH prints the argv it was given.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Engine } from './engine.js';
import { Tmux } from './tmux.js';
import { makeHome, waitFor, leakedProcesses, type TestHome } from './testing/fixture.js';

let home: TestHome;
let engine: Engine;
let repo: string;
const savedPath = process.env.PATH;

beforeEach(() => {
  home = makeHome('wch-');
  engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  // A `claude` that prints each argument and exits: the private tmux server starts with this PATH.
  const bin = join(home.dir.root, 'bin-fake');
  mkdirSync(bin);
  writeFileSync(join(bin, 'claude'), `#!/bin/sh\nfor a in "$@"; do printf '[%s]\\n' "$a"; done\n`, {
    mode: 0o755,
  });
  process.env.PATH = `${bin}:${savedPath}`;
});
afterEach(async () => {
  process.env.PATH = savedPath;
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), [], 'processes left behind');
});

async function logOf(name: string): Promise<string> {
  await waitFor(
    async () => {
      const s = await engine.status(name);
      return s.ok && s.value.state === 'done';
    },
    15_000,
    `${name} to be done`,
  );
  // The pane's log writer (a node process) may start after a fast agent has already ended: its
  // output waits in the pipe and lands a moment later. Read once the log is non-empty and stable.
  const read = () => fs.readFile(join(home.dir.runDir(name), 'agent.log'), 'utf8');
  let last = '';
  return waitFor(
    async () => {
      const now = await read();
      const stable = now !== '' && now === last;
      last = now;
      if (!stable) await new Promise((r) => setTimeout(r, 100));
      return stable ? now : null;
    },
    10_000,
    `${name}'s agent.log to settle`,
  );
}

test('--headless runs claude -p, records headless, and exits on its own', async () => {
  const r = await engine.start({
    name: 'hl',
    repo,
    agent: 'claude',
    objective: 'fix it',
    args: [],
    hooks: false,
    headless: true,
  });
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value.headless, true);
  assert.deepEqual(r.value.argv.slice(0, 2), ['claude', '-p']);
  const log = await logOf('hl');
  assert.match(log, /^\[-p\]/m);
  // Headless claude prints its stream-json events on the pane: the detector reads api_retry from them.
  assert.match(log, /^\[stream-json\]/m);
  assert.match(log, /fix it/);
  assert.equal((await engine.store.readStatus('hl'))?.headless, true);
});

test('a long brief reaches the agent as a pointer to brief.md, not in argv', async () => {
  const r = await engine.start({
    name: 'long',
    repo,
    agent: 'claude',
    objective: 'z'.repeat(10_000),
    args: [],
    hooks: false,
    headless: true,
  });
  assert.ok(r.ok, JSON.stringify(r));
  const prompt = r.value.argv.at(-1)!;
  assert.ok(prompt.length < 300, prompt);
  assert.ok(prompt.includes(join(home.dir.runDir('long'), 'brief.md')));
  assert.doesNotMatch(await logOf('long'), /zzzz/);
  assert.ok(
    (await fs.readFile(join(home.dir.runDir('long'), 'brief.md'), 'utf8')).includes('z'.repeat(10_000)),
  );
});
