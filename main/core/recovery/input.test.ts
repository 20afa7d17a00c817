// Any user input cancels a scheduled resume (issue 11), on a real tmux server: a reply (the path of
// `workcell send`, the tray and the dashboard) and keys in the take-control terminal cancel it and say
// so in events.jsonl; keys sent to a read-only peek do not (they never reach the agent).
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WebSocket } from 'ws';
import { Engine } from '../engine.js';
import { Tmux } from '../tmux.js';
import { FAKE_AGENT, leakedProcesses, makeHome, waitFor, type TestHome } from '../testing/fixture.js';
import { openTermSession, type TermSession } from '../bridge/termSession.js';
import { readRecovery, updateRecovery } from './record.js';

let home: TestHome;
let engine: Engine;

/** The slice of a ws WebSocket termSession uses. */
class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  send(): void {}
  close(): void {
    this.readyState = 3;
    this.emit('close');
  }
}

beforeEach(() => {
  home = makeHome('wci-');
  engine = new Engine(home.dir, new Tmux(home.dir.socket, home.dir.tmuxConf));
});
afterEach(async () => {
  home.cleanup();
  assert.deepEqual(await leakedProcesses(home), []);
});

async function limitedWorkcell(name: string): Promise<void> {
  const repo = join(home.dir.root, `repo-${name}`);
  mkdirSync(repo);
  const r = await engine.start({
    name,
    repo,
    agent: 'command',
    args: [process.execPath, FAKE_AGENT, '--ask', 'limit reached', '--sleep', '60000'],
  });
  assert.ok(r.ok, JSON.stringify(r));
  await waitFor(async () => (await engine.status(name)).ok, 10_000, 'listed');
  // A resume scheduled an hour from now, as the daemon parks a limited workcell.
  await updateRecovery(home.dir, name, (rec) => ({
    ...rec,
    limit: {
      kind: 'limit',
      state: 'scheduled',
      id: '1:0:x',
      pass: 1,
      vendor: 'command',
      resetAt: null,
      resetSource: 'estimated',
      dueAt: new Date(Date.UTC(2030, 0, 2, 4)).toISOString(),
      attempts: 0,
      window: new Date(Date.UTC(2030, 0, 2, 3)).toISOString(),
    },
  }));
}
const stateOf = async (name: string) => (await readRecovery(home.dir, name)).limit?.state;
const cancels = async (name: string) =>
  (await engine.store.readEvents(name)).filter((e) => e.type === 'recovery' && e.action === 'cancel');
const agentLog = (name: string) => readFileSync(join(home.dir.runDir(name), 'agent.log'), 'utf8');

test('a reply (workcell send, tray, dashboard) cancels the scheduled resume before it is typed', async () => {
  await limitedWorkcell('r');
  const r = await engine.reply('r', { text: 'I will take it from here', enter: true }, 'cli');
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(await stateOf('r'), 'cancelled');
  const [c] = await cancels('r');
  assert.match(String(c?.detail), /scheduled resume cancelled: user input \(reply from the cli\)/);
  await waitFor(() => agentLog('r').includes('got: I will take it from here'), 10_000, 'the reply typed');
  // A second reply finds nothing to cancel and says nothing more.
  assert.ok((await engine.reply('r', { key: 'Enter' }, 'dashboard')).ok);
  assert.equal((await cancels('r')).length, 1);
});

test('keys in the take-control terminal cancel it; keys sent to a read-only peek do not', async () => {
  await limitedWorkcell('t');
  const sessions = new Set<TermSession>();
  const registry = {
    add: (s: TermSession) => sessions.add(s),
    delete: (s: TermSession) => sessions.delete(s),
  };
  const peekWs = new FakeSocket();
  const peek = await openTermSession(peekWs as unknown as WebSocket, engine, 't', true, registry);
  assert.ok(peek);
  peekWs.emit('message', Buffer.from('typed into a peek\r'), true);
  const ctlWs = new FakeSocket();
  const ctl = await openTermSession(ctlWs as unknown as WebSocket, engine, 't', false, registry);
  assert.ok(ctl);
  try {
    // The peek's keys went nowhere: still scheduled (checked after the control session is up, so the
    // peek's message has long been handled).
    assert.equal(await stateOf('t'), 'scheduled');
    ctlWs.emit('message', Buffer.from('taking over\r'), true);
    await waitFor(async () => (await stateOf('t')) === 'cancelled', 10_000, 'cancelled by the keys');
    // Its audit line follows the record (cancelOnInput writes recovery.json first).
    const [c] = await waitFor(
      async () => ((await cancels('t')).length ? cancels('t') : null),
      5_000,
      'the audit',
    );
    assert.match(String(c?.detail), /user input \(the take-control terminal\)/);
    await waitFor(() => agentLog('t').includes('got: taking over'), 10_000, 'the keys reached the agent');
    assert.ok(!agentLog('t').includes('typed into a peek'));
  } finally {
    peek.close('test done');
    ctl.close('test done');
  }
});
