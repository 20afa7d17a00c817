// The bridge refuses every API call and upgrade without the token, the exact Host and (for upgrades
// and writes) the exact Origin; accepts the right ones. The renderer's files need the exact Host only.
// No tmux session is needed for these.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../engine.js';
import { Tmux } from '../tmux.js';
import { makeHome, type TestHome } from '../testing/fixture.js';
import { startBridge, type Bridge } from './server.js';
import { RunsDirFleetSource } from './runsDirFleetSource.js';
import { tokenEquals } from './auth.js';
import { CSP } from './staticFiles.js';
import { connect, http } from './testing/testClient.js';

describe('bridge security', () => {
  let home: TestHome;
  let bridge: Bridge;
  before(async () => {
    home = makeHome('wc-br-');
    const engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
    const staticDir = mkdtempSync(join(tmpdir(), 'wc-static-'));
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
    bridge = await startBridge({ engine, fleet: new RunsDirFleetSource(engine), staticDir });
  });
  after(async () => {
    await bridge.close();
    home.cleanup();
  });

  it('compares tokens in constant time and refuses empty ones', () => {
    assert.equal(tokenEquals('abc', 'abc'), true);
    assert.equal(tokenEquals('abd', 'abc'), false);
    assert.equal(tokenEquals('', 'abc'), false);
    assert.equal(tokenEquals(null, 'abc'), false);
  });

  it('binds 127.0.0.1 on an ephemeral port with a long random token', () => {
    assert.match(bridge.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(bridge.port > 0);
    assert.ok(bridge.token.length >= 40);
  });

  it('accepts the right token, Host and Origin', async () => {
    const r = await http(bridge, 'GET', '/api/workcells');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { ok: true, value: [] });
  });

  const refusals: [string, Parameters<typeof http>[3]][] = [
    ['no token', { token: null }],
    ['a wrong token', { token: 'x'.repeat(43) }],
    ['a wrong Host', { host: 'evil.example:80' }],
    ['localhost instead of 127.0.0.1 (DNS rebinding shape)', { host: 'localhost:1' }],
  ];
  for (const [what, forge] of refusals) {
    it(`refuses HTTP with ${what}`, async () => {
      assert.equal((await http(bridge, 'GET', '/api/workcells', forge)).status, 403);
    });
    it(`refuses a WebSocket upgrade with ${what}`, async () => {
      assert.deepEqual(await connect(bridge, '/events', forge), { refused: 403 });
    });
  }

  it('refuses a write and an upgrade from a foreign Origin, or with no Origin', async () => {
    for (const origin of ['http://evil.example', `http://localhost:${bridge.port}`, null]) {
      const r = await http(bridge, 'POST', '/api/workcells/x/kill', { origin });
      assert.equal(r.status, 403, `POST with Origin ${origin}`);
      assert.deepEqual(
        await connect(bridge, '/events', { origin }),
        { refused: 403 },
        `upgrade with Origin ${origin}`,
      );
    }
  });

  it('serves the page itself without a token (exact Host only), and sets no cookie', async () => {
    const page = await http(bridge, 'GET', '/', { token: null, origin: null });
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-security-policy'], CSP);
    assert.equal(page.headers['set-cookie'], undefined);
    assert.equal((await http(bridge, 'GET', '/', { token: null, host: 'evil.example:80' })).status, 403);
  });

  it('takes the token from no cookie and no query: those leak (other ports, logs)', async () => {
    const cookie = `workcell_token=${bridge.token}`;
    assert.equal((await http(bridge, 'GET', '/api/workcells', { token: null, cookie })).status, 403);
    assert.deepEqual(await connect(bridge, '/events', { token: null, cookie }), { refused: 403 });
    assert.equal(
      (await http(bridge, 'GET', `/api/workcells?token=${bridge.token}`, { token: null })).status,
      403,
    );
    assert.deepEqual(await connect(bridge, `/events?token=${bridge.token}`, { token: null }), {
      refused: 403,
    });
    const r = await http(bridge, 'GET', `/?token=${bridge.token}`, { token: null, origin: null });
    assert.equal(r.headers['set-cookie'], undefined);
  });

  it('answers a request target that is not a path with 400', async () => {
    for (const target of ['//evil.example/', 'http://127.0.0.1/api/workcells', '*']) {
      assert.equal((await http(bridge, 'GET', target)).status, 400, target);
    }
  });

  it('serves no file outside the static directory', async () => {
    for (const p of ['/../package.json', '/%2e%2e/package.json', '/.hidden.js', '/x/index.html']) {
      assert.equal((await http(bridge, 'GET', p)).status, 404, p);
    }
  });

  it('answers a start with a bad name with the core error value', async () => {
    const r = await http(
      bridge,
      'POST',
      '/api/workcells',
      {},
      { name: 'Bad Name!', repo: tmpdir(), agent: 'command', args: ['true'] },
    );
    assert.equal(r.status, 400);
    const body = JSON.parse(r.body) as { ok: boolean; error: { code: string; message: string } };
    assert.equal(body.ok, false);
    assert.equal(body.error.code, 'BAD_NAME');
  });
});
