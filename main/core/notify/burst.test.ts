// Reason matching, burst digests (fake clock, recording channel; and a real webhook and command), the
// horizon of a lost ledger and the supervisor's "already reported" seam.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, promises as fsp, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlDir } from '../paths.js';
import { parseSettings } from '../settings.js';
import { waitFor } from '../testing/fixture.js';
import { NotificationDispatcher, type DispatcherOptions } from './dispatcher.js';
import type { LedgerData } from './ledger.js';
import { BURST } from './lane.js';
import { ManualClock } from '../testing/manualClock.js';
import { startServer, type TestServer } from './testing/httpServer.js';
import type { NotifyEvent, NotifyMessage, NotifyOn, StateChange } from '../../common/notify.js';
import type { Settings } from '../../common/settings.js';

const roots: string[] = [];
const servers: TestServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function home(): ControlDir {
  const root = mkdtempSync(join(tmpdir(), 'wc-burst-'));
  roots.push(root);
  return new ControlDir(root);
}
function settings(raw: unknown): Settings {
  const r = parseSettings(raw);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

/** A dispatcher whose desktop channel records what it is given, on a fake clock. */
function recording(on: NotifyOn[] | undefined, extra: Partial<DispatcherOptions> = {}) {
  const timers = new ManualClock(1_700_000_000_000);
  const sent: NotifyMessage[] = [];
  const events: Array<{ name: string; event: NotifyEvent }> = [];
  const dir = home();
  const d = new NotificationDispatcher({
    dir,
    settings: settings({ notifiers: [on ? { type: 'desktop', on } : { type: 'desktop' }] }),
    appendEvent: (name, event) => events.push({ name, event }),
    factories: { desktop: () => ({ type: 'desktop', send: async (m) => (sent.push(m), { ok: true }) }) },
    clock: () => timers.now(),
    timers,
    retry: { attempts: 1, firstDelayMs: 1, maxDelayMs: 1, timeoutMs: 2_000 },
    ...extra,
  });
  return { d, sent, events, timers, dir };
}

let seq = 0;
function change(now: number, patch: Partial<StateChange> = {}): StateChange {
  seq++;
  const state = patch.state ?? 'done';
  return {
    id: `w${seq}:1:${seq}:${state}`,
    name: `w${seq}`,
    state,
    from: 'running',
    at: new Date(now).toISOString(),
    ...patch,
  };
}

test('a notifier matches a change by its state or its reason', async () => {
  const cases: Array<{ on: NotifyOn[] | undefined; c: Partial<StateChange>; sent: boolean }> = [
    { on: ['auth_failed'], c: { state: 'failed', reason: 'auth_failed' }, sent: true },
    { on: ['auth_failed'], c: { state: 'failed', reason: 'exit 1' }, sent: false },
    { on: ['auth_failed'], c: { state: 'auth_failed' }, sent: true },
    { on: ['failed'], c: { state: 'failed', reason: 'auth_failed' }, sent: true },
    { on: undefined, c: { state: 'idle', reason: 'turn_end' }, sent: true },
    { on: undefined, c: { state: 'idle' }, sent: false },
    { on: undefined, c: { state: 'idle', reason: 'no output for 30 s' }, sent: false },
    { on: undefined, c: { state: 'orphaned' }, sent: true },
    { on: ['idle'], c: { state: 'idle', reason: 'turn_end' }, sent: true },
    { on: ['turn_end'], c: { state: 'done', reason: 'turn_end' }, sent: true },
    { on: ['network'], c: { state: 'rate_limited', reason: 'network' }, sent: true },
    { on: ['done'], c: { state: 'idle', reason: 'turn_end' }, sent: false },
  ];
  for (const [i, { on, c, sent: expected }] of cases.entries()) {
    const { d, sent, timers } = recording(on);
    await d.notify(change(timers.now(), c));
    await d.flush();
    assert.equal(sent.length === 1, expected, `case ${i}: on ${JSON.stringify(on)} ${c.state}/${c.reason}`);
    await d.close();
  }
});

test('a burst: the first at once, the rest as ONE digest once it settles; audit per change', async () => {
  const { d, sent, events, timers, dir } = recording(undefined);
  const verified = { ran: true, exitCode: 0 };
  const patches: Partial<StateChange>[] = [
    { verify: verified },
    { verify: verified },
    { verify: verified },
    { verify: verified },
    { verify: verified },
    { state: 'failed', exitCode: 1 },
    { state: 'failed', exitCode: 2 },
  ];
  const changes = patches.map((p) => change(timers.now(), p));
  await d.notify(changes[0]!);
  await waitFor(() => sent.length === 1, 2_000, 'the first change to go out at once');
  for (const c of changes.slice(1)) {
    timers.advance(100);
    await d.notify(c);
  }
  // 600 ms after the first send: the six are held, behind one timer that follows the latest.
  assert.equal(sent.length, 1);
  assert.equal(timers.pending, 1, 'one timer for the burst');
  timers.advance(BURST.quietMs - 1);
  assert.equal(sent.length, 1, 'not while changes still come');
  timers.advance(1);
  await waitFor(() => sent.length === 2, 2_000, 'the digest');
  const digest = sent[1]!;
  assert.equal(digest.title, '6 workcells finished: 4 verified, 2 failed');
  assert.equal(
    digest.body,
    [
      ...changes.slice(1, 5).map((c) => `${c.name} finished: verified`),
      `${changes[5]!.name} failed (exit code 1)`,
      `${changes[6]!.name} failed (exit code 2)`,
      'See all: workcell ls',
    ].join('\n'),
  );
  assert.equal(digest.urgency, 'critical');
  assert.deepEqual(
    digest.digest?.messages.map((m) => m.changeId),
    changes.slice(1).map((c) => c.id),
  );
  assert.match(digest.idempotencyKey ?? '', /^digest:[0-9a-f]{32}$/);
  await d.flush();
  // Every change: its own 'notified' event in its own workcell and its own ledger entry.
  assert.deepEqual(
    events.map((e) => [e.name, e.event.type, e.event.changeId, e.event.digest]),
    changes.map((c, i) => [c.name, 'notified', c.id, i === 0 ? undefined : 6]),
  );
  const ledger = JSON.parse(readFileSync(join(dir.state, 'notified.json'), 'utf8')) as LedgerData;
  for (const c of changes) {
    assert.deepEqual(ledger.changes[c.id]?.notifiers, { desktop: 'sent' });
    assert.equal(ledger.changes[c.id]?.msg, undefined, 'the message is dropped once sent');
  }
  // After a quiet spell, a single change is not delayed.
  timers.advance(5_000);
  await d.notify(change(timers.now()));
  await waitFor(() => sent.length === 3, 2_000, 'a lone change at once');
  assert.equal(sent[2]!.digest, undefined);
  await d.close();
});

test('a burst that does not settle leaves when the window closes; sends are never closer than the minimum gap', async () => {
  const { d, sent, timers } = recording(undefined);
  const start = timers.now();
  const turn = () => new Promise((r) => setImmediate(r));
  await d.notify(change(timers.now()));
  await waitFor(() => sent.length === 1, 2_000, 'the first change at once');
  // A change every 100 ms for 1.5 s: never quiet for BURST.quietMs.
  const sentAt: number[] = [start];
  for (let i = 0; i < 15; i++) {
    const before = sent.length;
    timers.advance(100);
    if (sent.length > before) sentAt.push(timers.now());
    await d.notify(change(timers.now()));
    await turn();
  }
  // The first held change came at +100: its digest left when the window after it closed (+1100).
  assert.deepEqual(sentAt, [start, start + 100 + BURST.windowMs]);
  assert.equal(sent[1]!.digest?.count, 10);
  // The rest of the stream leaves once it has settled: a quiet gap after its last change.
  timers.advance(BURST.quietMs - 1);
  assert.equal(sent.length, 2);
  timers.advance(1);
  assert.equal(sent.length, 3);
  assert.equal(sent[2]!.digest?.count, 5);
  // A lone change right after a send waits only for the minimum gap, not for a window.
  timers.advance(50);
  await d.notify(change(timers.now()));
  await turn();
  timers.advance(BURST.minGapMs - 50 - 1);
  assert.equal(sent.length, 3, 'not within the minimum gap after a send');
  timers.advance(1);
  assert.equal(sent.length, 4);
  assert.equal(sent[3]!.digest, undefined);
  await d.close();
});

test('changes claimed together leave as ONE digest at once: webhook with an Idempotency-Key, command with WORKCELL_DIGEST_*', async () => {
  const srv = await startServer();
  servers.push(srv);
  const dir = home();
  const out = join(dir.root, 'cmd-env.jsonl');
  const script = `require('fs').appendFileSync(process.argv[1], JSON.stringify({n: process.env.WORKCELL_DIGEST_COUNT, key: process.env.WORKCELL_IDEMPOTENCY_KEY, ids: process.env.WORKCELL_DIGEST_CHANGE_IDS}) + '\\n')`;
  const d = new NotificationDispatcher({
    dir,
    settings: settings({
      notifiers: [
        { type: 'webhook', url: `${srv.url}/hook` },
        { type: 'command', argv: [process.execPath, '-e', script, out] },
      ],
    }),
    appendEvent: () => {},
  });
  const now = Date.now();
  const changes = Array.from({ length: 5 }, () => change(now));
  // One burst: claimed together (one ledger write), well inside the 1 s window even on a busy machine.
  await Promise.all(changes.map((c) => d.notify(c)));
  await d.flush();
  // Changes that arrive together leave together: ONE digest at once, not the first alone and the
  // rest a window later.
  assert.equal(srv.received.length, 1);
  const posted = srv.received[0]!.json as NotifyMessage;
  assert.equal(posted.digest?.count, 5);
  assert.deepEqual(
    posted.digest?.messages.map((m) => m.changeId),
    changes.map((c) => c.id),
  );
  assert.equal(srv.received[0]!.headers['idempotency-key'], posted.idempotencyKey);
  const lines = readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, string>);
  assert.deepEqual(lines, [
    {
      n: '5',
      key: posted.idempotencyKey,
      ids: changes.map((c) => c.id).join('\n'),
    },
  ]);
  await d.close();
});

test('a lost ledger does not replay the past; the supervisor can say what was (not) reported', async () => {
  const reported = new Map<string, boolean>();
  const { d, sent, timers } = recording(['done'], {
    reported: (c) => reported.get(c.id) ?? null,
    burstWindowMs: 0,
  });
  const hoursAgo = (h: number) => change(timers.now() - h * 3600_000);
  const old = hoursAgo(2);
  const recent = change(timers.now() - 60_000);
  const saidNotSent = hoursAgo(3);
  const saidSent = change(timers.now());
  reported.set(saidNotSent.id, false).set(saidSent.id, true);
  for (const c of [old, recent, saidNotSent, saidSent]) {
    await d.notify(c);
    await d.flush();
  }
  assert.deepEqual(
    sent.map((m) => m.changeId),
    [recent.id, saidNotSent.id],
  );
  await d.close();
});

test('the next message does not wait for the disk write that records the one before', async () => {
  const { d, sent, timers, dir } = recording(undefined);
  // Every fsync waits for the gate: a disk that takes its time (800 ms seen on a loaded machine).
  const probe = await fsp.open(join(dir.root, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { sync: () => Promise<void> };
  await probe.close();
  const sync = proto.sync;
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  proto.sync = async function (this: unknown) {
    await gate;
    return sync.call(this);
  };
  try {
    const a = change(timers.now());
    void d.notify(a);
    await waitFor(() => sent.length === 1, 2_000, 'the first message (its intent is not on disk yet)');
    timers.advance(BURST.windowMs);
    const b = change(timers.now());
    void d.notify(b);
    await waitFor(() => sent.length === 2, 2_000, 'the second message while the first outcome is unwritten');
    open();
    await d.flush();
    const ledger = JSON.parse(readFileSync(join(dir.state, 'notified.json'), 'utf8')) as LedgerData;
    assert.deepEqual(ledger.changes[a.id]?.notifiers, { desktop: 'sent' });
    assert.deepEqual(ledger.changes[b.id]?.notifiers, { desktop: 'sent' });
  } finally {
    proto.sync = sync;
    open();
    await d.close();
  }
});
