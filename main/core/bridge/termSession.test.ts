// Peek and control against a REAL tmux server on a private socket: the peek shows the pane, input on
// a peek changes nothing, control does, and closing a socket leaves no tmux client behind.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Engine } from '../engine.js';
import { Tmux, tmuxEnv } from '../tmux.js';
import { FAKE_AGENT, liveSessions, makeHome, waitFor, type TestHome } from '../testing/fixture.js';
import { startBridge, type Bridge } from './server.js';
import { RunsDirFleetSource } from './runsDirFleetSource.js';
import { collect, connect } from './testing/testClient.js';
import type { WebSocket } from 'ws';
import { FlowController } from './flowControl.js';

function clients(home: TestHome): string[] {
  try {
    return execFileSync(
      'tmux',
      ['-S', home.dir.socket, 'list-clients', '-F', '#{client_name} #{session_name}'],
      {
        encoding: 'utf8',
        env: tmuxEnv(),
      },
    )
      .split('\n')
      .filter(Boolean);
  } catch {
    // no server: no clients
    return [];
  }
}

async function open(bridge: Bridge, path: string): Promise<WebSocket> {
  const r = await connect(bridge, path);
  if (!('ws' in r)) throw new Error(`refused ${r.refused}`);
  return r.ws;
}

describe('peek and control over the bridge (real tmux)', () => {
  let home: TestHome;
  let engine: Engine;
  let bridge: Bridge;
  before(async () => {
    home = makeHome('wc-pk-');
    engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
    bridge = await startBridge({
      engine,
      fleet: new RunsDirFleetSource(engine),
      staticDir: mkdtempSync(join(tmpdir(), 'wc-st-')),
    });
    const repo = mkdtempSync(join(tmpdir(), 'wc-repo-'));
    const r = await engine.start({
      name: 'asker',
      repo,
      agent: 'command',
      args: ['node', FAKE_AGENT, '--print', 'hello from the pane', '--ask', 'proceed?', '--sleep', '60000'],
    });
    assert.ok(r.ok, JSON.stringify(r));
  });
  after(async () => {
    await bridge.close();
    home.cleanup();
    assert.deepEqual(liveSessions(home), []);
  });

  it('streams the pane to a peek, sized to the tmux window first', async () => {
    const ws = await open(bridge, '/peek/asker');
    const out = collect(ws);
    await waitFor(() => out.text().includes('hello from the pane'), 10_000, 'pane text on the peek');
    const size = out.frames[0] as { type: string; cols: number; rows: number };
    const st = await engine.status('asker');
    assert.ok(st.ok && st.value.pane);
    assert.equal(size.type, 'size');
    assert.equal(size.cols, st.value.pane.width);
    assert.ok(size.rows >= st.value.pane.height);
    ws.close();
    await waitFor(() => clients(home).length === 0, 5_000, 'the peek client to detach');
  });

  it('drops input on a read-only peek; control delivers it', async () => {
    const peek = await open(bridge, '/peek/asker');
    const peekOut = collect(peek);
    await waitFor(() => peekOut.text().includes('proceed?'), 10_000, 'the question');
    peek.send(Buffer.from('from-the-peek\r'), { binary: true });

    const control = await open(bridge, '/control/asker');
    const controlOut = collect(control);
    await waitFor(() => controlOut.frames.length > 0, 5_000, 'the size frame');
    control.send(Buffer.from('from-control\r'), { binary: true });
    const screen = await waitFor(
      async () => {
        const p = await engine.peek('asker');
        return p.ok && p.value.includes('got: from-control') ? p.value : null;
      },
      10_000,
      'the control input in the pane',
    );
    // The agent reads ONE line: had the peek's input reached the pane it would have been that line.
    assert.doesNotMatch(screen, /from-the-peek/);
    peek.close();
    control.close();
    await waitFor(() => clients(home).length === 0, 5_000, 'both clients to detach');
  });

  it('answers a peek of an unknown workcell with an error frame, and spawns nothing', async () => {
    const ws = await open(bridge, '/peek/nosuch');
    const out = collect(ws);
    const code = await new Promise<number>((r) => ws.once('close', (c) => r(c)));
    assert.equal(code, 4404);
    assert.equal((out.frames[0] as { type: string }).type, 'error');
    assert.equal(bridge.sessions().length, 0);
  });

  it('closing the bridge kills every pty, leaving no tmux client', async () => {
    const ws = await open(bridge, '/peek/asker');
    await waitFor(() => clients(home).length === 1, 5_000, 'the peek client to attach');
    assert.equal(bridge.sessions().length, 1);
    ws.terminate();
    await waitFor(
      () => clients(home).length === 0 && bridge.sessions().length === 0,
      5_000,
      'cleanup after terminate',
    );
  });
});

describe('FlowController', () => {
  it('pauses above the high watermark and resumes only below the low one', () => {
    const calls: string[] = [];
    const f = new FlowController(
      { pause: () => calls.push('pause'), resume: () => calls.push('resume') },
      100,
      10,
    );
    f.sent(60);
    f.sent(60);
    assert.deepEqual(calls, ['pause']);
    f.acked(100);
    assert.deepEqual(calls, ['pause'], '20 left: still above low');
    f.acked(15);
    assert.deepEqual(calls, ['pause', 'resume']);
    f.acked(-1000);
    f.acked(Number.NaN);
    assert.equal(f.pending, 5, 'negative and NaN acks are ignored');
  });
});
