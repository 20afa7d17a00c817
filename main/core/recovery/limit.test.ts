// Usage limits waited out on a real tmux server with fake agents and a ManualClock (issue 11): the
// resume fires once at reset + jitter and is confirmed; a limit still there is parked again and never
// tried a third time; three limited workcells of one vendor wake one at a time, canary first; a login
// error holds the vendor without a restart loop. The clock is the only fake: tmux, the agents, the
// supervisor and the files are real, and no test waits for the reset on the wall clock.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAKE_AGENT, waitFor } from '../testing/fixture.js';
import { recoveryRig, type RecoveryRig } from '../testing/recoveryRig.js';
import { readHome } from './guard.js';
import { setPolicy } from './manual.js';

// The fake clock starts at 03:04:05 UTC on a fixed day; every banner's reset is one minute later.
const T0 = Date.UTC(2030, 0, 2, 3, 4, 5);
const RESET = new Date(T0 + 60_000).toISOString();
const BANNER = `You've hit your usage limit · resets ${RESET.replace('.000', '')}`;

let rig: RecoveryRig;
beforeEach(() => {
  // No jitter and a 20 s stagger: the due times below are exact.
  rig = recoveryRig({ prefix: 'wcr-', clockStart: T0, recovery: { staggerSeconds: 20 } });
});
afterEach(() => rig.close());

const fake = (...a: string[]) => [process.execPath, FAKE_AGENT, ...a];
async function start(name: string, args: string[], policy = 'auto'): Promise<void> {
  const r = await rig.engine.start({
    name,
    repo: rig.repo,
    agent: 'command',
    objective: `Fix the login bug (${name})`,
    args: fake(...args),
  });
  assert.ok(r.ok, JSON.stringify(r));
  assert.ok((await setPolicy(rig.engine, name, policy)).ok);
}
const log = (name: string) => rig.runFile(name, 'agent.log');
const turns = (name: string) => log(name).split('got: Your usage limit has reset').length - 1;
/** Lets the recoverer's async step finish and its timer be armed before the clock moves. */
const settle = async () => {
  await rig.sup!.recovery!.kick();
  assert.ok(rig.clock.pending > 0, 'the recovery timer is armed');
};

test('a usage limit with a reset one minute ahead: parked with its source, resumed after the reset exactly once, and confirmed', async () => {
  await start('lim', [
    '--print',
    'working on it',
    '--ask',
    BANNER,
    '--clear',
    '--print',
    'resumed and working again',
    '--sleep',
    '60000',
  ]);
  await rig.supervise();
  const parked = await rig.waitLimit('lim', (l) => l.state === 'scheduled', 'parked', 10_000);
  assert.equal(parked.resetAt, RESET);
  assert.equal(parked.resetSource, 'parsed');
  assert.equal(parked.dueAt, RESET);
  assert.match(parked.note ?? '', /paused until 03:05 UTC \(in 1 m\)/);
  const park = await waitFor(
    async () => {
      const e = await rig.recoveryEvents('lim', 'park');
      return e.length ? e : null;
    },
    5_000,
    'the park audit line',
  );
  assert.equal(park.length, 1);
  assert.match(String(park[0]!.detail), /a limit wait is not a failure/);

  await settle();
  rig.clock.advance(59_000); // before the reset: nothing is sent
  await rig.sup!.recovery!.kick();
  assert.equal((await rig.limitOf('lim'))?.state, 'scheduled');
  assert.equal(turns('lim'), 0);

  rig.clock.advance(1_000); // the reset
  const done = await rig
    .waitLimit('lim', (l) => l.state === 'resumed', 'confirmed', 15_000)
    .catch(async (e: Error) => {
      const st = await rig.engine.store.readStatus('lim');
      throw new Error(
        `${e.message}; state ${st?.state} (${st?.evidence?.detail}); log: ${JSON.stringify(log('lim'))}; screen: ${JSON.stringify(execFileSync('tmux', ['-S', rig.home.dir.socket, 'capture-pane', '-p', '-t', '=lim:'], { encoding: 'utf8' }))}`,
      );
    });
  assert.match(done.note ?? '', /^confirmed: running/);
  assert.match(
    log('lim'),
    /got: Your usage limit has reset; continue the task from where you stopped: Fix the login bug \(lim\)/,
  );
  // Hours later: no second resume.
  rig.clock.advance(5 * 3_600_000);
  await rig.sup!.recovery!.kick();
  assert.equal(turns('lim'), 1);
  assert.equal((await rig.recoveryEvents('lim', 'resume')).length, 1);
  assert.equal((await rig.recoveryEvents('lim', 'resumed')).length, 1);
  const st = await rig.engine.store.readStatus('lim');
  assert.equal(st?.pass, 1, 'a live agent is resumed in place, not relaunched');
  assert.equal(st?.state, 'running');
});

test('a limit still there after the reset: parked again with backoff, gives up after 2 attempts, never a third', async () => {
  await start('stuck', [
    '--ask',
    BANNER,
    '--clear',
    '--ask',
    BANNER,
    '--clear',
    '--ask',
    BANNER,
    '--sleep',
    '60000',
  ]);
  await rig.supervise();
  await rig.waitLimit('stuck', (l) => l.state === 'scheduled', 'parked', 10_000);
  await settle();
  rig.clock.advance(60_000);
  await waitFor(() => turns('stuck') === 1, 10_000, 'first try');
  // The banner came back at once: the check after the firing sees the limit still there (no clock move
  // needed: it watches the agent, not the reset time) and parks it again.
  const fired1 = rig.clock.now();
  const again = await rig.waitLimit(
    'stuck',
    (l) => l.state === 'scheduled' && l.attempts === 1,
    'parked again',
    10_000,
  );
  assert.equal(Date.parse(again.dueAt) - fired1, 5 * 60_000, 'backoff: 5 minutes');
  assert.match(again.note ?? '', /limit still there after the reset/);
  assert.equal(again.check, undefined, 'the new schedule has no verdict yet');
  // The park's timeline line is appended just after its record is written: wait for it, not race it.
  const park2 = await waitFor(
    async () => (await rig.recoveryEvents('stuck', 'park'))[1] ?? null,
    10_000,
    'the second park event',
  );
  assert.match(String(park2.detail), /limit still there/);
  await settle();
  rig.clock.advance(5 * 60_000);
  await waitFor(() => turns('stuck') === 2, 10_000, 'second try');
  const gave = await rig.waitLimit('stuck', (l) => l.state === 'gave_up', 'gave up', 10_000);
  assert.match(gave.note ?? '', /after 2 attempts/);
  // A day later: still no third attempt.
  rig.clock.advance(24 * 3_600_000);
  await rig.sup!.recovery!.kick();
  assert.equal(turns('stuck'), 2);
  assert.equal((await rig.recoveryEvents('stuck', 'resume')).length, 2);
  assert.equal((await rig.recoveryEvents('stuck', 'gave-up')).length, 1);
  const st = await rig.engine.store.readStatus('stuck');
  assert.notEqual(st?.state, 'failed', 'a limit wait is never a failure');
});

test('output right after the continue turn, then the banner again: not called resumed (the agent must keep working without the limit), parked again', async () => {
  // The agent answers the turn (redraws, prints) and a second later shows the limit again, with no
  // new state recorded for it: the check reads it from the screen (the limit below our turn, which
  // the redraw removed) within the hold, and it is parked again, not called resumed. The fake clock
  // does not move after the firing: no confirmation deadline decides it.
  await start('flap', [
    '--ask',
    BANNER,
    '--clear',
    '--print',
    'thinking...',
    '--sleep',
    '1000',
    '--print',
    BANNER,
    '--sleep',
    '60000',
  ]);
  await rig.supervise();
  await rig.waitLimit('flap', (l) => l.state === 'scheduled', 'parked', 10_000);
  await settle();
  rig.clock.advance(60_000);
  await waitFor(() => turns('flap') === 1, 10_000, 'the continue turn');
  const again = await rig.waitLimit(
    'flap',
    (l) => l.state === 'scheduled' && l.attempts === 1,
    'parked again',
    15_000,
  );
  assert.match(again.note ?? '', /limit still there after the reset/);
  assert.equal((await rig.recoveryEvents('flap', 'resumed')).length, 0, 'never called resumed');
});

test('three limited workcells of one vendor wake one at a time: the canary first, the others only after it worked', async () => {
  for (const n of ['c1', 'c2', 'c3'])
    await start(n, ['--ask', BANNER, '--clear', '--print', `${n} working again`, '--sleep', '60000']);
  await rig.supervise();
  await waitFor(
    async () => {
      const all = await Promise.all(['c1', 'c2', 'c3'].map(rig.limitOf));
      return all.every((l) => l?.state === 'scheduled');
    },
    15_000,
    'all parked',
  );
  await settle();
  rig.clock.advance(60_000);
  const states = async () => Promise.all(['c1', 'c2', 'c3'].map(async (n) => (await rig.limitOf(n))?.state));
  const first = await waitFor(
    async () => {
      const s = await states();
      return s.filter((x) => x === 'resumed').length === 1 ? s : null;
    },
    15_000,
    'canary confirmed',
  );
  assert.deepEqual(first.filter((x) => x === 'scheduled').length, 2, 'the others waited for the canary');
  const canary = ['c1', 'c2', 'c3'][first.indexOf('resumed')]!;
  // Within the stagger gap nobody else fires.
  await settle();
  rig.clock.advance(19_000);
  await rig.sup!.recovery!.kick();
  assert.equal((await states()).filter((x) => x === 'scheduled').length, 2);
  rig.clock.advance(1_000);
  await waitFor(async () => (await states()).filter((x) => x === 'resumed').length === 2, 15_000, 'second');
  await settle();
  rig.clock.advance(20_000);
  await waitFor(async () => (await states()).every((x) => x === 'resumed'), 15_000, 'third');
  const fired = await Promise.all(
    ['c1', 'c2', 'c3'].map(async (n) => Date.parse((await rig.limitOf(n))!.firedAt!)),
  );
  const order = [...fired].sort((a, b) => a - b);
  assert.equal(fired[['c1', 'c2', 'c3'].indexOf(canary)], order[0], 'the canary fired first');
  assert.ok(
    order[1]! - order[0]! >= 20_000 && order[2]! - order[1]! >= 20_000,
    `staggered: ${order.map((t) => t - T0)}`,
  );
  for (const n of ['c1', 'c2', 'c3']) assert.equal(turns(n), 1);
});

test('a supervisor restarted mid-stagger keeps the gap: the gate is on disk, the next one waits it out, none is forgotten', async () => {
  for (const n of ['g1', 'g2'])
    await start(n, ['--ask', BANNER, '--clear', '--print', `${n} working again`, '--sleep', '60000']);
  await rig.supervise();
  const names = ['g1', 'g2'];
  const states = async () => Promise.all(names.map(async (n) => (await rig.limitOf(n))?.state));
  await waitFor(async () => (await states()).every((x) => x === 'scheduled'), 15_000, 'both parked');
  await settle();
  rig.clock.advance(60_000);
  await waitFor(async () => (await states()).includes('resumed'), 15_000, 'canary confirmed');
  const confirmedAt = rig.clock.now();
  // The daemon goes away mid-stagger and a new one starts (same home, same clock).
  await rig.stopSupervisor();
  const gate = JSON.parse(readFileSync(join(rig.home.dir.state, 'recovery-gate.json'), 'utf8')) as Record<
    string,
    number
  >;
  assert.equal(gate.command, confirmedAt + 20_000, 'the gate is on disk');
  await rig.supervise();
  await settle();
  rig.clock.advance(19_000);
  await rig.sup!.recovery!.kick();
  assert.equal(
    (await states()).filter((x) => x === 'scheduled').length,
    1,
    'the gap holds across the restart',
  );
  rig.clock.advance(1_000);
  await waitFor(
    async () => (await states()).every((x) => x === 'resumed'),
    15_000,
    'the second, after the gap',
  );
  const fired = await Promise.all(names.map(async (n) => Date.parse((await rig.limitOf(n))!.firedAt!)));
  assert.ok(Math.abs(fired[0]! - fired[1]!) >= 20_000, `staggered: ${fired.map((t) => t - T0)}`);
  for (const n of names) assert.equal(turns(n), 1);
});

test('a login error: held with the vendor fix, the vendor breaker holds its other workcells, no restart loop', async () => {
  await start('auth', ['--print', 'Error: not logged in. Please log in again.', '--sleep', '60000']);
  await start('other', ['--print', 'ok', '--exit', '0'], 'auto');
  writeFileSync(join(rig.home.dir.runDir('other'), 'brief.md'), '# Objective\n\nOther\n\n- [ ] still open\n');
  await rig.supervise();
  const hold = await waitFor(
    async () => (await readHome(rig.home.dir)).authHold.command,
    10_000,
    'auth hold',
  );
  assert.equal(hold.name, 'auth');
  const holds = await rig.recoveryEvents('auth', 'hold');
  assert.equal(holds.length, 1);
  assert.match(String(holds[0]!.detail), /login lost: .*held until a resume works/);
  // The other workcell of the same vendor (partial: open checklist item) is held, not relaunched.
  const wait = await waitFor(
    async () => (await rig.recoveryEvents('other', 'wait'))[0],
    15_000,
    'other held',
  );
  assert.match(String(wait.detail), /auth_held: held: command's login failed in auth/);
  // Time passes, reconciles happen: still one hold, no resume anywhere.
  rig.clock.advance(3_600_000);
  await rig.sup!.request();
  await rig.sup!.recovery!.kick();
  assert.equal((await rig.recoveryEvents('auth', 'hold')).length, 1);
  assert.equal(
    (await rig.recoveryEvents('auth', 'resume')).length +
      (await rig.recoveryEvents('other', 'resume')).length,
    0,
  );
  assert.equal((await rig.engine.store.readStatus('auth'))?.pass, 1);
  assert.equal((await rig.engine.store.readStatus('other'))?.pass, 1);
});

test('a live throttle (the server limiting requests, the CLI retrying by itself) is not parked and gets no continue turn', async () => {
  await start('thr', [
    '--print',
    'working on it',
    '--print',
    'Error: 429 Too Many Requests · retrying in 20s',
    '--sleep',
    '60000',
  ]);
  await rig.supervise();
  await waitFor(
    async () => {
      const st = await rig.engine.store.readStatus('thr');
      return st?.state === 'rate_limited' && st.reason === 'throttled';
    },
    10_000,
    'the throttle to be seen',
  );
  await rig.sup!.recovery!.kick();
  rig.clock.advance(10 * 60_000);
  await rig.sup!.recovery!.kick();
  assert.equal(await rig.limitOf('thr'), undefined, 'no resume scheduled');
  assert.deepEqual(await rig.recoveryEvents('thr', 'park'), []);
  assert.equal(turns('thr'), 0);
});
