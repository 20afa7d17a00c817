// The control client and the exit waiter against real tmux servers on private sockets: the fleet
// subscription is confirmed on every fresh start, failures come back as values, retries back off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { ensureHome } from '../home.js';
import { execFileExecutor, nodeSpawner, tmuxEnv, Tmux, type Executor, type Spawner } from '../tmux.js';
import { ManualClock } from '../testing/manualClock.js';
import { leakedProcesses, makeHome, waitFor, type TestHome } from '../testing/fixture.js';
import {
  ControlClient,
  ControlParser,
  ENTRY_SEP as E,
  ExitWaiter,
  FIELD_SEP as F,
  HOME_SESSION,
  homeGone,
  parseFleet,
  type ControlEvent,
  type FleetPane,
} from './controlClient.js';

const tmuxIn = (home: TestHome, ...args: string[]): string =>
  execFileSync('tmux', ['-S', home.dir.socket, ...args], { encoding: 'utf8', env: tmuxEnv() });

/** A home with its tmux.conf written, as the supervisor would start it; torn down with a leak check. */
async function withHome(fn: (home: TestHome, tmux: Tmux) => Promise<void>, exec?: Executor): Promise<void> {
  const home = makeHome('wcc-');
  try {
    const h = await ensureHome(home.dir);
    assert.ok(h.ok);
    await fn(home, new Tmux(home.dir.socket, home.dir.tmuxConf, exec ?? execFileExecutor));
  } finally {
    home.cleanup();
    assert.deepEqual(await leakedProcesses(home), []);
  }
}

// tmux says the home session exists without asking: makes connect() attach to whatever is (not) there.
const claimsHomeExists: Executor = (file, args, opts) =>
  args.includes('has-session')
    ? Promise.resolve({ stdout: '', stderr: '', code: 0 })
    : execFileExecutor(file, args, opts);

test('parseFleet: entries, hostile titles, torn and empty input', () => {
  const entry = (...f: string[]) => f.join(F) + E;
  const table: [what: string, value: string, want: FleetPane[]][] = [
    ['empty value (no panes)', '', []],
    [
      'two panes, one dead',
      entry('_sv', '10', '0', '1700000000', 'vm') + entry('fix-1', '20', '1', '1700000005', 'claude'),
      [
        { session: '_sv', pid: 10, dead: false, activity: 1700000000, title: 'vm' },
        { session: 'fix-1', pid: 20, dead: true, activity: 1700000005, title: 'claude' },
      ],
    ],
    [
      'a title holding the old separators, a backslash escape and UTF-8 stays whole',
      entry('a', '1', '0', '5', 'x|@|y|z \\101 é ✳'),
      [{ session: 'a', pid: 1, dead: false, activity: 5, title: 'x|@|y|z \\101 é ✳' }],
    ],
    [
      'an empty title',
      entry('a', '1', '0', '5', ''),
      [{ session: 'a', pid: 1, dead: false, activity: 5, title: '' }],
    ],
    [
      'activity not a number reads 0',
      entry('a', '1', '0', '', 't'),
      [{ session: 'a', pid: 1, dead: false, activity: 0, title: 't' }],
    ],
    [
      'a torn entry (too few fields) is skipped',
      `a${F}1${F}0${E}` + entry('b', '2', '0', '1', 't'),
      [{ session: 'b', pid: 2, dead: false, activity: 1, title: 't' }],
    ],
    [
      'no trailing separator',
      ['a', '1', '0', '1', 't'].join(F),
      [{ session: 'a', pid: 1, dead: false, activity: 1, title: 't' }],
    ],
    ['an entry with no session is skipped', entry('', '1', '0', '1', 't'), []],
  ];
  for (const [what, value, want] of table) assert.deepEqual(parseFleet(value), want, what);
});

test('ControlParser: replies are told apart from notifications, output lines starting with % included', () => {
  const p = new ControlParser();
  const lines = [
    '%begin 1700000000 12 0',
    '%end 1700000000 12 0',
    '%session-changed $0 _sv',
    '%begin 1700000000 13 1',
    '%window-add @1', // output of a command, not a notification
    '%end 1700000000 99 1', // not this block's end
    '%error 1700000000 13 1',
    '%begin 1700000001 14 0',
    "can't find session: nope",
    '%error 1700000001 14 0',
    'stray text outside a block',
    '%exit',
  ];
  const got = lines.map((l) => p.push(l)).filter((e): e is ControlEvent => e !== null);
  assert.deepEqual(got, [
    { kind: 'reply', ok: true, text: '' },
    { kind: 'notification', name: '%session-changed', line: '%session-changed $0 _sv' },
    { kind: 'reply', ok: false, text: '%window-add @1\n%end 1700000000 99 1' },
    { kind: 'reply', ok: false, text: "can't find session: nope" },
    { kind: 'notification', name: '%exit', line: '%exit' },
  ]);
});

// The old client wrote the subscription to stdin before tmux had attached it: measured on 3.3a it was
// lost on 3/20 fresh servers and 8/20 reconnects to a running one. Both cases, 15 times each.
test('every connect is subscribed, fresh server or running: a title change arrives as a fleet event', async () => {
  for (let i = 0; i < 15; i++) {
    await withHome(async (home, tmux) => {
      for (const phase of ['fresh server', 'running server']) {
        const c = new ControlClient(tmux);
        const fleets: FleetPane[][] = [];
        c.on('fleet', (f: FleetPane[]) => fleets.push(f));
        try {
          const r = await c.connect();
          assert.ok(r.ok, `${phase} ${i}: ${r.ok ? '' : r.error.message}`);
          const title = `title-${i}-${phase.replace(' ', '-')}`;
          let session = HOME_SESSION;
          if (phase === 'fresh server') tmuxIn(home, 'select-pane', '-t', `=${HOME_SESSION}:`, '-T', title);
          else {
            // The way an agent does it: OSC 2 printed in its pane.
            session = 'osc';
            tmuxIn(
              home,
              'new-session',
              '-d',
              '-s',
              session,
              '--',
              '/bin/sh',
              '-c',
              `printf '\\033]2;${title}\\033\\\\'; exec sleep 60`,
            );
          }
          // The subscription pushes at most once a second: 5 s is generous, not a sleep.
          await waitFor(
            () => fleets.some((f) => f.some((p) => p.session === session && p.title === title)),
            5_000,
            `${phase} ${i}: a fleet event with ${session} titled ${title} (got ${fleets.length} fleet events)`,
          );
        } finally {
          c.close();
        }
      }
    });
  }
});

test("attaching to a missing home session is a failure value with tmux's words, and nothing is left running", async () => {
  await withHome(async (home, tmux) => {
    tmuxIn(home, 'new-session', '-d', '-s', 'other', '--', '/bin/sh', '-c', 'exec sleep 60');
    const c = new ControlClient(tmux);
    let closed = 0;
    c.on('closed', () => closed++);
    const r = await c.connect();
    assert.equal(r.ok, false);
    assert.match(
      r.ok ? '' : r.error.message,
      /could not attach to the home session: can't find session: _sv/,
    );
    assert.equal(r.ok ? '' : r.error.code, 'TMUX_FAILED');
    assert.equal(c.connected, false);
    assert.equal(closed, 0, 'a connection that never opened does not report closing');
  }, claimsHomeExists);
});

test('no server at all: the client exits before attaching and its stderr is the reason', async () => {
  await withHome(async (_home, tmux) => {
    const r = await new ControlClient(tmux).connect();
    assert.equal(r.ok, false);
    assert.match(
      r.ok ? '' : r.error.message,
      /could not attach to the home session: (no server running|error connecting|no sessions)/,
    );
  }, claimsHomeExists);
});

/** A control client whose output the test writes, for replies real tmux 3.3a cannot be made to give. */
function fakeClient(): { spawner: Spawner; out: PassThrough; killed: () => boolean } {
  const out = new PassThrough();
  let killed = false;
  const child = Object.assign(new EventEmitter(), {
    stdin: new PassThrough(),
    stdout: out,
    stderr: new PassThrough(),
    kill: () => {
      killed = true;
      out.end();
      setImmediate(() => child.emit('close', null));
      return true;
    },
  });
  return { spawner: () => child as unknown as ChildProcess, out, killed: () => killed };
}

test('a subscription refused by tmux is a failure value, not silently ignored', async () => {
  const fake = fakeClient();
  const tmux = new Tmux('/nonexistent/sock', '/nonexistent/conf', claimsHomeExists);
  const c = new ControlClient(tmux, { spawner: fake.spawner });
  const pending = c.connect();
  // What the old stdin-written subscription got back when it raced the attach.
  await new Promise((r) => setImmediate(r));
  fake.out.write('%begin 1 1 0\n%end 1 1 0\n%begin 1 2 0\nno current client\n%error 1 2 0\n');
  const r = await pending;
  assert.deepEqual(r, {
    ok: false,
    error: { code: 'TMUX_FAILED', message: 'tmux could not subscribe to fleet changes: no current client' },
  });
  assert.ok(fake.killed());
});

test('a client tmux never answers times out as a failure value and is killed', async () => {
  const fake = fakeClient();
  const clock = new ManualClock();
  const tmux = new Tmux('/nonexistent/sock', '/nonexistent/conf', claimsHomeExists);
  const c = new ControlClient(tmux, { spawner: fake.spawner, clock });
  const pending = c.connect();
  await waitFor(() => clock.pending === 1, 2_000, 'the connect timer');
  fake.out.write('%begin 1 1 0\n%end 1 1 0\n'); // attached, then silence
  clock.advance(5_000);
  const r = await pending;
  assert.match(
    r.ok ? '' : r.error.message,
    /did not confirm .* within 5000 ms \(subscribe to fleet changes\)/,
  );
  assert.ok(fake.killed());
});

test('closed is reported when the server dies, not after close()', async () => {
  await withHome(async (home, tmux) => {
    const c = new ControlClient(tmux);
    let closed = 0;
    c.on('closed', () => closed++);
    assert.ok((await c.connect()).ok);
    c.close();
    assert.ok((await c.connect()).ok, 'reconnects to the running server');
    tmuxIn(home, 'kill-server');
    await waitFor(() => closed === 1, 5_000, 'closed after kill-server');
    assert.equal(c.connected, false);
  });
});

/** Counts real tmux clients spawned and reaped. */
function countingSpawner(): { spawner: Spawner; spawned: () => number; reaped: () => number } {
  let spawned = 0;
  let reaped = 0;
  return {
    spawner: (file, args, opts) => {
      spawned += 1;
      const c = nodeSpawner(file, args, opts);
      c.on('close', () => (reaped += 1));
      return c;
    },
    spawned: () => spawned,
    reaped: () => reaped,
  };
}

test('ExitWaiter against a killed server backs off (250 ms doubling to 30 s) and stops cleanly', async () => {
  await withHome(async (home, tmux) => {
    tmuxIn(home, 'new-session', '-d', '-s', 'a', '--', '/bin/sh', '-c', 'exec sleep 60');
    const clock = new ManualClock();
    const n = countingSpawner();
    const w = new ExitWaiter(tmux, { spawner: n.spawner, clock });
    let exits = 0;
    w.on('exit', () => exits++);
    w.start();
    tmuxIn(home, 'wait-for', '-S', 'sv-exit');
    await waitFor(() => exits === 1 && n.spawned() === 2, 5_000, 'a wake and the next wait');
    tmuxIn(home, 'kill-server');
    // wait-for exits 0 when its server dies (one more wake), then every new wait fails at once.
    const settled = () => n.spawned() === n.reaped() && clock.pending === 1;
    await waitFor(settled, 5_000, 'the first failed wait and its retry timer');
    const before = n.spawned();
    let fakeMs = 0;
    while (fakeMs + clock.delays.at(-1)! <= 60_000) {
      fakeMs += clock.delays.at(-1)!;
      clock.advance(clock.delays.at(-1)!);
      await waitFor(settled, 5_000, `the retry after ${fakeMs} ms and its timer`);
    }
    assert.deepEqual(clock.delays, [250, 500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000]);
    // 7 spawns in a minute of outage; the old reconnect loop (250 ms, reset on every spawn) made 240.
    assert.equal(n.spawned() - before, 7);
    assert.equal(w.failures, 8);
    w.stop();
    assert.equal(clock.pending, 0, 'stop() leaves no retry behind');
    clock.advance(10 * 60_000);
    assert.equal(n.spawned() - before, 7, 'nothing is spawned after stop()');
  });
});

test('ExitWaiter stops and says gone when its home is removed', async () => {
  await withHome(async (home, tmux) => {
    tmuxIn(home, 'new-session', '-d', '-s', 'a', '--', '/bin/sh', '-c', 'exec sleep 60');
    const clock = new ManualClock();
    const n = countingSpawner();
    const w = new ExitWaiter(tmux, { spawner: n.spawner, clock, homeGone: () => homeGone(home.dir) });
    let gone = 0;
    w.on('gone', () => gone++);
    w.start();
    assert.equal(homeGone(home.dir), false);
    home.cleanup(); // kills the server and removes the directory
    assert.equal(homeGone(home.dir), true);
    await waitFor(() => gone === 1 && n.spawned() === n.reaped(), 5_000, "'gone'");
    assert.equal(clock.pending, 0, 'no retry is scheduled');
    const spawned = n.spawned();
    clock.advance(10 * 60_000);
    assert.equal(n.spawned(), spawned);
  });
});
