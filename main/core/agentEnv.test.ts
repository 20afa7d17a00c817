// An agent's environment, seen by a real agent that runs `env` into a file: the secrets the starting
// process held (notifier env, a settings-named secret, our own variables) never reach it, whether the
// tmux server is started by `workcell start` itself or was already running with them.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hiddenFromAgents, scrubEnv, settingsSecretEnvNames } from './agentEnv.js';
import { Engine } from './engine.js';
import { Tmux, tmuxEnv } from './tmux.js';
import { CLI, leakedProcesses, makeHome, waitFor, type TestHome } from './testing/fixture.js';

const run = promisify(execFile);

// Each value is unique, so finding it anywhere in the agent's `env` means it leaked.
const SECRETS = {
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/slack-secret-path',
  TELEGRAM_BOT_TOKEN: '123456:telegram-secret-token',
  MY_PAGER_KEY: 'pager-secret-from-settings',
  WORKCELL_DASHBOARD_TOKEN: 'dashboard-secret-token',
  WORKCELL_KEYCHAIN_ABC: 'keychain-secret',
} as const;

let home: TestHome;
let repo: string;

beforeEach(() => {
  home = makeHome('wc-env-');
  repo = join(home.dir.root, 'repo');
  mkdirSync(repo);
  // A notifier whose secret comes from MY_PAGER_KEY: settings name it, so agents must not see it.
  writeFileSync(
    home.dir.settings,
    JSON.stringify({ notifiers: [{ type: 'webhook', url: { env: 'MY_PAGER_KEY' } }] }),
  );
});
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), [], 'processes left behind');
});

/** The agent: writes its whole environment, then renames it into place (so a reader sees all of it). */
const envAgent = (out: string) => ['/bin/sh', '-c', 'env > "$1.tmp" && mv "$1.tmp" "$1"', 'sh', out];

function assertClean(envText: string, runDir: string) {
  for (const [k, v] of Object.entries(SECRETS)) {
    assert.ok(!envText.includes(v), `${k}'s value reached the agent`);
    assert.ok(!new RegExp(`^${k}=`, 'm').test(envText), `${k} reached the agent`);
  }
  assert.doesNotMatch(envText, /^WORKCELL_(DAEMON|HIDE_ENV)=/m, 'our internals reached the agent');
  assert.doesNotMatch(envText, /^TMUX=/m);
  // What the agent needs, and the user's own variables, are there.
  assert.match(envText, /^KEEP_ME=kept by the agent$/m);
  assert.match(envText, new RegExp(`^WORKCELL_RUN_DIR=${runDir}$`, 'm'));
  assert.match(envText, new RegExp(`^WORKCELLS_HOME=${home.dir.root}$`, 'm'));
  assert.match(envText, /^PATH=/m);
}

test('`workcell start` from an environment holding secrets: the agent and the server have none', async () => {
  const out = join(home.dir.root, 'agent-env.txt');
  const env = { ...home.env, ...SECRETS, KEEP_ME: 'kept by the agent' };
  await run(
    process.execPath,
    [CLI, 'start', 'envcheck', '--repo', repo, '--agent', 'command', '--', ...envAgent(out)],
    { env },
  );
  await waitFor(() => existsSync(out), 10_000, 'the agent to write its environment');
  assertClean(readFileSync(out, 'utf8'), home.dir.runDir('envcheck'));
  // The server's global environment (what any later pane or hook inherits) holds none either.
  const global = execFileSync('tmux', ['-S', home.dir.socket, 'show-environment', '-g'], {
    encoding: 'utf8',
    env: tmuxEnv(),
  });
  for (const v of Object.values(SECRETS)) assert.ok(!global.includes(v), 'a secret is in the server');
});

test('a server already started with the secrets (by hand, or an older version): each pane drops them', async () => {
  const out = join(home.dir.root, 'agent-env.txt');
  // The server is started the old way: by a client whose environment holds everything.
  execFileSync(
    'tmux',
    ['-S', home.dir.socket, '-f', '/dev/null', 'new-session', '-d', '-s', 'by-hand', 'sleep 600'],
    { env: { ...tmuxEnv(), ...SECRETS, KEEP_ME: 'kept by the agent', WORKCELL_DAEMON: 'off' } },
  );
  const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
  const r = await engine.start({ name: 'envcheck', repo, agent: 'command', args: envAgent(out) });
  assert.ok(r.ok, JSON.stringify(r));
  await waitFor(() => existsSync(out), 10_000, 'the agent to write its environment');
  assertClean(readFileSync(out, 'utf8'), home.dir.runDir('envcheck'));
});

test('the rule: our prefixes, the documented notifier names, names from settings, TMUX', () => {
  const names = settingsSecretEnvNames(
    '{"notifiers":[{"url":{"env":"A_1"}},{"token":{ "env" : "B"}},{"headers":{"x":{"env":"bad name"}}}]}',
  );
  assert.deepEqual(names, ['A_1', 'B']);
  for (const n of ['WORKCELL_X', 'WORKCELLS_HOME', 'SLACK_WEBHOOK_URL', 'A_1', 'TMUX'])
    assert.ok(hiddenFromAgents(n, ['SLACK_WEBHOOK_URL', ...names]), n);
  for (const n of ['PATH', 'HOME', 'ANTHROPIC_API_KEY', 'GITHUB_TOKEN', 'WORKCELLX'])
    assert.ok(!hiddenFromAgents(n, ['SLACK_WEBHOOK_URL', ...names]), n);
  assert.deepEqual(scrubEnv({ A_1: 'x', PATH: '/bin', WORKCELL_Y: 'y' }, names), { PATH: '/bin' });
});
