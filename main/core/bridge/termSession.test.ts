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
import { TERM_CLOSE } from '../../common/bridge.js';
import { BufferedFlow, FlowController } from './flowControl.js';
import { openTermSession, type TermSession } from './termSession.js';
import { EventEmitter } from 'node:events';

/** The slice of a ws WebSocket termSession uses; sends queue until `flush()`. */
class StalledSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly texts: string[] = [];
  private readonly chunks: Buffer[] = [];
  private pending: (() => void)[] = [];
  send(data: Buffer | string, _opts?: unknown, cb?: () => void): void {
    if (typeof data === 'string') return void this.texts.push(data);
    this.bufferedAmount += data.length;
    this.pending.push(() => {
      this.bufferedAmount -= data.length;
      this.chunks.push(data);
      cb?.();
    });
  }
  flush(): void {
    const p = this.pending;
    this.pending = [];
    p.forEach((f) => f());
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
  close(): void {
    this.readyState = 3;
    this.emit('close');
  }
}

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
  let repo: string;
  const startFake = async (name: string, args: string[]): Promise<void> => {
    const r = await engine.start({ name, repo, agent: 'command', args: ['node', FAKE_AGENT, ...args] });
    assert.ok(r.ok, JSON.stringify(r));
  };
  before(async () => {
    home = makeHome('wc-pk-');
    engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
    bridge = await startBridge({
      engine,
      fleet: new RunsDirFleetSource(engine),
      staticDir: mkdtempSync(join(tmpdir(), 'wc-st-')),
    });
    repo = mkdtempSync(join(tmpdir(), 'wc-repo-'));
    await startFake('asker', ['--print', 'hello from the pane', '--ask', 'proceed?', '--sleep', '60000']);
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

  it('a peek is one JSON hello, then raw bytes only, and ends with a close frame (AttachAddon prints any text frame)', async () => {
    await startFake('ender', ['--print', 'about to end', '--sleep', '60000']);
    const ws = await open(bridge, '/peek/ender');
    const out = collect(ws);
    await waitFor(() => out.text().includes('about to end'), 10_000, 'pane text on the peek');
    const closed = new Promise<[number, string]>((r) => ws.once('close', (c, why) => r([c, why.toString()])));
    await engine.tmux.killSession('ender');
    const [code, reason] = await closed;
    assert.equal(code, TERM_CLOSE.ended);
    assert.match(reason, /tmux client exited/);
    assert.deepEqual(
      out.frames.map((f) => (f as { type: string }).type),
      ['size'],
      'no text frame after the hello',
    );
  });

  it('a peek whose socket stalls pauses the pty, tmux skips, and the end of the flood arrives after', async () => {
    // A socket that never flushes until told to: loopback TCP buffers would absorb the ~200 kB tmux
    // sends a stalled client long before any watermark, so the socket is the one stand-in here; tmux,
    // the pty and the flood are real.
    await startFake('flooder', [
      '--ask',
      'go?',
      '--flood',
      '8000000',
      '--print',
      'FLOOD-END',
      '--sleep',
      '60000',
    ]);
    const ws = new StalledSocket();
    const registry = new Set<TermSession>();
    const marks = { highBufferedBytes: 32_768, lowBufferedBytes: 8_192 };
    const s = await openTermSession(ws as unknown as WebSocket, engine, 'flooder', true, registry, marks);
    assert.ok(s);
    try {
      await waitFor(() => (ws.flush(), ws.text().includes('go?')), 10_000, 'the question');
      await engine.tmux.run(['send-keys', '-t', '=flooder:', 'go', 'Enter']);
      // 60 s: on a 2-core machine busy with other suites this once took longer than 20 s. What the
      // pane and the socket held by then says which side was slow.
      await waitFor(() => s.flow().paused, 60_000, 'the peek pty to pause').catch(async (e: unknown) => {
        const pane = await engine.peek('flooder');
        const tail = pane.ok ? pane.value.trimEnd().split('\n').slice(-3).join(' | ') : pane.error.message;
        throw new Error(`${String(e)}; queued ${ws.bufferedAmount} bytes; pane: ${tail.slice(-300)}`);
      });
      await waitFor(
        async () => {
          const p = await engine.peek('flooder');
          return p.ok && p.value.includes('FLOOD-END');
        },
        60_000,
        'the flood to end in the pane',
      );
      // Paused all along: the queue grew by at most what node-pty had read before the pause.
      assert.ok(s.flow().paused);
      assert.ok(ws.bufferedAmount <= marks.highBufferedBytes + 65_536, `queued ${ws.bufferedAmount}`);
      assert.ok(!ws.text().includes('FLOOD-END'), 'nothing got through while paused');
      // The reader catches up: the pty resumes and tmux redraws the screen it skipped.
      await waitFor(() => (ws.flush(), ws.text().slice(-100_000).includes('FLOOD-END')), 30_000, 'the end');
      assert.equal(s.flow().paused, false);
      assert.deepEqual(
        ws.texts.map((t) => (JSON.parse(t) as { type: string }).type),
        ['size'],
      );
    } finally {
      s.close('test done');
      await engine.tmux.killSession('flooder');
    }
    await waitFor(() => clients(home).length === 0, 5_000, 'the peek client to detach');
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

describe('BufferedFlow', () => {
  it('pauses above the high watermark, resumes only below the low one, and never twice', () => {
    const calls: string[] = [];
    let buffered = 0;
    const f = new BufferedFlow(
      { pause: () => calls.push('pause'), resume: () => calls.push('resume') },
      () => buffered,
      100,
      10,
    );
    const table: [number, string[]][] = [
      [50, []],
      [100, []], // at the watermark: not above it
      [101, ['pause']],
      [500, ['pause']], // already paused
      [50, ['pause']], // between the marks: stays paused
      [10, ['pause']],
      [9, ['pause', 'resume']],
      [0, ['pause', 'resume']], // already running
      [101, ['pause', 'resume', 'pause']],
    ];
    for (const [b, want] of table) {
      buffered = b;
      f.check();
      assert.deepEqual(calls, want, `after buffered=${b}`);
    }
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
