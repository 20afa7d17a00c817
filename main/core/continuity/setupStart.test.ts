// SUPERVISOR.md setup commands on the FIRST start (issue 12): a fresh checkout (a new worktree) needs
// `npm ci` before the agent can work, so `workcell start` runs them in the repo before the agent exists,
// as a resume does before each later pass. A failure starts nothing, frees the name and keeps the output;
// a repo without setup commands spends nothing on them. Real tmux, real sh, the fake agent.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../engine.js';
import { Tmux } from '../tmux.js';
import { leakedProcesses, liveSessions, makeHome, waitFor, type TestHome } from '../testing/fixture.js';

let home: TestHome;
let engine: Engine;
let repo: string;
beforeEach(() => {
  home = makeHome('wcs-');
  engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
});
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), []);
});

const rules = (cmds: string) => `## Rules\n- Keep it small.\n\n## Setup\n\`\`\`sh\n${cmds}\n\`\`\`\n`;
// The agent says whether the checkout was prepared when it began.
const agent = [
  '/bin/sh',
  '-c',
  'if [ -e node_modules/.ready ]; then echo prepared; else echo bare; fi; exec sleep 600',
];
const start = (name: string) =>
  engine.start({ name, repo, agent: 'command', objective: 'Ship it', args: agent });
const events = (name: string) => readFileSync(join(home.dir.runDir(name), 'events.jsonl'), 'utf8');

test('the first start runs the setup commands in the repo before the agent, with their output in setup-1.log', async () => {
  writeFileSync(
    join(repo, 'SUPERVISOR.md'),
    rules('echo installing in "$PWD"\nmkdir -p node_modules && touch node_modules/.ready'),
  );
  const r = await start('fresh');
  assert.ok(r.ok, JSON.stringify(r));
  await waitFor(
    () => /prepared|bare/.test(readFileSync(join(home.dir.runDir('fresh'), 'agent.log'), 'utf8')),
    10_000,
    'the agent to say',
  );
  assert.match(readFileSync(join(home.dir.runDir('fresh'), 'agent.log'), 'utf8'), /prepared/);
  assert.equal(
    readFileSync(join(home.dir.runDir('fresh'), 'setup-1.log'), 'utf8'),
    `$ echo installing in "$PWD"\ninstalling in ${repo}\n# exit 0\n$ mkdir -p node_modules && touch node_modules/.ready\n# exit 0\n`,
  );
  assert.ok(!existsSync(join(home.dir.state, 'setup-fresh.log')), 'moved into the run dir');
  assert.match(
    events('fresh'),
    /"type":"setup-ran","pass":1,"detail":"2 command\(s\), output in .*setup-1\.log"/,
  );
  // The brief says they ran instead of asking the agent to run them.
  const brief = readFileSync(join(home.dir.runDir('fresh'), 'brief.md'), 'utf8');
  assert.match(brief, /The supervisor ran these setup commands before you started/);
  assert.doesNotMatch(brief, /Before you start, run the setup commands/);
});

test('a failing setup command starts nothing: the name stays free, the error names the command and the kept log', async () => {
  writeFileSync(
    join(repo, 'SUPERVISOR.md'),
    rules('echo fetching\necho "npm ERR! 404 left-pad" >&2; exit 1\ntouch never.txt'),
  );
  const r = await start('broken');
  assert.ok(!r.ok);
  const log = join(home.dir.state, 'setup-broken.log');
  assert.equal(r.error.code, 'BAD_REPO');
  assert.equal(
    r.error.message,
    `broken: SUPERVISOR.md setup command 2 of 3 (\`echo "npm ERR! 404 left-pad" >&2; exit 1\`) exited 1: its output is in ${log}; fix the command or the repo, then start again (nothing was started)`,
  );
  assert.match(readFileSync(log, 'utf8'), /npm ERR! 404 left-pad\n# exit 1\n$/);
  assert.ok(!existsSync(join(repo, 'never.txt')), 'stops at the first failure');
  assert.ok(!existsSync(home.dir.runDir('broken')), 'no run dir left');
  assert.deepEqual(liveSessions(home), []);
  // Fixed: the same name starts.
  writeFileSync(join(repo, 'SUPERVISOR.md'), rules('mkdir -p node_modules && touch node_modules/.ready'));
  const again = await start('broken');
  assert.ok(again.ok, JSON.stringify(again));
});

test('no setup commands: nothing is run or written for them', async () => {
  writeFileSync(join(repo, 'SUPERVISOR.md'), '## Rules\n- Keep it small.\n');
  const r = await start('plain');
  assert.ok(r.ok, JSON.stringify(r));
  assert.ok(!existsSync(join(home.dir.runDir('plain'), 'setup-1.log')));
  assert.ok(!existsSync(join(home.dir.state, 'setup-plain.log')));
  assert.doesNotMatch(events('plain'), /setup-/);
  await waitFor(
    () => /bare/.test(readFileSync(join(home.dir.runDir('plain'), 'agent.log'), 'utf8')),
    10_000,
    'the agent',
  );
});
