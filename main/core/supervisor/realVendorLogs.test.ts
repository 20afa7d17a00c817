// The real copilot, gemini and claude CLIs (pinned, from the conformance cache) started as workcells by
// `workcell start`, against the loopback mock answering every request with an error they retry
// without naming it: copilot draws "Working" over a 429, gemini "Thinking..." over a 500, claude "API
// error · Retrying" over a 401. The supervisor daemon must tell from their logs in the run dir
// (vendorLogs.ts) what their screens do not say.
// Skipped, in one line each, without the cache.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { binPath } from '../testing/conformance/install.js';
import { vendorByName } from '../testing/conformance/vendors.js';
import type { Scenario } from '../testing/conformance/mockApi.js';
import { CLI, leakedProcesses, makeHome, waitFor, type TestHome } from '../testing/fixture.js';
import { realCli, realCliSkip, type RealCli } from '../testing/realCli.js';

let home: TestHome | null = null;
let cli: RealCli | null = null;
afterEach(async () => {
  if (home) {
    spawnSync(process.execPath, [CLI, 'kill', 'w'], { env: { ...home.env } });
    spawnSync(process.execPath, [CLI, 'daemon', 'stop'], { env: { ...home.env } });
    spawnSync('tmux', ['-S', home.dir.socket, 'kill-server']);
    home.cleanup();
    assert.deepEqual(await leakedProcesses(home), []);
  }
  await cli?.close();
  [home, cli] = [null, null];
});

async function silentRetry(
  vendor: 'copilot' | 'gemini' | 'claude',
  scenario: Scenario,
): Promise<{ state: string; reason: string | null; evidence: string }> {
  cli = await realCli(vendor, { scenario });
  home = makeHome('wcrl-');
  spawnSync('git', ['init', '-q', cli.cwd]);
  const env = {
    ...cli.env,
    ...home.env,
    // the pinned CLI as the user's `copilot` / `gemini` / `claude` on PATH
    PATH: `${dirname(binPath(vendorByName(vendor)!))}:${cli.env.PATH}`,
    WORKCELL_DAEMON: 'on',
    WORKCELL_DAEMON_IDLE_EXIT_MS: '60000',
  };
  const r = spawnSync(
    process.execPath,
    [CLI, 'start', 'w', '--repo', cli.cwd, '--agent', vendor, '--objective', 'Say hello.'],
    { env, encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const status = join(home.dir.runDir('w'), 'status.json');
  type S = { state: string; reason: string | null; evidence: { source: string; detail: string } | null };
  // copilot unpacks itself on a first start (about 20 s here), then retries every 20 s
  let last = '';
  const s = await waitFor(
    () => {
      const v = JSON.parse(readFileSync(status, 'utf8')) as S;
      last = `${v.state}/${v.reason} <- ${v.evidence?.source}: ${v.evidence?.detail}`;
      return v.evidence?.source === 'log' ? v : null;
    },
    150_000,
    `the daemon to read ${vendor}'s log`,
  ).catch((e: unknown) => {
    const screen = spawnSync('tmux', ['-S', home!.dir.socket, 'capture-pane', '-p', '-t', 'w'], {
      encoding: 'utf8',
    }).stdout;
    throw new Error(`${String(e)}; status: ${last}; screen:\n${screen.trimEnd()}`);
  });
  return { state: s.state, reason: s.reason, evidence: s.evidence!.detail };
}

test(
  'real copilot over a 429 it retries in silence: rate-limited (throttled), from its log',
  { skip: realCliSkip('copilot') },
  async () => {
    const s = await silentRetry('copilot', 'plain_429');
    assert.equal(s.state, 'rate_limited');
    assert.equal(s.reason, 'throttled');
    assert.match(s.evidence, /^copilot log: model request failed: HTTP 429, retry in 20s$/);
  },
);

test(
  'real gemini over a 500 it retries in silence: stalled on an API error, from its telemetry',
  { skip: realCliSkip('gemini') },
  async () => {
    const s = await silentRetry('gemini', 'server_500');
    assert.equal(s.state, 'stalled');
    assert.equal(s.reason, 'api_error');
    assert.match(s.evidence, /^gemini log: model request failed: HTTP 500: /);
  },
);

test(
  'real claude over a 401 it retries as a plain "API error": logged out, from its debug log',
  { skip: realCliSkip('claude') },
  async () => {
    const s = await silentRetry('claude', 'auth_401');
    assert.equal(s.state, 'auth_failed');
    assert.match(
      s.evidence,
      /^claude log: model request failed \(attempt \d+\): HTTP 401: invalid x-api-key$/,
    );
  },
);
