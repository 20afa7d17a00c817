// The daemon's confirmation of a relaunch after a usage-limit wait (issue 11, confirm.ts): an agent that
// EXITED on its limit is relaunched at the reset, and the check after it decides. Three branches, each
// on a real tmux server with a fake agent that is a shell script printing Claude's real limit line
// ("You've hit your limit · resets 3pm (UTC)", which the detector's common patterns read): the
// relaunched agent works (confirmed), hits the limit again (parked again at the new reset, the attempt
// counted once, no restart budget spent), or dies at once (failed, told once, not retried). The reset
// times are read against the ManualClock (the supervisor's recovery clock), and the line names its zone,
// so neither today's date nor the machine's time zone matters.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../testing/fixture.js';
import { recoveryRig, type RecoveryRig } from '../testing/recoveryRig.js';
import { setPolicy } from './manual.js';
import { readRecovery } from './record.js';

// 14:59 UTC on a fixed day: "resets 3pm (UTC)" is one minute ahead, "resets 8pm (UTC)" five hours.
const T0 = Date.UTC(2030, 0, 2, 14, 59, 0);
const AT_3PM = '2030-01-02T15:00:00.000Z';
const AT_8PM = '2030-01-02T20:00:00.000Z';
const limitAt = (clock: string) =>
  `echo 'migrating the schema, step 3 of 5'; echo "You've hit your limit · resets ${clock} (UTC)"; exit 1`;
const WORKS = `echo 'migrating the schema, step 4 of 5'; exec sleep 600`;

let rig: RecoveryRig;
beforeEach(() => {
  rig = recoveryRig({
    prefix: 'wcq-',
    clockStart: T0,
    settings: { notifiers: [{ type: 'desktop', on: ['failed', 'done', 'rate_limited', 'waiting'] }] },
  });
});
afterEach(() => rig.close());

/** A fake agent as a shell script: pass n runs `passes[n-1]` (a counter file beside it says which). */
async function start(name: string, passes: string[]): Promise<void> {
  const script = join(rig.home.dir.root, `${name}.sh`);
  const cases = passes.map((body, i) => `  ${i + 1}) ${body} ;;`).join('\n');
  writeFileSync(
    script,
    `n=$(( $(cat "$0.n" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$0.n"\ncase $n in\n${cases}\nesac\n`,
  );
  const r = await rig.engine.start({
    name,
    repo: rig.repo,
    agent: 'command',
    objective: `Migrate the schema (${name})`,
    args: ['/bin/sh', script],
  });
  assert.ok(r.ok, JSON.stringify(r));
  assert.ok((await setPolicy(rig.engine, name, 'auto')).ok);
}

/** Parked at the 3 pm reset, then the clock moved to it: the relaunch fires. */
async function parkAndFire(name: string): Promise<void> {
  const parked = await rig.waitLimit(name, (l) => l.state === 'scheduled', 'parked', 20_000);
  assert.equal(parked.resetAt, AT_3PM, 'the reset read from the limit line, against the fake clock');
  assert.equal(parked.resetSource, 'parsed');
  assert.equal(parked.dueAt, AT_3PM);
  await settle();
  rig.clock.advance(60_000);
  // The relaunch waits for the pass's finisher (Recoverer.stillFinishing) and then
  // snapshots the repo: on a loaded CI machine that took longer than 20 s once (stop 18).
  await waitFor(
    async () => (await rig.recoveryEvents(name, 'resume')).length === 1,
    60_000,
    'the relaunch',
  ).catch(async (e: Error) => {
    const st = await rig.engine.store.readStatus(name);
    const events = (await rig.recoveryEvents(name)).map((ev) => `${ev.action}: ${ev.detail ?? ''}`);
    throw new Error(
      `${e.message}; state ${st?.state} pass ${st?.pass}; limit ${JSON.stringify(await rig.limitOf(name))}; recovery: ${JSON.stringify(events)}`,
    );
  });
}
const settle = async () => {
  await rig.sup!.recovery!.kick();
  assert.ok(rig.clock.pending > 0, 'the recovery timer is armed');
};
const passOf = async (name: string) => (await rig.engine.store.readStatus(name))?.pass;
const sentFor = (name: string, pass: number) =>
  rig.sent.filter((m) => m.name === name && m.changeId.startsWith(`${name}:${pass}:`));

test('relaunched after the reset and working again: confirmed once, the relaunch counted as no restart', async () => {
  await start('ok', [limitAt('3pm'), WORKS]);
  await rig.supervise();
  await parkAndFire('ok');
  const done = await rig.waitLimit('ok', (l) => l.state === 'resumed', 'confirmed', 30_000);
  assert.match(done.note ?? '', /^confirmed: running for \d+(\.\d+)? s without the limit/);
  assert.equal(done.attempts, 1);
  assert.match(done.how ?? '', /^relaunched/);
  assert.equal(await passOf('ok'), 2);
  assert.match(rig.runFile('ok', 'agent.log'), /step 4 of 5/);
  // Hours later: nothing fires again, and a limit wait spent no restart budget.
  rig.clock.advance(6 * 3_600_000);
  await rig.sup!.recovery!.kick();
  assert.equal((await rig.recoveryEvents('ok', 'resume')).length, 1);
  assert.equal((await rig.recoveryEvents('ok', 'resumed')).length, 1);
  assert.deepEqual((await readRecovery(rig.home.dir, 'ok')).restarts ?? [], []);
  assert.equal(await passOf('ok'), 2);
});

test('relaunched and limited again: parked again at the new reset with the attempt counted once, then the second try is confirmed', async () => {
  await start('again', [limitAt('3pm'), limitAt('8pm'), WORKS]);
  await rig.supervise();
  await parkAndFire('again');
  const again = await rig.waitLimit(
    'again',
    (l) => l.state === 'scheduled' && l.attempts === 1,
    'parked again',
    30_000,
  );
  assert.equal(again.resetAt, AT_8PM, 'the new reset the relaunched agent printed');
  assert.equal(again.dueAt, AT_8PM, 'due at the new reset, not a backoff from the old one');
  assert.equal(again.resetSource, 'parsed');
  assert.equal(again.pass, 2);
  assert.match(again.note ?? '', /paused until 20:00 UTC \(in 5 h 0 m\)/);
  assert.equal((await rig.recoveryEvents('again', 'resumed')).length, 0, 'never called resumed');
  assert.equal((await rig.recoveryEvents('again', 'gave-up')).length, 0);
  // Before the new reset nothing fires.
  await settle();
  rig.clock.advance(5 * 3_600_000 - 1_000); // the clock is at 15:00 (the first reset)
  await rig.sup!.recovery!.kick();
  assert.equal((await rig.recoveryEvents('again', 'resume')).length, 1);
  assert.equal(await passOf('again'), 2);
  rig.clock.advance(1_000);
  const done = await rig.waitLimit('again', (l) => l.state === 'resumed', 'the second try confirmed', 30_000);
  assert.equal(done.attempts, 2, 'two attempts in all: the policy, not one more');
  assert.equal(await passOf('again'), 3);
  assert.equal((await rig.recoveryEvents('again', 'resume')).length, 2);
  assert.deepEqual((await readRecovery(rig.home.dir, 'again')).restarts ?? [], []);
});

test('relaunched and dead at once without a limit: left failed, told once, never relaunched again', async () => {
  await start('dies', [limitAt('3pm'), `echo "Error: Cannot find module './dist/index.js'"; exit 1`, WORKS]);
  await rig.supervise();
  await parkAndFire('dies');
  const gave = await rig.waitLimit('dies', (l) => l.state === 'gave_up', 'given up', 30_000);
  assert.match(gave.note ?? '', /ended at once .*failed/);
  const st = await rig.engine.store.readStatus('dies');
  assert.equal(st?.pass, 2);
  assert.equal(st?.state, 'failed');
  assert.notEqual(st?.reason, 'rate_limited');
  // The failure of pass 2 is told once (the end itself), with no second message from recovery.
  await waitFor(() => sentFor('dies', 2).length > 0, 15_000, 'the failure told');
  // Hours later: no retry of an agent that does not start, no second message.
  rig.clock.advance(6 * 3_600_000);
  await rig.sup!.request();
  await rig.sup!.recovery!.kick();
  assert.equal((await rig.recoveryEvents('dies', 'resume')).length, 1);
  assert.equal(await passOf('dies'), 2);
  const told = sentFor('dies', 2);
  assert.equal(told.length, 1, JSON.stringify(told.map((m) => m.title)));
  assert.equal(told[0]!.state, 'failed');
});

test('a limit that resets while its pass is still verifying: the relaunch waits for verify.sh, whose result is kept', async () => {
  // The agent shows its limit line for 3 s and exits; verify.sh then takes 12 s and the reset comes
  // while it runs. A relaunch then stopped it (engine.resume ends a finisher): the pass was recorded
  // "verify.sh was stopped: the workcell was resumed", its result lost.
  const script = join(rig.home.dir.root, 'slowcheck.sh');
  writeFileSync(
    script,
    `n=$(( $(cat "$0.n" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$0.n"\ncase $n in\n  1) ${limitAt('3pm').replace('; exit 1', '; sleep 3; exit 1')} ;;\n  2) ${WORKS} ;;\nesac\n`,
  );
  const r = await rig.engine.start({
    name: 'slowcheck',
    repo: rig.repo,
    agent: 'command',
    objective: 'Migrate the schema (slowcheck)',
    args: ['/bin/sh', script],
    verify: 'sleep 12; exit 0',
  });
  assert.ok(r.ok, JSON.stringify(r));
  assert.ok((await setPolicy(rig.engine, 'slowcheck', 'auto')).ok);
  await rig.supervise();
  // Parked while the agent still shows its limit line; the reset comes once it has exited.
  const parked = await rig.waitLimit('slowcheck', (l) => l.state === 'scheduled', 'parked', 20_000);
  assert.equal(parked.dueAt, AT_3PM);
  await settle();
  await waitFor(
    async () => (await rig.engine.store.readEvents('slowcheck')).some((e) => e.type === 'exited'),
    20_000,
    'pass 1 to exit',
  );
  rig.clock.advance(60_000); // the reset, while verify.sh sleeps
  await waitFor(
    async () => (await rig.recoveryEvents('slowcheck', 'resume')).length === 1,
    60_000,
    'the relaunch',
  );
  const verified = (await rig.engine.store.readEvents('slowcheck')).filter(
    (e) => e.type === 'verified' && e.pass === 1,
  );
  assert.equal(verified.length, 1, JSON.stringify(verified));
  assert.equal(verified[0]!.exitCode, 0, `pass 1's check ran to its end: ${JSON.stringify(verified[0])}`);
  await rig.waitLimit('slowcheck', (l) => l.state === 'resumed', 'confirmed', 30_000);
  assert.equal(await passOf('slowcheck'), 2);
});
