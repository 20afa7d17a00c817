// A stable dashboard URL per home (issue 10): `workcell ui` restarted serves the same port and token, so
// an open tab keeps working; `--rotate-token` replaces the token and a tab holding the old one is told
// "token rotated" (a header the page reads), not a bare "forbidden". The token stays 0600 on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, makeHome, waitFor, type TestHome } from '../../core/testing/fixture.js';
import { http } from '../../core/bridge/testing/testClient.js';
import { REFUSAL_HEADER } from '../../common/bridge.js';

interface Running {
  port: number;
  token: string;
  url: string;
  stderr: () => string;
  stop(): Promise<void>;
}

async function ui(home: TestHome, ...extra: string[]): Promise<Running> {
  const child = spawn(process.execPath, [CLI, 'ui', '--no-supervise', '--no-open', ...extra], {
    env: home.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise((r) => child.once('exit', r));
  const line = await waitFor(() => out.split('\n').find((l) => l.startsWith('http://')), 15_000, 'the URL');
  const u = new URL(line.trim());
  return {
    port: Number(u.port),
    token: new URLSearchParams(u.hash.slice(1)).get('token') ?? '',
    url: u.origin,
    stderr: () => err,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

test(
  'ui: same URL after a restart; --rotate-token tells old tabs to reopen',
  { timeout: 120_000 },
  async () => {
    const home = makeHome('wc-uis-');
    try {
      const first = await ui(home);
      const tab = { port: first.port, token: first.token, url: first.url }; // what an open tab holds
      assert.equal((await http(tab, 'GET', '/api/workcells')).status, 200);
      const file = join(home.dir.ui, 'bridge.json');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      await first.stop();

      const second = await ui(home);
      assert.equal(second.port, first.port);
      assert.equal(second.token, first.token);
      assert.equal((await http(tab, 'GET', '/api/workcells')).status, 200, 'the old tab still works');
      await second.stop();

      const rotated = await ui(home, '--rotate-token');
      assert.equal(rotated.port, first.port);
      assert.notEqual(rotated.token, first.token);
      assert.match(rotated.stderr(), /token was rotated/);
      const old = await http(tab, 'GET', '/api/workcells');
      assert.equal(old.status, 403);
      assert.equal(old.headers[REFUSAL_HEADER.toLowerCase()], 'token-rotated');
      assert.match(old.body, /token rotated: reopen the dashboard from `workcell ui`/);
      const posted = await http(tab, 'POST', '/api/workcells/x/kill');
      assert.equal(posted.headers[REFUSAL_HEADER.toLowerCase()], 'token-rotated');
      const stranger = await http({ ...tab, token: 'not-a-token-we-ever-issued' }, 'GET', '/api/workcells');
      assert.equal(stranger.status, 403);
      assert.equal(stranger.headers[REFUSAL_HEADER.toLowerCase()], undefined);
      assert.equal((await http({ ...tab, token: rotated.token }, 'GET', '/api/workcells')).status, 200);
      // Neither token in clear text is kept for the old one: only its hash.
      const kept = readFileSync(file, 'utf8');
      assert.ok(!kept.includes(first.token));
      await rotated.stop();
    } finally {
      home.cleanup();
    }
  },
);
