import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  identify,
  liveProcesses,
  membersOf,
  parsePsLine,
  parseStat,
  terminate,
  type ProcInfo,
  type ProcRecord,
} from './processes.js';
import { waitFor } from './testing/fixture.js';

// Fields 3..22 after the comm; starttime (field 22) is the last one here.
const tail = (ppid: number, pgrp: number, sess: number, start: number, state = 'S') =>
  `${state} ${ppid} ${pgrp} ${sess} 34816 ${pgrp} 4194560 1 0 0 0 0 0 0 0 20 0 1 0 ${start} 9000 200 18446744073709551615`;

// [what, /proc/PID/stat text, expected (pid, comm, state, ppid, pgrp, session, startTime) or null]
const statCases: [string, string, Partial<ProcInfo> | null][] = [
  [
    'a plain name',
    `4242 (node) ${tail(4241, 4241, 4241, 55202)}`,
    { pid: 4242, comm: 'node', state: 'S', ppid: 4241, pgrp: 4241, session: 4241, startTime: 'b:55202' },
  ],
  [
    'a name with spaces and parentheses',
    `77 (my (evil) name ) x) ${tail(1, 77, 77, 123, 'R')}`,
    { pid: 77, comm: 'my (evil) name ) x', state: 'R', ppid: 1, pgrp: 77, session: 77, startTime: 'b:123' },
  ],
  [
    'a name that looks like fields',
    `9 (S 1 2 3) ${tail(2, 9, 5, 7, 'Z')}`,
    { pid: 9, comm: 'S 1 2 3', state: 'Z', ppid: 2, pgrp: 9, session: 5, startTime: 'b:7' },
  ],
  ['an empty name', `10 () ${tail(1, 10, 10, 8)}`, { pid: 10, comm: '', startTime: 'b:8' }],
  ['truncated', '11 (x) S 1 2', null],
  ['no parentheses', '12 x S 1 2 3', null],
  ['garbage', '', null],
];

for (const [what, text, want] of statCases) {
  test(`parseStat: ${what}`, () => {
    const p = parseStat(text, 'b');
    if (want === null) return assert.equal(p, null);
    assert.ok(p);
    for (const [k, v] of Object.entries(want)) assert.equal(p[k as keyof ProcInfo], v, k);
  });
}

test('parsePsLine: lstart is five words, comm keeps its spaces', () => {
  const p = parsePsLine('  501   1  501 Ss   Mon Nov  2 10:00:00 2026     /Applications/My App.app/x');
  assert.deepEqual(p, {
    pid: 501,
    ppid: 1,
    pgrp: 501,
    session: -1,
    state: 'S',
    startTime: 'ps:Mon Nov 2 10:00:00 2026',
    comm: '/Applications/My App.app/x',
  });
  assert.equal(parsePsLine('garbage'), null);
});

// A machine: our pane 100 (wrapper) with agent 101 and its child 102; 103 is a child of 101 that
// called setsid, 104 is in 103's session; 200 is unrelated; 300 reparented to init but in our session.
const P = (pid: number, ppid: number, pgrp: number, session: number, state = 'S'): ProcInfo => ({
  pid,
  ppid,
  pgrp,
  session,
  state,
  comm: `p${pid}`,
  startTime: `t${pid}`,
});
const machine: ProcInfo[] = [
  P(1, 0, 1, 1),
  P(100, 50, 100, 100),
  P(101, 100, 100, 100),
  P(102, 101, 100, 100, 'Z'),
  P(103, 101, 103, 103),
  P(104, 1, 103, 103),
  P(200, 1, 200, 200),
  P(300, 1, 100, 100),
];
const rec = (startTime: string | null, host = 'h'): ProcRecord => ({ pid: 100, startTime, host, at: '' });
const pids = (ps: ProcInfo[]) => ps.map((p) => p.pid);

// [what, table, record, self, expected pids]
const memberCases: [string, ProcInfo[], ProcRecord, number, number[]][] = [
  ['all of ours, by session, group and tree', machine, rec('t100'), 9, [100, 101, 102, 103, 104, 300]],
  // (nor is what is reachable only through it: it is the caller's own business)
  ['the caller itself is never a member', machine, rec('t100'), 101, [100, 102, 300]],
  [
    'leader gone: its group and session members are still ours',
    machine.filter((p) => p.pid !== 100),
    rec('t100'),
    9,
    [101, 102, 103, 104, 300],
  ],
  ['the pid was reused (other start time): nothing is ours', machine, rec('t-other'), 9, []],
  ['the start time was never read and the pid runs: not ours', machine, rec(null), 9, []],
  ['another host: nothing is ours', machine, rec('t100', 'elsewhere'), 9, []],
  ['everything ended', [P(1, 0, 1, 1), P(200, 1, 200, 200)], rec('t100'), 9, []],
];

for (const [what, table, r, self, want] of memberCases) {
  test(`membersOf: ${what}`, () => {
    assert.deepEqual(pids(membersOf(table, r, { host: 'h', self })), want);
  });
}

/** A process in its own session (like a tmux pane) that ignores SIGHUP and SIGTERM, with a child. */
function stubborn(): number {
  const script = `process.on('SIGHUP',()=>{});process.on('SIGTERM',()=>{});require('child_process').spawn(process.execPath,['-e','process.on("SIGTERM",()=>{});setInterval(()=>{},1e3)'],{stdio:'ignore'});setInterval(()=>{},1e3)`;
  const c = spawn(process.execPath, ['-e', script], { detached: true, stdio: 'ignore' });
  c.unref();
  return c.pid!;
}

test('terminate ends a session that ignores TERM (KILL after the grace), child included', async () => {
  const pid = stubborn();
  try {
    const r = await identify(pid);
    assert.notEqual(r.startTime, null);
    const live = await waitFor(async () => {
      const l = await liveProcesses(r);
      return l.length === 2 ? l : null;
    });
    assert.equal(live[0]!.pid, pid);
    const t0 = Date.now();
    const ended = await terminate(r, { graceMs: 300 });
    assert.ok(Date.now() - t0 >= 300, 'waited the grace before KILL');
    assert.deepEqual(
      ended.map((e) => e.pid),
      live.map((p) => p.pid),
    );
    assert.deepEqual(await liveProcesses(r), []);
  } finally {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // ESRCH: terminate ended it, as it should
    }
  }
});

test('a record whose start time does not match ends nothing', async () => {
  const pid = stubborn();
  try {
    const real = await identify(pid);
    await waitFor(async () => (await liveProcesses(real)).length === 2);
    const reused = { ...real, startTime: `${real.startTime}0` };
    assert.deepEqual(await liveProcesses(reused), []);
    assert.deepEqual(await terminate(reused, { graceMs: 100 }), []);
    assert.equal((await liveProcesses(real)).length, 2, 'the unrelated process still runs');
  } finally {
    process.kill(-pid, 'SIGKILL');
  }
});
